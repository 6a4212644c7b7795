"""One-time codes: random, unambiguous, stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from sentimeter.models import AccessCode, Round
from sentimeter.vault import Vault
from surveys.org import Tree
from surveys.rounds import RoundError, get_round

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
MAX_CODES_PER_CALL = 5000
_PEPPER_NAME = "code-pepper"


def generate_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str | None:
    """Accept codes typed with dashes, spaces or lower case; None when it cannot be a code."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -_")
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def hash_code(pepper: bytes, code: str) -> str:
    """Keyed hash: a copy of the database alone cannot be searched for codes."""
    return hmac.new(pepper, code.encode(), hashlib.sha256).hexdigest()


def code_pepper(session: Session, vault: Vault) -> bytes:
    return vault.secret(session, _PEPPER_NAME)


def issue_codes(session: Session, vault: Vault, *, round_id: int, unit_code: str,
                count: int) -> list[str]:
    """Issue ``count`` new codes for a team of a draft or open round."""
    round_ = get_round(session, round_id)
    if round_.state == "closed":
        raise RoundError(f"Round {round_id} is closed; no new codes can be issued.")
    if not 1 <= count <= MAX_CODES_PER_CALL:
        raise RoundError(f"Issue between 1 and {MAX_CODES_PER_CALL} codes at a time.")
    tree = Tree.load(session)
    if unit_code not in tree.units:
        raise RoundError(f"Unknown unit {unit_code!r}.")
    if not tree.is_within(unit_code, round_.unit_code):
        raise RoundError(f"Unit {unit_code} is outside round {round_id}'s target "
                         f"{round_.unit_code}.")
    pepper = code_pepper(session, vault)
    codes = [generate_code() for _ in range(count)]
    for code in codes:
        session.add(AccessCode(code_hash=hash_code(pepper, code), round_id=round_id,
                               unit_code=unit_code))
    session.flush()
    return codes


def find_code(session: Session, vault: Vault, token: str) -> AccessCode | None:
    code = normalise_code(token)
    if code is None:
        return None
    return session.get(AccessCode, hash_code(code_pepper(session, vault), code))


@dataclass(frozen=True)
class CodeCount:
    unit_code: str
    issued: int
    used: int


def code_counts(session: Session, round_id: int) -> list[CodeCount]:
    """Issued and used codes per team: for administrators and the publication, not leaders."""
    rows = session.exec(
        select(AccessCode.unit_code, func.count(),
               func.sum(case((col(AccessCode.used), 1), else_=0)))
        .where(AccessCode.round_id == round_id).group_by(AccessCode.unit_code)
    ).all()
    return [CodeCount(unit_code=u, issued=int(n), used=int(used or 0)) for u, n, used in rows]


def round_of(session: Session, code: AccessCode) -> Round:
    return get_round(session, code.round_id)
