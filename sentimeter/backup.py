"""Backups of the embedded SQLite database, and guidance for PostgreSQL.

A backup holds only ciphertext and wrapped keys: without the master key it reveals no
answer, and with a different master key it cannot be restored (``restore`` checks this
before it overwrites anything). The master key is backed up separately, never beside the
database.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from sentimeter.db import make_engine
from sentimeter.runtime import check_key_matches
from sentimeter.vault import KeyError_, Vault

PG_GUIDANCE = (
    "PostgreSQL is backed up with its own tools, which give a consistent snapshot:\n"
    "  pg_dump --format=custom --file=sentimeter.dump \"$DATABASE\"\n"
    "  pg_restore --clean --if-exists --dbname=\"$DATABASE\" sentimeter.dump\n"
    "Keep the master key (SENTIMETER_MASTER_KEY or its file) in a separate, safe place:\n"
    "a dump without it reveals no answer, and a restore without it reads nothing."
)


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


def sqlite_path(engine: Engine) -> Path:
    """The database file behind an SQLite engine (PostgreSQL has its own tools)."""
    if engine.dialect.name != "sqlite":
        raise BackupError(PG_GUIDANCE)
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("There is no database file to back up.")
    return Path(database)


def backup_sqlite(engine: Engine, target: Path) -> int:
    """Write a consistent snapshot with SQLite's online backup API; returns its size.

    The API copies a transaction-consistent image while the server keeps answering, which
    copying the file (with its WAL beside it) would not.
    """
    source_path = sqlite_path(engine)
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(source_path)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()
        source.close()
    target.chmod(0o600)
    return target.stat().st_size


def check_backup(path: Path, vault: Vault) -> None:
    """Refuse a file that is not a Sentimeter database or was sealed under another key."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an SQLite database: {exc}") from exc
    if not {"alembic_version", "secret", "response"} <= tables:
        raise BackupError(f"{path} is not a Sentimeter backup.")
    probe = make_engine(f"sqlite:///{path}")
    try:
        check_key_matches(probe, vault)
        with Session(probe) as session:
            _, problems = vault.check(session)
    except KeyError_ as exc:
        raise BackupError(f"The configured master key does not open this backup: {exc}") from exc
    finally:
        probe.dispose()
    if problems:
        raise BackupError("The configured master key does not open this backup: " + problems[0])


def restore_sqlite(engine: Engine, vault: Vault, source: Path) -> None:
    """Replace the live database with ``source`` (checked first), page by page.

    Stop the server first: connections open during a restore keep seeing old pages.
    """
    target_path = sqlite_path(engine)
    check_backup(source, vault)
    engine.dispose()
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    live = sqlite3.connect(target_path)
    try:
        backup.backup(live)
        live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        live.close()
        backup.close()
