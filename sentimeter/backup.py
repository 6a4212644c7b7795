"""Backups of the embedded SQLite database, and guidance for PostgreSQL.

A backup holds only ciphertext and wrapped keys: without the master key it reveals no
answer, and with a different master key it cannot be restored (``restore`` checks this
before it overwrites anything). The master key is backed up separately, never beside the
database.
"""

from __future__ import annotations

import secrets
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
    "A dump stores rows in their physical order: take it after a round closes (the close\n"
    "rewrites the round's rows in random order), not while answers arrive. What WAL\n"
    "archives and base backups keep is described in docs/operations.md.\n"
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
    copying the file (with its WAL beside it) would not. It copies pages as they are, so
    the rows of an open round would keep their arrival order (and deleted rows their bytes
    in free pages): the copy's answer rows are shuffled and the copy vacuumed before it
    is handed over (``_forget_order``).
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
        _forget_order(destination)
    finally:
        destination.close()
        source.close()
    target.chmod(0o600)
    return target.stat().st_size


SHUFFLED_TABLES = ("response", "comment", "access_code")


def _forget_order(connection: sqlite3.Connection) -> None:
    """Re-insert every answer row of the copy in random order, then rebuild the file.

    Row ids and pages then follow a random permutation, not arrival; ``VACUUM`` with
    ``secure_delete`` leaves no free page holding the rows as they were. The ids and
    ciphertexts stay as they are (re-sealing needs the data keys, which only a close uses).
    """
    rng = secrets.SystemRandom()
    connection.execute("PRAGMA secure_delete=ON")
    with connection:
        for table in SHUFFLED_TABLES:
            cursor = connection.execute(f"SELECT * FROM {table}")  # noqa: S608  (fixed names)
            columns = ", ".join(d[0] for d in cursor.description)
            rows = cursor.fetchall()
            rng.shuffle(rows)
            marks = ", ".join("?" for _ in cursor.description)
            connection.execute(f"DELETE FROM {table}")  # noqa: S608
            connection.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608
    connection.execute("VACUUM")


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
