"""The typed publication of a round: everything the gate lets out, and nothing else.

A publication is computed once, when a round closes, and stored as JSON. It is
self-contained: it carries the organisation tree as it was at close (codes, names, levels,
parents, headcounts) and, per unit whose comments may be shown, the teams whose comments
belong to it. Every page, export, chart and API answer of a closed round reads only this
record, so a later re-import of the organisation never changes what a closed round shows
(units added later are simply not in it).

Status of a unit:

* ``published`` -- at least 10 responses and differencing-safe at 10: exact n, rate band,
  item distributions, scale scores, comments;
* ``banded`` -- at least k responses and differencing-safe at k, but not detailed: only the
  n band (``"5-9"``, ``"10+"``), nothing derived from the answers (docs/privacy.md says why);
* ``suppressed`` -- hidden (reason ``too_few``, ``complementary`` or ``over_headcount``);
* ``no_data`` -- nobody of the unit answered.
"""

from __future__ import annotations

from typing import Literal

import msgspec

UnitStatus = Literal["published", "banded", "suppressed", "no_data"]
FigureStatus = Literal["published", "suppressed"]
Reason = Literal["too_few", "complementary", "below_detail", "no_responses", "no_answers",
                 "over_headcount", "linked"]
ResponsesBand = Literal["5-9", "10+"]


class ItemFigures(msgspec.Struct, frozen=True, kw_only=True):
    """One statement for one unit: shown only in detail (n, mean, share, distribution)."""

    id: str
    status: FigureStatus
    reason: Reason | None = None
    n: int | None = None
    mean: float | None = None
    favourable: int | None = None
    counts: dict[str, int] | None = None
    categories: dict[str, int] | None = None


class ScaleFigures(msgspec.Struct, frozen=True, kw_only=True):
    """One scale for one unit: shown only where every item of the scale is shown."""

    id: str
    status: FigureStatus
    reason: Reason | None = None
    n: int | None = None
    score: int | None = None
    favourable: int | None = None


class UnitEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One unit of the tree as it was at close, with what may be shown of it."""

    code: str
    name: str
    level: str
    parent: str | None
    headcount: int
    status: UnitStatus
    reason: Reason | None = None
    responses: int | None = None
    responses_band: ResponsesBand | None = None
    rate_band: str | None = None
    comments: bool = False
    comment_teams: list[str] = msgspec.field(default_factory=list)
    items: list[ItemFigures] = msgspec.field(default_factory=list)
    scales: list[ScaleFigures] = msgspec.field(default_factory=list)

    @property
    def detailed(self) -> bool:
        return self.status == "published"


class CutScale(msgspec.Struct, frozen=True, kw_only=True):
    """A scale inside a cut: the focus group and the rest, both >= 10."""

    id: str
    status: FigureStatus
    cut: ScaleFigures | None = None
    rest: ScaleFigures | None = None


class CutEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One unit of one cut."""

    status: FigureStatus
    reason: Reason | None = None
    responses: int | None = None
    rest_responses: int | None = None
    scales: list[CutScale] = msgspec.field(default_factory=list)


class CutFigures(msgspec.Struct, frozen=True, kw_only=True):
    """One cut item: its focus value against the rest, per unit."""

    item: str
    focus: int
    units: dict[str, CutEntry]


class Publication(msgspec.Struct, frozen=True, kw_only=True):
    """The one publication of a closed round, for all audiences together."""

    round_id: int
    root: str
    k: int
    instrument: str
    version: int
    units: dict[str, UnitEntry]
    cuts: dict[str, CutFigures] = msgspec.field(default_factory=dict)
    kind: Literal["final"] = "final"
    created_at: str | None = None

    def children(self, code: str) -> list[str]:
        """Children of ``code`` in the tree as it was at close, in stored (tree) order."""
        return [c for c, u in self.units.items() if u.parent == code]

    def ancestors(self, code: str) -> list[str]:
        chain: list[str] = []
        parent = self.units[code].parent if code in self.units else None
        while parent is not None and parent in self.units:
            chain.append(parent)
            parent = self.units[parent].parent
        return chain

    def is_within(self, code: str, top: str) -> bool:
        """Whether ``code`` lay in the subtree of ``top`` when the round closed."""
        return code in self.units and (code == top or top in self.ancestors(code))

    def subtree(self, top: str) -> list[str]:
        return [c for c in self.units if self.is_within(c, top)]


def encode(publication: Publication) -> bytes:
    return msgspec.json.encode(publication)


def decode(payload: str | bytes) -> Publication:
    return msgspec.json.decode(payload, type=Publication)
