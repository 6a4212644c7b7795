"""Cuts for the opgaveteam: one self-description item of one unit, from the publication.

The gate already decided which cuts may be shown (focus value against the rest of the
unit, both sides >= 10, differencing-safe on both sides); this module only checks who asks
and picks the requested part. Cuts exist only in the analyst view and only in a round's
final publication, one dimension at a time: there is no way to ask for two cut items at
once, and no role but the analyst reaches this function.
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlmodel import Session

from analysis.aggregate import cut_focus
from analysis.reports import ReportDenied, ReportMissing, Viewer, published_scope
from surveys.instrument import Lang, load_instrument
from surveys.org import Tree

CUT_ROLES = frozenset({"analyst"})


def unit_cut(session: Session, viewer: Viewer, round_id: int, unit_code: str,
             item_id: str, lang: str = "nl") -> dict[str, Any]:
    """The published cut of ``unit_code`` by the cut item ``item_id`` (analysts only)."""
    if viewer.role not in CUT_ROLES:
        raise ReportDenied("Cuts by self-description are only for the opgaveteam's analysts.")
    round_, publication = published_scope(session, viewer, round_id, unit_code)
    instrument = load_instrument(round_.instrument, round_.version)
    cut_items = {item.id: item for item in instrument.cut_items}
    if item_id not in cut_items:
        known = ", ".join(sorted(cut_items)) or "none"
        raise ReportMissing(f"{item_id!r} is not a cut item of this round; choose one of {known}.")
    item = cut_items[item_id]
    focus = next(o for o in item.options if o.value == cut_focus(item))
    name = publication.units[unit_code].name if publication else \
        Tree.load(session).units[unit_code].name
    base: dict[str, Any] = {
        "round_id": round_id, "unit": {"code": unit_code, "name": name},
        "item": {"id": item.id, "text": item.prompt(_lang(lang)), "focus": focus.value,
                 "focus_label": focus.text(_lang(lang))},
        "scales": [{"id": s.id, "name": s.name[lang]} for s in instrument.scales],
    }
    if publication is None:
        return {**base, "released": False, "status": "suppressed", "reason": "not_released",
                "responses": None, "rest_responses": None, "figures": []}
    cut = publication.cuts.get(item_id)
    entry = cut.units.get(unit_code) if cut else None
    if entry is None or entry.status != "published":
        reason = entry.reason if entry and entry.reason else "too_few"
        return {**base, "released": True, "status": "suppressed", "reason": reason,
                "responses": None, "rest_responses": None, "figures": []}
    return {**base, "released": True, "status": "published", "reason": None,
            "responses": entry.responses, "rest_responses": entry.rest_responses,
            "figures": [msgspec.to_builtins(s) for s in entry.scales]}


def _lang(lang: str) -> Lang:
    return "en" if lang == "en" else "nl"
