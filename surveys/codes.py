"""One-time codes: random, unambiguous, stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from sqlalchemy import case, delete, func, insert
from sqlmodel import Session, col, select

from sentimeter import approvals
from sentimeter.audit import record
from sentimeter.models import AccessCode, Approval, CodeTally, Round, RoundTeam, Unit
from sentimeter.token_models import TokenKey
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


class CapError(RoundError):
    """More codes than the team has people: refused, so that k answers are k people.

    ``str()`` is English (CLI, logs); ``text(lang)`` gives the Dutch or English message.
    """

    def __init__(self, *, team: str, cap: int, issued: int, asked: int) -> None:
        self.team, self.cap, self.issued, self.asked = team, cap, issued, asked
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        left = max(0, self.cap - self.issued)
        if lang == "nl":
            return (f"Geweigerd: team {self.team} heeft {self.cap} mensen en er zijn al "
                    f"{self.issued} codes uitgegeven; er kunnen nog {left} bij, niet "
                    f"{self.asked}. Is het team gegroeid? Pas de bezetting aan en laat een "
                    "tweede beheerder de grens verhogen.")
        return (f"Refused: team {self.team} has {self.cap} people and {self.issued} codes "
                f"were already issued; {left} more can be issued, not {self.asked}. Has the "
                "team grown? Update its headcount and have a second administrator raise "
                "the cap.")


def _issued(session: Session, round_id: int, unit_code: str) -> int:
    return int(session.exec(select(func.count()).select_from(AccessCode)
                            .where(AccessCode.round_id == round_id)
                            .where(AccessCode.unit_code == unit_code)).one())


def cap_of(session: Session, round_: Round, unit_code: str) -> int:
    """How many codes (and tokens) the team may have in this round at most.

    A draft follows the live headcount; from opening on it is the headcount frozen then
    (raised only by a second administrator), and never more than the current headcount.
    """
    unit = session.get(Unit, unit_code)
    if unit is None or unit.level != "team":
        return 0
    if round_.state == "draft":
        return unit.headcount
    frozen = session.get(RoundTeam, (round_.id, unit_code))
    return min(frozen.cap, unit.headcount) if frozen is not None else 0


def remaining_capacity(session: Session, round_: Round, unit_code: str) -> int:
    """THE cap: how many more codes or tokens this team may get in this round.

    Everything that hands out a way to answer (code cards and personal tokens) counts here
    and asks here, so that the answers of a team can never outnumber its people.
    """
    assert round_.id is not None
    key = session.get(TokenKey, (round_.id, unit_code))
    handed_out = _issued(session, round_.id, unit_code) + (key.issued if key else 0)
    return max(0, cap_of(session, round_, unit_code) - handed_out)


def issue_codes(session: Session, vault: Vault, *, round_id: int, unit_code: str,
                count: int) -> list[str]:
    """Issue ``count`` new codes for a team of a draft or open round, within its cap."""
    # lock the round's row (PostgreSQL): two administrators issuing at once are serialised,
    # so both cannot pass the cap check (SQLite serialises writers by itself)
    round_ = session.exec(select(Round).where(Round.id == round_id).with_for_update()).first()
    if round_ is None:
        raise RoundError(f"There is no round {round_id}.")
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
    if tree.units[unit_code].level != "team":
        raise RoundError(f"{unit_code} is a {tree.units[unit_code].level}, not a team: codes "
                         "are issued per team only, so every answer belongs to one team.")
    left = remaining_capacity(session, round_, unit_code)
    if count > left:
        cap = cap_of(session, round_, unit_code)
        raise CapError(team=unit_code, cap=cap, issued=cap - left, asked=count)
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


def request_cap_raise(session: Session, *, round_id: int, unit_code: str, cap: int,
                      requested_by: str) -> Approval:
    """Ask a second administrator to raise a team's frozen cap (four-eyes)."""
    _check_new_cap(session, round_id, unit_code, cap, raising=True)
    return approvals.request(session, kind="raise_cap", target=f"round:{round_id}/{unit_code}",
                             detail={"cap": cap}, requested_by=requested_by)


def set_cap(session: Session, *, round_id: int, unit_code: str, cap: int, actor: str) -> None:
    """Set a team's cap in an open round directly: the CLI (the host's operator) only."""
    _check_new_cap(session, round_id, unit_code, cap, raising=False)
    _store_cap(session, round_id, unit_code, cap)
    record(session, actor=actor, action="codes.cap", target=f"round:{round_id}/{unit_code}",
           detail=f"cap set to {cap}")


def _check_new_cap(session: Session, round_id: int, unit_code: str, cap: int, *,
                   raising: bool) -> None:
    round_ = get_round(session, round_id)
    if round_.state != "open":
        raise RoundError(f"Round {round_id} is {round_.state}: caps are frozen only in an "
                         "open round (a draft follows the headcount).")
    unit = session.get(Unit, unit_code)
    if unit is None or unit.level != "team" or not Tree.load(session).is_within(
            unit_code, round_.unit_code):
        raise RoundError(f"{unit_code} is not a team of round {round_id}.")
    if cap > unit.headcount:
        raise RoundError(f"A cap of {cap} is more than the {unit.headcount} people of "
                         f"{unit_code}; update the headcount first.")
    current = cap_of(session, round_, unit_code)
    if raising and cap <= current:
        raise RoundError(f"The cap of {unit_code} is already {current}.")
    if cap < 0:
        raise RoundError("A cap cannot be negative.")


def _store_cap(session: Session, round_id: int, unit_code: str, cap: int) -> None:
    frozen = session.get(RoundTeam, (round_id, unit_code))
    if frozen is None:  # a team added to the organisation after the round opened
        frozen = RoundTeam(round_id=round_id, unit_code=unit_code, frozen_headcount=0, cap=cap)
    frozen.cap = cap
    session.add(frozen)
    session.flush()


def _apply_cap_raise(session: Session, approval: Approval) -> str:
    round_part, unit_code = approval.target.removeprefix("round:").split("/", 1)
    cap = int(json.loads(approval.detail)["cap"])
    try:
        _check_new_cap(session, int(round_part), unit_code, cap, raising=True)
    except RoundError as exc:
        raise approvals.ApprovalError(str(exc)) from exc
    _store_cap(session, int(round_part), unit_code, cap)
    return f"cap raised to {cap}"


approvals.register("raise_cap", _apply_cap_raise)


def round_of(session: Session, code: AccessCode) -> Round:
    return get_round(session, code.round_id)
