"""Tables of the personal tokens (issue #13), in two stores that never need to meet.

Answer store (the main database, beside the responses): the issuer key of each (round, team)
with a count of tokens handed out for it, and the hashes of spent tokens -- nothing personal.
Issuer store (``SENTIMETER_ISSUER_DATABASE_URL``, or the main database when unset): the
roster (officer -> team) and "officer X has had a token for round R". The issuer tables have
no foreign keys, so they can live in a database of their own. The issuance record shares no
column with the answer store; the roster shares the team, which every answer of the team has.
"""

from __future__ import annotations

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel


class TokenKey(SQLModel, table=True):
    """The RSA issuer key of one (round, team); its private half sealed under the team's key."""

    __tablename__ = "token_key"

    round_id: int = Field(foreign_key="round.id", primary_key=True)
    unit_code: str = Field(foreign_key="unit.code", primary_key=True)
    public_der: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sealed_private: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    issued: int = 0  # tokens signed with this key; counts against the team's headcount


class SpentToken(SQLModel, table=True):
    """A redeemed token, as the SHA-256 of its message only: replay is refused with 409."""

    __tablename__ = "spent_token"

    token_hash: str = Field(primary_key=True, max_length=64)


class RosterOfficer(SQLModel, table=True):
    """Issuer store: an officer of the roster (keyed hash of the id) and their team."""

    __tablename__ = "roster_officer"

    officer_hash: str = Field(primary_key=True, max_length=64)
    unit_code: str = Field(max_length=64)
    enrol_hash: str | None = Field(default=None, max_length=64, index=True, unique=True)


class TokenIssuance(SQLModel, table=True):
    """Issuer store: officer X has had the one token of round R -- as one hash of the pair.

    Only someone who already names an officer and a round can ask "has this one had it?"; the
    table has no round, team or time column, so it shares no column with any answer table.
    """

    __tablename__ = "token_issuance"

    entry: str = Field(primary_key=True, max_length=64)


ISSUER_TABLES = ("roster_officer", "token_issuance")
