"""Start-up: settings -> master key -> database, in the order that keeps a misconfigured
start from touching anything."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from sentimeter.db import make_engine, upgrade
from sentimeter.models import Secret
from sentimeter.settings import Settings
from sentimeter.vault import KeyError_, Vault, load_master_key


@dataclass
class Runtime:
    """What a process needs: settings, one engine, one vault."""

    settings: Settings
    engine: Engine
    vault: Vault
    key_generated: bool = False


def check_key_matches(engine: Engine, vault: Vault) -> None:
    """Refuse a master key that does not unwrap this database's secrets (read-only check)."""
    if not inspect(engine).has_table("secret"):
        return
    with Session(engine) as session:
        rows = session.exec(select(Secret)).all()
        for row in rows:
            vault.secret(session, row.name)  # raises KeyError_ on a wrong or foreign key
        session.rollback()


def open_runtime(settings: Settings, *, create: bool = False, migrate: bool = True) -> Runtime:
    """Load the key, check it against the database, then (optionally) migrate.

    A missing or wrong key raises KeyError_ before any write; only the embedded default
    generates a key, and only when ``create`` is true.
    """
    if settings.embedded:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    key, generated = load_master_key(settings, create=create)
    vault = Vault(key)
    engine = make_engine(settings.sqlalchemy_url)
    try:
        check_key_matches(engine, vault)
    except KeyError_:
        engine.dispose()
        raise
    if migrate:
        upgrade(engine)
    return Runtime(settings=settings, engine=engine, vault=vault, key_generated=generated)
