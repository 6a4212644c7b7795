"""Cuts for the opgaveteam: one self-description item of one unit, from the publication.

The gate already decided which cuts may be shown (focus value against the rest of the
unit, both sides >= 10, differencing-safe on both sides); this module only checks who asks
and picks the requested part. Cuts exist only in the analyst view and only in a round's
final publication, one dimension at a time: there is no way to ask for two cut items at
once, and no role but the analyst reaches this function.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from analysis.aggregate import cut_focus
from analysis.release import current_publication
from analysis.reports import ReportDenied, ReportMissing, Viewer, load_round
from sentimeter.vault import Vault
from surveys.instrument import Lang, load_instrument
from surveys.org import Tree

CUT_ROLES = frozenset({"analyst"})


def unit_cut(session: Session, vault: Vault, viewer: Viewer, round_id: int, unit_code: str,
             item_id: str, lang: str = "nl", *, tree: Tree | None = None) -> dict[str, Any]:
    """The published cut of ``unit_code`` by the cut item ``item_id`` (analysts only).

    Pages listing many units pass the ``tree`` they already loaded.
    """
    if viewer.role not in CUT_ROLES:
        raise ReportDenied("Cuts by self-description are only for the opgaveteam's analysts.")
    round_ = load_round(session, round_id)
    tree = tree or Tree.load(session)
    if unit_code not in tree.units or not tree.is_within(unit_code, round_.unit_code):
        raise ReportMissing(f"Unit {unit_code} was not part of round {round_id}.")
    instrument = load_instrument(round_.instrument, round_.version)
    cut_items = {item.id: item for item in instrument.cut_items}
    if item_id not in cut_items:
        known = ", ".join(sorted(cut_items)) or "none"
        raise ReportMissing(f"{item_id!r} is not a cut item of this round; choose one of {known}.")
    item = cut_items[item_id]
    focus = next(o for o in item.options if o.value == cut_focus(item))
    base: dict[str, Any] = {
        "round_id": round_id, "unit": {"code": unit_code, "name": tree.units[unit_code].name},
        "item": {"id": item.id, "text": item.prompt(_lang(lang)), "focus": focus.value,
                 "focus_label": focus.text(_lang(lang))},
        "scales": [{"id": s.id, "name": s.name[lang]} for s in instrument.scales],
    }
    publication = current_publication(session, vault, round_)
    if publication is None or publication.get("kind") != "final":
        return {**base, "released": False, "status": "suppressed", "reason": "not_released",
                "responses": None, "rest_responses": None, "figures": []}
    entry = publication["cuts"].get(item_id, {}).get("units", {}).get(unit_code)
    if entry is None or entry["status"] != "published":
        reason = entry["reason"] if entry else "too_few"
        return {**base, "released": True, "status": "suppressed", "reason": reason,
                "responses": None, "rest_responses": None, "figures": []}
    return {**base, "released": True, "status": "published", "reason": None,
            "responses": entry["responses"], "rest_responses": entry["rest_responses"],
            "figures": entry["scales"]}



def _lang(lang: str) -> Lang:
    return "en" if lang == "en" else "nl"
