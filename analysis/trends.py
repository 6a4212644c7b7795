"""Scores across rounds, read only from stored publications (never by decrypting again).

A trend shows, for one unit (or for every unit of one level), the scale scores that each
round's gated publication already made public. A round in which the unit was suppressed
becomes a gap, never an estimate: nothing here can show more than the publications do.
Closed rounds' publications are stored once at close, so a trend costs a few JSON loads.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from analysis.publication import Publication
from analysis.release import stored_publication
from analysis.reports import (
    ReportDenied,
    ReportMissing,
    Viewer,
    checked_scope,
    load_round,
    scope_root,
)
from sentimeter.models import Round
from surveys.instrument import load_instrument
from surveys.org import Tree

MAX_ROUNDS = 8
"""How many rounds a trend reaches back: enough to see a direction, small enough to read."""
MAX_TREND_UNITS = 24
"""Small multiples stay readable up to about this many panels; beyond it the page says so."""


def trend_rounds(session: Session, tree: Tree, round_: Round, unit_codes: list[str]) -> list[Round]:
    """Closed rounds of the same instrument up to ``round_`` that covered the units, oldest first.

    Only closed rounds count: their publication is final and stored. An open round has no
    place in a trend (its figures may still change).
    """
    rounds = session.exec(
        select(Round).where(Round.instrument == round_.instrument)
        .where(Round.state == "closed").where(col(Round.id) <= (round_.id or 0))
        .order_by(col(Round.id).desc())).all()
    covering = [r for r in rounds
                if any(tree.is_within(code, r.unit_code) for code in unit_codes)]
    return list(reversed(covering[:MAX_ROUNDS]))


def _published_scores(publication: Publication | None,
                      unit_code: str) -> tuple[dict[str, int | None], str | None]:
    """Published scale scores of one unit in one publication, and why the rest is missing."""
    if publication is None:
        return {}, "not_released"
    entry = publication.units.get(unit_code)
    if entry is None:
        return {}, "not_in_round"
    if entry.status != "published":
        return {}, str(entry.reason)
    return {s.id: s.score for s in entry.scales if s.status == "published"}, None


def short_label(round_name: str, instrument_names: set[str]) -> str:
    """A round's name without the instrument's name ("Sentimeter oktober 2026" -> "oktober
    2026"), so the labels under a small chart stay short enough to read."""
    for name in sorted(instrument_names, key=len, reverse=True):
        if round_name.casefold().startswith(name.casefold()) and round_name[len(name):].strip():
            return round_name[len(name):].strip(" -–:")
    return round_name


def _round_row(round_: Round, order: int) -> dict[str, Any]:
    instrument = load_instrument(round_.instrument, round_.version)
    return {"id": round_.id, "name": round_.name, "order": order,
            "label": short_label(round_.name, set(instrument.name.values()))}


def unit_trend(session: Session, viewer: Viewer, round_id: int, unit_code: str,
               lang: str = "nl") -> dict[str, Any]:
    """Each scale's published score for one unit, per closed round up to ``round_id``."""
    tree, round_ = checked_scope(session, viewer, round_id, unit_code)
    instrument = load_instrument(round_.instrument, round_.version)
    rounds = trend_rounds(session, tree, round_, [unit_code])
    rows = [_round_row(r, i) for i, r in enumerate(rounds, start=1)]
    points: list[dict[str, Any]] = []
    for order, past in enumerate(rounds, start=1):
        scores, reason = _published_scores(stored_publication(session, past.id or 0), unit_code)
        for scale in instrument.scales:
            score = scores.get(scale.id)
            points.append({"series": scale.id, "series_name": scale.name[lang],
                           "round_id": past.id, "round_name": past.name,
                           "round_label": rows[order - 1]["label"], "order": order,
                           "score": score,
                           "reason": None if score is not None else (reason or "too_few")})
    return {"unit": {"code": unit_code, "name": tree.units[unit_code].name},
            "rounds": rows,
            "points": points}


def level_trend(session: Session, viewer: Viewer, round_id: int, level: str,
                scale_id: str | None = None, lang: str = "nl") -> dict[str, Any]:
    """One scale's published score per unit of ``level`` in the viewer's scope, per round.

    ``scale_id`` None means the instrument's first scale.
    """
    if viewer.role not in ("analyst", "unit_leader"):
        raise ReportDenied("Comparing units is for unit leaders and the opgaveteam.")
    tree = Tree.load(session)
    round_ = load_round(session, round_id)
    instrument = load_instrument(round_.instrument, round_.version)
    names = {s.id: s.name[lang] for s in instrument.scales}
    scale_id = scale_id or instrument.scales[0].id
    if scale_id not in names:
        raise ReportMissing(f"There is no scale {scale_id} in this round.")
    root = scope_root(viewer, tree)
    units = [code for code in tree.subtree(root) if tree.units[code].level == level
             and tree.is_within(code, round_.unit_code)] if root else []
    shown_units = units[:MAX_TREND_UNITS]
    rounds = trend_rounds(session, tree, round_, shown_units)
    rows = [_round_row(r, i) for i, r in enumerate(rounds, start=1)]
    points: list[dict[str, Any]] = []
    for order, past in enumerate(rounds, start=1):
        publication = stored_publication(session, past.id or 0)
        for code in shown_units:
            scores, reason = _published_scores(publication, code)
            score = scores.get(scale_id)
            points.append({"series": code, "series_name": tree.units[code].name,
                           "round_id": past.id, "round_name": past.name,
                           "round_label": rows[order - 1]["label"], "order": order,
                           "score": score,
                           "reason": None if score is not None else (reason or "too_few")})
    return {"level": level, "scale": {"id": scale_id, "name": names[scale_id]},
            "rounds": rows,
            "units": len(units), "shown_units": len(shown_units), "points": points}
