"""Participation for administrators, without live counts below the release level.

While a round is open nobody sees how many codes of a team were used: that number would
tell an administrator the moment one officer answered (issue #11). Administrators see how
many codes they issued (they printed them) and, for units where at least
``LIVE_BAND_MIN_ISSUED`` codes were issued, the used share in the same 10% bands the gate
publishes, so one band step is at least two answers. After close, figures come from the
stored publication only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from analysis.gate import rate_band
from analysis.release import stored_publication
from sentimeter.models import Round
from surveys.codes import cap_of, code_counts
from surveys.org import Tree

LIVE_BAND_MIN_ISSUED = 20


@dataclass(frozen=True)
class UnitParticipation:
    """One unit of a round as administrators may see it."""

    code: str
    name: str
    level: str
    depth: int
    headcount: int
    cap: int | None  # teams only: most codes this team may get in this round
    issued: int
    band: str | None  # used share in 10% bands, or None where it would be too fine
    responses: int | None  # after close, as published; never while open

    def as_json(self) -> dict[str, Any]:
        return {"unit": self.code, "level": self.level, "headcount": self.headcount,
                "cap": self.cap, "issued": self.issued, "participation_band": self.band,
                "responses": self.responses}


def participation(session: Session, round_: Round) -> list[UnitParticipation]:
    """Every unit of the round's tree, parents before children."""
    assert round_.id is not None
    tree = Tree.load(session)
    if round_.unit_code not in tree.units:
        return []
    counts = {c.unit_code: c for c in code_counts(session, round_.id)}
    publication = stored_publication(session, round_.id) if round_.state == "closed" else None
    published_units = publication.units if publication else {}
    rows: list[UnitParticipation] = []
    root_depth = len(tree.ancestors(round_.unit_code))
    for code in tree.subtree(round_.unit_code):
        unit = tree.units[code]
        members = [c for c in tree.subtree(code) if c in counts]
        issued = sum(counts[c].issued for c in members)
        used = sum(counts[c].used for c in members)
        band, responses = None, None
        if round_.state == "open" and issued >= LIVE_BAND_MIN_ISSUED:
            band = rate_band(used, issued)
        elif round_.state == "closed":
            entry = published_units.get(code)
            if entry is not None:
                band, responses = entry.rate_band, entry.responses
        rows.append(UnitParticipation(
            code=code, name=unit.name, level=unit.level,
            depth=len(tree.ancestors(code)) - root_depth, headcount=unit.headcount,
            cap=cap_of(session, round_, code) if unit.level == "team" else None,
            issued=issued, band=band, responses=responses))
    return rows
