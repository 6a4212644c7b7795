"""The issuer store: where the token roster and "officer X has had round R's token" live.

By default that is the main database. ``SENTIMETER_ISSUER_DATABASE_URL`` moves the two
issuer tables to a database of their own, run by other people than the answers' database,
so that nobody holding only one of them can join "who asked for a token" with answers.
The issuer tables have no foreign keys, so the same definitions serve both layouts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from sentimeter.db import make_engine
from sentimeter.settings import Settings
from sentimeter.token_models import ISSUER_TABLES


@lru_cache(maxsize=4)
def issuer_engine(url: str) -> Engine:
    """One engine per issuer URL per process, with the issuer tables created if missing."""
    engine = make_engine(url)
    tables = [SQLModel.metadata.tables[name] for name in ISSUER_TABLES]
    SQLModel.metadata.create_all(engine, tables=tables)
    return engine


@contextmanager
def issuer_session(settings: Settings, main: Session) -> Iterator[Session]:
    """The session for the issuer tables: ``main`` itself, or one on the separate database.

    The caller commits: a separate session is committed by the caller too (after ``main``),
    and rolled back and closed here on any error.
    """
    if not settings.issuer_database_url:
        yield main
        return
    session = Session(issuer_engine(settings.issuer_database_url), expire_on_commit=False)
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
