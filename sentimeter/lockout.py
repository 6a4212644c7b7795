"""Login rate limiting that holds under concurrency: a ticket is reserved before verifying.

Reading a failure counter, verifying a password and writing the counter back loses updates
when requests race (issue #14: 20 concurrent tries verified 10-15 wrong passwords). Instead,
every try first takes a ticket with ONE atomic statement in its own, immediately committed
transaction::

    INSERT ... ON CONFLICT (key) DO UPDATE SET tries = tries + 1 ... RETURNING tries

The database serialises the increments (a row lock on PostgreSQL, the write lock on SQLite),
so each request gets a distinct number; only the first ``MAX_TRIES`` of a window may verify a
password, whatever the concurrency. Callers take the ticket before their own session touches
the database, so a request never holds two pooled connections at once. A correct password
gives its ticket back. The window starts at the first try and lasts ``WINDOW_SECONDS``; while
it is full every try is refused with the seconds left, the same for existing and unknown
e-mail addresses.
"""

from __future__ import annotations

import hashlib
import time
import unicodedata
from dataclasses import dataclass

from sqlalchemy import case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from sentimeter.models import LoginTicket

MAX_TRIES = 5
WINDOW_SECONDS = 15 * 60


@dataclass(frozen=True)
class Ticket:
    """The outcome of a reservation: ``allowed`` to verify, else wait ``retry_after`` s."""

    allowed: bool
    retry_after: int = 0


def normalise(email: str) -> str:
    """One spelling per address: NFKC, then case folding (KELVIN SIGN is not a plain k)."""
    return unicodedata.normalize("NFKC", email.strip()).casefold()


def ticket_key(email: str) -> str:
    """Tickets are kept by a hash, so the table does not list who tried to log in."""
    return hashlib.sha256(normalise(email).encode("utf-8", "replace")).hexdigest()


def reserve(engine: Engine, email: str, *, now: float | None = None) -> Ticket:
    """Take the next try of this address's window, committed before any password is checked."""
    now_s = int(time.time() if now is None else now)
    table = LoginTicket.__table__  # type: ignore[attr-defined]
    expired = table.c.window_start <= now_s - WINDOW_SECONDS
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(key=ticket_key(email), window_start=now_s, tries=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"tries": case((expired, 1), else_=table.c.tries + 1),
              "window_start": case((expired, now_s), else_=table.c.window_start)},
    ).returning(table.c.tries, table.c.window_start)
    with engine.begin() as connection:
        tries, start = connection.execute(statement).one()
    if tries > MAX_TRIES:
        return Ticket(False, _seconds_left(int(start), now_s))
    return Ticket(True)


def give_back(session: Session, email: str) -> None:
    """A correct password does not count against the window.

    Done in the caller's transaction (no hurry: until it commits the window only looks
    fuller), so a login never holds two pooled connections at once; holding one while
    waiting for another deadlocks the pool under a burst.
    """
    table = LoginTicket.__table__  # type: ignore[attr-defined]
    session.execute(update(table).where(table.c.key == ticket_key(email), table.c.tries > 0)
                    .values(tries=table.c.tries - 1))


def locked_for(engine: Engine, email: str, *, now: float | None = None) -> int:
    """Seconds until this address may try again (0 when a try is left)."""
    now_s = int(time.time() if now is None else now)
    table = LoginTicket.__table__  # type: ignore[attr-defined]
    with engine.connect() as connection:
        row = connection.execute(select(table.c.tries, table.c.window_start)
                                 .where(table.c.key == ticket_key(email))).first()
    if row is None or row.tries < MAX_TRIES:
        return 0
    return _seconds_left(int(row.window_start), now_s)


def _seconds_left(start: int, now_s: int) -> int:
    return max(0, start + WINDOW_SECONDS - now_s)
