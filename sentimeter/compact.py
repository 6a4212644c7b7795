"""Compaction: make the database files forget what a rewritten round's rows used to be.

Deleting a row does not remove its bytes. SQLite keeps them in free pages and in the WAL
(in commit order, so in arrival order); PostgreSQL keeps dead row versions, each with the
``xmin`` of the transaction that wrote it, until a vacuum. After a round's rows are
rewritten at close, compaction removes those traces:

- SQLite: ``secure_delete`` (freed content is zeroed), a WAL checkpoint that truncates the
  WAL file, ``VACUUM`` (rebuilds the file without free pages), and a second truncating
  checkpoint for the pages the vacuum itself wrote to the WAL.
- PostgreSQL: ``VACUUM FULL`` of the tables a close rewrites (a new heap file with the live
  row versions only) and a ``CHECKPOINT``, outside any transaction. The old WAL segments are
  the server's business: see docs/operations.md for their retention.

It runs after the close has committed (``compact_after_commit``), and on demand as
``sentimeter compact``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

log = logging.getLogger(__name__)

# Tables whose rows a close rewrites or deletes.
REWRITTEN_TABLES = ("response", "comment", "access_code", "code_tally")


@dataclass
class Compaction:
    """What a compaction did, for the CLI, the log and the benchmark."""

    backend: str
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(self.seconds.values())

    def as_dict(self) -> dict[str, Any]:
        return {"backend": self.backend, "seconds": self.seconds, "total": self.total,
                "warnings": self.warnings}


def compact(engine: Engine) -> Compaction:
    """Remove dead row versions and old WAL content; never raises for a busy database."""
    if engine.dialect.name == "sqlite":
        return _compact_sqlite(engine)
    return _compact_postgresql(engine)


def _timed(result: Compaction, step: str, run: Any) -> Any:
    started = time.perf_counter()
    try:
        return run()
    finally:
        result.seconds[step] = round(time.perf_counter() - started, 3)


def _compact_sqlite(engine: Engine) -> Compaction:
    result = Compaction("sqlite")
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()

        def checkpoint() -> None:
            busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy:
                result.warnings.append("WAL checkpoint was blocked by a reader; "
                                       "run `sentimeter compact` again when it is quiet.")

        cursor.execute("PRAGMA secure_delete=ON")
        _timed(result, "checkpoint", checkpoint)
        _timed(result, "vacuum", lambda: cursor.execute("VACUUM"))
        _timed(result, "checkpoint_after_vacuum", checkpoint)
        cursor.close()
    finally:
        raw.close()
    return result


def _compact_postgresql(engine: Engine) -> Compaction:
    result = Compaction("postgresql")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in REWRITTEN_TABLES:
            _timed(result, f"vacuum_full_{table}",
                   lambda t=table: conn.execute(text(f"VACUUM (FULL, ANALYZE) {t}")))
        try:
            _timed(result, "checkpoint", lambda: conn.execute(text("CHECKPOINT")))
        except DBAPIError as exc:  # needs superuser or pg_checkpoint (PostgreSQL 15+)
            result.warnings.append(f"CHECKPOINT refused ({exc.orig}); the old row versions "
                                   "stay in WAL segments until the next checkpoint recycles them.")
    return result


def compact_after_commit(session: Session) -> None:
    """Compact once this session's transaction has committed (never if it rolls back).

    Compaction cannot run inside the close's transaction: VACUUM refuses to, and the old
    rows only become dead once the rewrite commits. A failure is logged, not raised: the
    close has committed, and ``sentimeter compact`` repeats the step.
    """
    engine = session.get_bind()
    assert isinstance(engine, Engine)

    def run(committed: Session) -> None:
        try:
            done = compact(engine)
        except Exception:  # noqa: BLE001  (the close has committed; say so and go on)
            log.exception("Compaction after close failed; run `sentimeter compact`.")
            return
        committed.info["compaction"] = done  # for the CLI and the benchmark
        for warning in done.warnings:
            log.warning("Compaction after close: %s", warning)

    event.listen(session, "after_commit", run, once=True)
