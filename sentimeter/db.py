"""Database engine and schema.

SQLite (embedded default) runs in WAL mode with ``synchronous=FULL`` so that an answer that
got its 201 survives a killed process; PostgreSQL is the production backend. The schema is
managed by Alembic (``sentimeter/migrations``); ``upgrade`` brings any database to head.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

import sentimeter.models  # noqa: F401  (register tables on SQLModel.metadata)
import sentimeter.token_models  # noqa: F401  (personal tokens, issue #13)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 0x53454E54  # "SENT": the advisory lock id held while migrating


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA secure_delete=ON")  # deleted rows leave zeros, not their bytes
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets its pragmas, PostgreSQL a modest pool."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping: it costs a round trip on every request. A connection broken by a database
    # restart fails one request, and SQLAlchemy then invalidates the whole pool; connections
    # are also recycled hourly so none outlives a proxy's idle timeout by much.
    return create_engine(url, pool_size=10, max_overflow=10, pool_recycle=3600)


def upgrade(engine: Engine) -> None:
    """Apply every Alembic migration (idempotent)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # several processes may start at once on one database: one migrates, the others
            # wait for it and then find nothing left to do (the lock ends with the transaction)
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
