"""Rounds: created as a draft, frozen when opened, ended when closed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from sentimeter.models import Round, RoundTeam, Unit, utcnow
from surveys.instrument import InstrumentError, available_instruments, load_instrument
from surveys.org import Tree

K_FLOOR = 5


class RoundError(ValueError):
    """A round operation that is not allowed; the message says why and what to do."""


def create_round(session: Session, *, instrument: str, unit_code: str, k: int = K_FLOOR,
                 k_min: int = K_FLOOR, name: str | None = None, opens_at: datetime | None = None,
                 closes_at: datetime | None = None, interim: bool = False,
                 version: int | None = None) -> Round:
    """Create a draft round; k is never below the floor or the organisation's minimum."""
    floor = max(K_FLOOR, k_min)
    if k < floor:
        raise RoundError(f"k must be at least {floor}; got {k}.")
    try:
        spec = load_instrument(instrument, version)
    except (InstrumentError, KeyError, FileNotFoundError) as exc:
        known = ", ".join(sorted({i for i, _ in available_instruments()}))
        raise RoundError(f"Unknown instrument {instrument!r}; choose one of {known}.") from exc
    if session.get(Unit, unit_code) is None:
        raise RoundError(f"Unknown unit {unit_code!r}; import the organisation first.")
    opens_at, closes_at = _as_utc(opens_at), _as_utc(closes_at)
    if opens_at and closes_at and closes_at <= opens_at:
        raise RoundError("The round must close after it opens.")
    _check_not_past(closes_at)
    round_ = Round(name=name or f"{spec.name['nl']} {utcnow():%Y-%m-%d}", instrument=spec.id,
                   version=spec.version, unit_code=unit_code, k=k, interim=interim,
                   opens_at=opens_at, closes_at=closes_at)
    session.add(round_)
    session.flush()
    return round_


def _as_utc(moment: datetime | None) -> datetime | None:
    """Store times in UTC: SQLite drops the offset, so a local time would read back shifted."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _check_not_past(closes_at: datetime | None) -> None:
    """A round whose closing time has passed would take no answers: refuse it."""
    if closes_at is None:
        return
    aware = closes_at if closes_at.tzinfo else closes_at.replace(tzinfo=UTC)
    if aware <= utcnow():
        raise RoundError(f"The closing time {aware:%Y-%m-%d %H:%M} UTC has already passed; "
                         "choose a closing time in the future.")


def get_round(session: Session, round_id: int) -> Round:
    round_ = session.get(Round, round_id)
    if round_ is None:
        raise RoundError(f"There is no round {round_id}.")
    return round_


def open_round(session: Session, round_id: int) -> Round:
    """Open a draft; from now on its settings cannot change."""
    round_ = get_round(session, round_id)
    if round_.state != "draft":
        raise RoundError(f"Round {round_id} is {round_.state}; only a draft can be opened.")
    _check_not_past(round_.closes_at)
    round_.state, round_.opened_at = "open", utcnow()
    session.add(round_)
    freeze_headcounts(session, round_)
    session.flush()
    return round_


def freeze_headcounts(session: Session, round_: Round) -> None:
    """Freeze each team's headcount as the cap on its codes (surveys.codes.cap_of)."""
    assert round_.id is not None
    tree = Tree.load(session)
    for code in tree.subtree(round_.unit_code):
        unit = tree.units[code]
        if unit.level == "team" and session.get(RoundTeam, (round_.id, code)) is None:
            session.add(RoundTeam(round_id=round_.id, unit_code=code,
                                  frozen_headcount=unit.headcount, cap=unit.headcount))


def update_round(session: Session, round_id: int, **changes: object) -> Round:
    """Change settings of a draft; an opened round is frozen."""
    round_ = get_round(session, round_id)
    if round_.state != "draft":
        raise RoundError(f"Round {round_id} is {round_.state}: its settings are frozen.")
    allowed = {"name", "k", "opens_at", "closes_at", "interim"}
    for key, value in changes.items():
        if key not in allowed:
            raise RoundError(f"{key} cannot be changed.")
        if key == "k" and (not isinstance(value, int) or value < K_FLOOR):
            raise RoundError(f"k must be at least {K_FLOOR}.")
        if key in ("opens_at", "closes_at") and isinstance(value, datetime):
            value = _as_utc(value)
            if key == "closes_at":
                _check_not_past(value)
        setattr(round_, key, value)
    session.add(round_)
    session.flush()
    return round_


def close_round(session: Session, round_id: int) -> Round:
    """End a round. Its rows are rewritten (new ids, random order) by the caller's next step,
    ``analysis.storage_close.rewrite_closed_round``: that needs the data keys, so it lives in
    ``analysis/`` (``close_and_publish`` runs both)."""
    round_ = get_round(session, round_id)
    if round_.state != "open":
        raise RoundError(f"Round {round_id} is {round_.state}; only an open round can be closed.")
    round_.state, round_.closed_at = "closed", utcnow()
    session.add(round_)
    session.flush()
    return round_


def rounds_due(session: Session, now: datetime | None = None) -> tuple[list[int], list[int]]:
    """Rounds whose schedule says they should open or close now."""
    now = now or utcnow()
    to_open = [r.id for r in session.exec(select(Round).where(Round.state == "draft"))
               if r.opens_at is not None and r.opens_at <= now and r.id is not None]
    to_close = [r.id for r in session.exec(select(Round).where(Round.state == "open"))
                if r.closes_at is not None and r.closes_at <= now and r.id is not None]
    return to_open, to_close
