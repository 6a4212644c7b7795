"""Scheduled rounds: ``sentimeter tick`` (from cron) opens and closes rounds on time.

A round whose closing time passed refuses answers; the tick also closes and publishes it.
Several ticks may run at once (cron on two hosts, a slow tick overlapping the next): each
round is *claimed* with a conditional UPDATE as the first statement of its own
transaction. The database lets one transaction hold that row; a second tick waits for it
and then finds the round no longer open (PostgreSQL re-checks the WHERE clause on the
committed row; SQLite lets one writer in at a time), so only one tick closes and
publishes it. Nothing here runs inside a page view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import col

from analysis.release import close_and_publish
from sentimeter.audit import record
from sentimeter.db import session_scope
from sentimeter.models import Round, utcnow
from sentimeter.vault import Vault
from surveys.rounds import freeze_headcounts, get_round, rounds_due


@dataclass
class TickResult:
    opened: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    busy: list[int] = field(default_factory=list)  # another tick held the round too long


def run_due(engine: Engine, vault: Vault, *, actor: str,
            now: datetime | None = None) -> TickResult:
    """Open due drafts and close-and-publish due open rounds, each in its own transaction."""
    now = now or utcnow()
    with session_scope(engine) as db:
        to_open, to_close = rounds_due(db, now)
    result = TickResult()
    for round_id in to_open:
        if _open_if_due(engine, round_id, now, actor):
            result.opened.append(round_id)
    for round_id in to_close:
        try:
            if _close_if_due(engine, vault, round_id, now, actor):
                result.closed.append(round_id)
        except OperationalError:  # SQLite: the other tick held the lock past the timeout
            result.busy.append(round_id)
    return result


def _open_if_due(engine: Engine, round_id: int, now: datetime, actor: str) -> bool:
    with session_scope(engine) as db:
        claimed = db.execute(update(Round).where(col(Round.id) == round_id)
                             .where(col(Round.state) == "draft")
                             .where(col(Round.opens_at) <= now)
                             .values(state="open", opened_at=utcnow()))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return False
        round_ = get_round(db, round_id)
        db.refresh(round_)
        freeze_headcounts(db, round_)
        record(db, actor=actor, action="round.open", target=f"round:{round_id}",
               detail="scheduled")
        return True


def _close_if_due(engine: Engine, vault: Vault, round_id: int, now: datetime,
                  actor: str) -> bool:
    with session_scope(engine) as db:
        # the claim: a no-op UPDATE that locks the row while it is still open and due
        claimed = db.execute(update(Round).where(col(Round.id) == round_id)
                             .where(col(Round.state) == "open")
                             .where(col(Round.closes_at) <= now)
                             .values(state="open"))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return False
        close_and_publish(db, vault, round_id)
        record(db, actor=actor, action="round.close", target=f"round:{round_id}",
               detail="scheduled: closing time passed")
        return True
