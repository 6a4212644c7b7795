"""Alembic migrations build exactly the schema the models describe, on both backends.

The test database is empty (a fresh SQLite file or a fresh PostgreSQL schema); every
migration is applied to it, and Alembic's autogenerate comparison must find nothing to
add, drop or retype. A model change without a migration fails here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlmodel import SQLModel

from sentimeter.db import MIGRATIONS_DIR, make_engine, upgrade
from sentimeter.settings import Settings
from sentimeter.vault import generate_master_key


def _head() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def _revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def test_all_migrations_on_an_empty_database_match_the_models(settings: Settings) -> None:
    engine = make_engine(settings.sqlalchemy_url)
    try:
        assert inspect(engine).get_table_names() == []
        upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == []
    assert _revision(settings.sqlalchemy_url) == _head()


def test_upgrading_twice_changes_nothing(settings: Settings) -> None:
    engine = make_engine(settings.sqlalchemy_url)
    try:
        upgrade(engine)
        tables = sorted(inspect(engine).get_table_names())
        upgrade(engine)
        assert sorted(inspect(engine).get_table_names()) == tables
    finally:
        engine.dispose()


def _cli_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTIMETER_")}
    env["SENTIMETER_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["SENTIMETER_DATABASE_URL"] = settings.database_url
    # a key from outside: the embedded default refuses a database file it did not create
    env["SENTIMETER_MASTER_KEY"] = settings.master_key or generate_master_key().serialise()
    return env


def _upgrade_to(url: str, revision: str) -> None:
    from alembic import command

    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def test_sentimeter_init_brings_an_older_database_to_head(settings: Settings) -> None:
    """`init` upgrades a database left one revision behind head (empty when head is 0001)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    previous = ScriptDirectory.from_config(config).get_revision(_head()).down_revision
    if isinstance(previous, str):
        _upgrade_to(settings.sqlalchemy_url, previous)
    assert _revision(settings.sqlalchemy_url) == previous
    cli = Path(sys.executable).with_name("sentimeter")
    for _ in range(2):  # the second run finds nothing to do
        done = subprocess.run([str(cli), "init", "--json"], env=_cli_env(settings),
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        assert _revision(settings.sqlalchemy_url) == _head()
