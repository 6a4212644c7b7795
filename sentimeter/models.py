"""Database tables.

What is *not* here matters as much as what is: a sealed response row holds its random
id, the round, the team and the ciphertext -- no time, no IP, no code, no sequence.
Comments live in their own table with no link to the ratings.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

LEVELS: tuple[str, ...] = ("korps", "eenheid", "district", "basisteam", "team")
ROLES: tuple[str, ...] = ("team_leader", "unit_leader", "analyst", "admin")
ROUND_STATES: tuple[str, ...] = ("draft", "open", "closed")


def utcnow() -> datetime:
    return datetime.now(UTC)


def random_id() -> str:
    """UUIDv4: random, never time-ordered."""
    return str(uuid.uuid4())


class Unit(SQLModel, table=True):
    """A node of the organisation tree."""

    code: str = Field(primary_key=True, max_length=64)
    parent_code: str | None = Field(default=None, foreign_key="unit.code", index=True)
    level: str = Field(max_length=16)
    name: str = Field(max_length=200)
    headcount: int = Field(ge=0)


class Round(SQLModel, table=True):
    """A survey round: instrument + version + target subtree + k. Frozen once opened."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    instrument: str = Field(max_length=64)
    version: int
    unit_code: str = Field(foreign_key="unit.code")
    k: int = Field(default=5, ge=5)
    interim: bool = False
    state: str = Field(default="draft", max_length=16)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    keys_destroyed_at: datetime | None = None


class DataKey(SQLModel, table=True):
    """The data key of one (round, team), stored only wrapped by the master key."""

    round_id: int = Field(foreign_key="round.id", primary_key=True)
    unit_code: str = Field(foreign_key="unit.code", primary_key=True)
    master_key_id: str = Field(max_length=64)
    wrapped: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Secret(SQLModel, table=True):
    """Installation secrets (code pepper, session secret), wrapped by the master key."""

    name: str = Field(primary_key=True, max_length=64)
    master_key_id: str = Field(max_length=64)
    wrapped: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class AccessCode(SQLModel, table=True):
    """A one-time code, stored only as a keyed hash (the pepper is wrapped by the master key)."""

    __tablename__ = "access_code"

    code_hash: str = Field(primary_key=True, max_length=64)
    round_id: int = Field(foreign_key="round.id", index=True)
    unit_code: str = Field(foreign_key="unit.code")
    used: bool = False


class CodeTally(SQLModel, table=True):
    """Issued and used codes per team of a closed round: the codes themselves are deleted at
    close, so no code hash outlives the round beside the answers it opened."""

    __tablename__ = "code_tally"

    round_id: int = Field(foreign_key="round.id", primary_key=True)
    unit_code: str = Field(foreign_key="unit.code", primary_key=True, max_length=64)
    issued: int = 0
    used: int = 0


class Response(SQLModel, table=True):
    """One sealed set of ratings. Rewritten in random order when its round closes."""

    id: str = Field(default_factory=random_id, primary_key=True, max_length=36)
    round_id: int = Field(foreign_key="round.id", index=True)
    unit_code: str = Field(foreign_key="unit.code")
    batch: int | None = None  # interim release batch; cleared at close
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Comment(SQLModel, table=True):
    """One sealed, scrubbed comment; deliberately not linked to its ratings."""

    id: str = Field(default_factory=random_id, primary_key=True, max_length=36)
    round_id: int = Field(foreign_key="round.id", index=True)
    unit_code: str = Field(foreign_key="unit.code")
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Publication(SQLModel, table=True):
    """The gated publication of a round: the only figures that ever leave `analysis/`.

    ``kind`` is ``final`` (after close, frozen) or ``interim``; ``seq`` numbers snapshots.
    """

    __table_args__ = (UniqueConstraint("round_id", "kind", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    kind: str = Field(max_length=16)
    seq: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    payload: str = Field(sa_column=Column(Text, nullable=False))


class User(SQLModel, table=True):
    """A leader, analyst or administrator account (respondents have none)."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True, max_length=254)
    password_hash: str = Field(default="", max_length=255)
    role: str = Field(max_length=16)
    unit_code: str = Field(foreign_key="unit.code")
    session_version: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class LoginTicket(SQLModel, table=True):
    """Password tries per e-mail key in the current window (same for unknown accounts).

    Reserved with one atomic upsert before a password is verified (sentimeter/lockout.py), so
    concurrent requests can never verify more than the limit per window.
    """

    __tablename__ = "login_ticket"

    key: str = Field(primary_key=True, max_length=64)
    window_start: int = 0  # Unix seconds of the window's first try
    tries: int = 0


class RevokedSession(SQLModel, table=True):
    """Session ids ended by a log-out; kept until the session would have expired anyway."""

    __tablename__ = "revoked_session"

    sid: str = Field(primary_key=True, max_length=64)
    expires: int = Field(index=True)  # Unix seconds


class SsoBinding(SQLModel, table=True):
    """The identity provider's subject (iss + sub) an account was bound to at its first SSO."""

    __tablename__ = "sso_binding"

    issuer: str = Field(primary_key=True, max_length=255)
    subject: str = Field(primary_key=True, max_length=255)
    user_id: int = Field(foreign_key="user.id", unique=True)
    bound_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Who did what, when: leaders and administrators only, never respondents."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=254)
    action: str = Field(max_length=64)
    target: str = Field(default="", max_length=255)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class RoundTeam(SQLModel, table=True):
    """A team's headcount frozen when its round opens: the cap on its codes and tokens.

    ``cap`` starts at the frozen headcount; only a second administrator (an approved
    request) or the host's operator (the CLI) can raise it.
    """

    __tablename__ = "round_team"

    round_id: int = Field(foreign_key="round.id", primary_key=True)
    unit_code: str = Field(foreign_key="unit.code", primary_key=True, max_length=64)
    frozen_headcount: int = Field(ge=0)
    cap: int = Field(ge=0)


class Approval(SQLModel, table=True):
    """A change one administrator asked for and only another may carry out (four-eyes).

    ``kind`` is ``grant_role`` (target: the e-mail; detail: role and unit as JSON) or
    ``raise_cap`` (target: ``round:ID/TEAM``; detail: the new cap). ``state`` is
    ``pending``, ``approved`` or ``rejected``.
    """

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    target: str = Field(max_length=255)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    state: str = Field(default="pending", max_length=16, index=True)
    requested_by: str = Field(max_length=254)
    requested_at: datetime = Field(default_factory=utcnow)
    decided_by: str | None = Field(default=None, max_length=254)
    decided_at: datetime | None = None
