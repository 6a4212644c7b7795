"""Tables of many units from one publication: the unit leader's subtree and sorting.

A unit leader sees every unit below them in one table (eenheid, district, basisteam,
team), sortable on any column by a query parameter so the page needs no JavaScript.
Hidden figures always sort last, whichever the direction, so a sort never suggests where
a suppressed value would fall.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from analysis.publication import UnitEntry
from analysis.reports import ReportDenied, Viewer, published_scope
from sentimeter.models import LEVELS
from surveys.instrument import load_instrument
from surveys.org import Tree

SORT_KEYS_FIXED = ("name", "level", "responses")


def subtree_units(session: Session, viewer: Viewer, round_id: int,
                  unit_code: str, lang: str = "nl") -> dict[str, Any]:
    """Every unit of the subtree under ``unit_code`` (as it was at close) with its scores."""
    if viewer.role not in ("analyst", "unit_leader"):
        raise ReportDenied("The overview of units is for unit leaders and the opgaveteam.")
    round_, publication = published_scope(session, viewer, round_id, unit_code)
    instrument = load_instrument(round_.instrument, round_.version)
    scales = [{"id": s.id, "name": s.name[lang]} for s in instrument.scales]
    rows: list[dict[str, Any]] = []
    if publication is None:
        unit = Tree.load(session).units[unit_code]
        head = {"code": unit_code, "name": unit.name, "level": unit.level}
    else:
        top_entry = publication.units[unit_code]
        head = {"code": unit_code, "name": top_entry.name, "level": top_entry.level}
        top = LEVELS.index(top_entry.level)
        for code in publication.subtree(unit_code):
            entry = publication.units[code]
            rows.append(_unit_row(entry, LEVELS.index(entry.level) - top))
    return {"unit": head, "round": {"id": round_.id, "name": round_.name, "k": round_.k},
            "released": publication is not None, "scales": scales, "rows": rows}


def _unit_row(entry: UnitEntry, depth: int) -> dict[str, Any]:
    shown = entry.status == "published"
    return {"code": entry.code, "name": entry.name, "level": entry.level,
            "depth": depth, "parent": entry.parent, "status": entry.status,
            "reason": entry.reason, "responses": entry.responses if shown else None,
            "responses_band": entry.responses_band,
            "rate_band": entry.rate_band if shown else None,
            "scales": {s.id: s.score for s in entry.scales
                       if shown and s.status == "published"}}


def sort_key_of(requested: str | None, scale_ids: Sequence[str]) -> str | None:
    """The sort key if it names a known column, else None (keep tree order)."""
    if requested in SORT_KEYS_FIXED or requested in scale_ids:
        return requested
    return None


def sort_rows(rows: Sequence[dict[str, Any]], key: str | None,
              descending: bool = False) -> list[dict[str, Any]]:
    """Rows sorted on a column; rows without a shown value always come last."""
    if key is None:
        return list(rows)

    def value(row: dict[str, Any]) -> Any:
        if key == "level":
            return LEVELS.index(row["level"])
        if key == "name":
            return str(row["name"]).casefold()
        if key == "responses":
            return row["responses"]
        return row["scales"].get(key)

    present = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    present.sort(key=lambda r: (value(r), str(r["name"]).casefold()), reverse=descending)
    return present + missing
