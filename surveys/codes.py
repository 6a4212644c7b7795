"""One-time codes: random, unambiguous, stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import case, delete, func, insert
from sqlmodel import Session, col, select

from sentimeter.models import AccessCode, CodeTally, Round
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
    """Issued and used codes per team: for administrators and the publication, not leaders.

    A closed round keeps only its tally (``tally_codes``); a round closed without it still
    counts its codes.
    """
    counts: dict[str, list[int]] = {}
    for tally in session.exec(select(CodeTally).where(CodeTally.round_id == round_id)):
        counts[tally.unit_code] = [tally.issued, tally.used]
    rows = session.exec(
        select(AccessCode.unit_code, func.count(),
               func.sum(case((col(AccessCode.used), 1), else_=0)))
        .where(AccessCode.round_id == round_id).group_by(AccessCode.unit_code)
    ).all()
    for unit, n, used in rows:
        known = counts.setdefault(unit, [0, 0])
        known[0] += int(n)
        known[1] += int(used or 0)
    return [CodeCount(unit_code=u, issued=n, used=used) for u, (n, used) in sorted(counts.items())]


def tally_codes(session: Session, round_id: int) -> int:
    """Replace a closed round's codes by per-team counts; returns how many codes went.

    A code hash stored beside the answers could be matched to the card it was printed on,
    and on PostgreSQL its row version shares a transaction with the answer it opened. After
    close only the counts remain, so a card of a closed round is simply an unknown code.
    """
    live = session.exec(select(func.count()).select_from(AccessCode)
                        .where(AccessCode.round_id == round_id)).one()
    counts = code_counts(session, round_id)
    session.execute(delete(CodeTally).where(col(CodeTally.round_id) == round_id))
    if counts:
        session.execute(insert(CodeTally), [
            {"round_id": round_id, "unit_code": c.unit_code, "issued": c.issued, "used": c.used}
            for c in counts])
    session.execute(delete(AccessCode).where(col(AccessCode.round_id) == round_id))
    session.flush()
    return int(live)


def round_of(session: Session, code: AccessCode) -> Round:
    return get_round(session, code.round_id)
