"""Retention by crypto-shredding: destroy the data keys of rounds closed long enough ago.

Respondents cannot be found, so there is no per-person deletion; instead a round's answers
become unreadable for good once its (round, team) data keys are gone. The gated
publication of the round stays: it holds only figures that passed the gate.

SQLite keeps deleted bytes in free pages and in the WAL unless told otherwise, so the
delete runs with ``secure_delete`` on and the WAL is checkpointed and truncated afterwards;
PostgreSQL rewrites the key table with ``VACUUM FULL`` (see docs/security.md for backups).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from sentimeter.models import DataKey, Publication, Round, utcnow
from sentimeter.vault import Vault


@dataclass
class RetentionResult:
    """What a retention run did: rounds shredded, keys destroyed, rounds skipped and why."""

    shredded: list[int] = field(default_factory=list)
    keys_destroyed: int = 0
    skipped: dict[int, str] = field(default_factory=dict)


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def rounds_past_retention(session: Session, *, days: int,
                          now: datetime | None = None) -> list[Round]:
    """Closed rounds whose close lies more than ``days`` ago and whose keys still exist."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    rounds = session.exec(select(Round).where(Round.state == "closed")
                          .where(col(Round.keys_destroyed_at).is_(None))).all()
    return [r for r in rounds if r.closed_at is not None and _aware(r.closed_at) <= cutoff]


def destroy_round_keys(session: Session, vault: Vault, round_: Round) -> int:
    """Delete every data key of one round and mark it; the caller commits."""
    assert round_.id is not None
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete=ON"))
    result = session.execute(delete(DataKey).where(col(DataKey.round_id) == round_.id))
    round_.keys_destroyed_at = utcnow()
    session.add(round_)
    session.flush()
    vault.forget(round_.id)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def run_retention(session: Session, vault: Vault, *, days: int,
                  now: datetime | None = None) -> RetentionResult:
    """Shred every round past ``days``; a round without a stored publication is skipped.

    Skipping keeps the promise "publications stay": a closed round whose final publication
    was never stored would otherwise lose its figures together with its answers.
    """
    result = RetentionResult()
    for round_ in rounds_past_retention(session, days=days, now=now):
        assert round_.id is not None
        published = session.exec(select(Publication.id).where(
            Publication.round_id == round_.id).where(Publication.kind == "final")).first()
        if published is None:
            result.skipped[round_.id] = ("no stored publication; open its report once "
                                         "(or close it again) before retention")
            continue
        result.keys_destroyed += destroy_round_keys(session, vault, round_)
        result.shredded.append(round_.id)
    return result


def scrub_free_space(engine: Engine) -> None:
    """After commit: make deleted key bytes physically go away where the database allows."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        return
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM FULL datakey"))
