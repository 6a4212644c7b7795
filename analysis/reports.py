"""Reports for viewers: their part of the one publication, nothing else.

``web/`` calls these functions; they read only the gated publication (computing and storing
it once when a round closes), check the viewer's scope, and shape the figures for a page,
the API or an export.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from analysis.decrypt import load_comments
from analysis.direction import favourable_answers, is_reversed, mean_range
from analysis.publication import Publication, ScaleFigures, UnitEntry
from analysis.release import current_publication
from sentimeter.models import Round
from sentimeter.vault import Vault
from surveys.instrument import Instrument, Lang, load_instrument
from surveys.org import Tree

FIGURE_ROLES = ("team_leader", "unit_leader", "analyst")


class ReportDenied(Exception):
    """The viewer may not see this unit or round (HTTP 403)."""


class ReportMissing(Exception):
    """No such round or unit (HTTP 404)."""


@dataclass(frozen=True)
class Viewer:
    """Who asks: role and home unit decide the scope; suppression never depends on it."""

    email: str
    role: str
    unit_code: str


def scope_root(viewer: Viewer, tree: Tree) -> str | None:
    """The top of the subtree a viewer may open reports for (None: no figures at all)."""
    if viewer.role == "analyst":
        roots = tree.roots()
        return roots[0] if roots else None
    if viewer.role in ("team_leader", "unit_leader"):
        return viewer.unit_code
    return None


def may_view(viewer: Viewer, tree: Tree, unit_code: str) -> bool:
    """Team leaders see their own unit; unit leaders their subtree; analysts everything."""
    root = scope_root(viewer, tree)
    if root is None or unit_code not in tree.units:
        return False
    if viewer.role == "team_leader":
        return unit_code == root
    return tree.is_within(unit_code, root)


def visible_rounds(session: Session, viewer: Viewer) -> list[Round]:
    """Rounds whose target covers part of the viewer's scope, newest first."""
    tree = Tree.load(session)
    root = scope_root(viewer, tree)
    if root is None:
        return []
    rounds = session.exec(select(Round).where(col(Round.state) != "draft")
                          .order_by(col(Round.id).desc())).all()
    return [r for r in rounds if tree.is_within(root, r.unit_code)
            or tree.is_within(r.unit_code, root)]


def _round_info(round_: Round, lang: str) -> dict[str, Any]:
    instrument = load_instrument(round_.instrument, round_.version)
    return {"id": round_.id, "name": round_.name, "instrument": round_.instrument,
            "instrument_name": instrument.name[lang], "version": round_.version,
            "state": round_.state, "k": round_.k,
            "closes_at": round_.closes_at.isoformat() if round_.closes_at else None,
            "closed_at": round_.closed_at.isoformat() if round_.closed_at else None}


def load_round(session: Session, round_id: int) -> Round:
    round_ = session.get(Round, round_id)
    if round_ is None or round_.state == "draft":
        raise ReportMissing(f"There is no round {round_id}.")
    return round_


def previous_round(session: Session, round_: Round) -> Round | None:
    """The latest earlier closed round of the same instrument and target."""
    earlier = session.exec(
        select(Round).where(Round.instrument == round_.instrument)
        .where(Round.unit_code == round_.unit_code).where(Round.state == "closed")
        .where(col(Round.id) < (round_.id or 0)).order_by(col(Round.id).desc())).first()
    return earlier


def checked_scope(session: Session, viewer: Viewer, round_id: int,
                  unit_code: str) -> tuple[Tree, Round]:
    """The tree and round, once the unit exists and lies in the viewer's scope.

    Every per-unit report that spans rounds starts here, so the scope rule is written once.
    """
    tree = Tree.load(session)
    round_ = load_round(session, round_id)
    # One answer for a unit outside the viewer's scope, whether it exists or not (403), so
    # a leader cannot probe which unit codes exist; only a viewer of the whole force gets 404.
    if unit_code not in tree.units or not may_view(viewer, tree, unit_code):
        if viewer.role == "analyst" and unit_code not in tree.units:
            raise ReportMissing(f"There is no unit {unit_code}.")
        raise ReportDenied("This unit is outside what your account may see.")
    return tree, round_


def may_view_published(viewer: Viewer, publication: Publication, unit_code: str) -> bool:
    """The scope rule on the tree as it was when the round closed."""
    if unit_code not in publication.units:
        return False
    if viewer.role == "analyst":
        return True
    if viewer.role == "team_leader":
        return unit_code == viewer.unit_code
    if viewer.role == "unit_leader":
        return publication.is_within(unit_code, viewer.unit_code)
    return False


def published_scope(session: Session, viewer: Viewer, round_id: int,
                    unit_code: str) -> tuple[Round, Publication | None]:
    """The round and its publication once ``unit_code`` was part of it and is in scope.

    A closed round is judged only by its own publication (its frozen tree); an open round
    by the current tree, and it shows nothing anyway.
    """
    round_ = load_round(session, round_id)
    publication = current_publication(session, round_)
    if publication is None:
        tree = Tree.load(session)
        if unit_code not in tree.units:
            raise ReportMissing(f"There is no unit {unit_code}.")
        if not may_view(viewer, tree, unit_code):
            raise ReportDenied("This unit is outside what your account may see.")
        if not tree.is_within(unit_code, round_.unit_code):
            raise ReportMissing(f"Unit {unit_code} was not part of round {round_id}.")
        return round_, None
    if unit_code not in publication.units:
        raise ReportMissing(f"Unit {unit_code} was not part of round {round_id}.")
    if not may_view_published(viewer, publication, unit_code):
        raise ReportDenied("This unit is outside what your account may see.")
    return round_, publication


def _not_released(session: Session, round_: Round, unit_code: str,
                  lang: str) -> dict[str, Any]:
    unit = Tree.load(session).units[unit_code]
    return {"round": _round_info(round_, lang),
            "unit": {"code": unit.code, "name": unit.name, "level": unit.level},
            "released": False, "suppressed": True, "reason": "not_released",
            "responses": None, "responses_band": None, "rate_band": None, "items": [],
            "scales": [], "children": [], "benchmarks": [], "comments": False}


def unit_report(session: Session, viewer: Viewer, round_id: int, unit_code: str,
                lang: str = "nl") -> dict[str, Any]:
    """One unit's figures from the publication, in the viewer's scope."""
    round_, publication = published_scope(session, viewer, round_id, unit_code)
    if publication is None:
        return _not_released(session, round_, unit_code, lang)
    entry = publication.units[unit_code]
    base: dict[str, Any] = {
        "round": _round_info(round_, lang),
        "unit": {"code": entry.code, "name": entry.name, "level": entry.level},
        "released": True, "responses_band": entry.responses_band,
        "snapshot": {"kind": publication.kind, "created_at": publication.created_at},
        "children": _children(viewer, publication, unit_code)}
    if entry.status != "published":
        return {**base, "suppressed": True, "reason": entry.reason, "responses": None,
                "rate_band": None, "items": [], "scales": [], "benchmarks": [],
                "comments": False, "included_in": _published_ancestor(publication, unit_code)}
    previous = previous_round(session, round_)
    prev_pub = current_publication(session, previous) if previous else None
    instrument = load_instrument(round_.instrument, round_.version)
    return {**base, "suppressed": False, "reason": None, "responses": entry.responses,
            "rate_band": entry.rate_band, "comments": entry.comments,
            "items": _items(entry, instrument, lang),
            "scales": _scales(entry, instrument, lang, prev_pub),
            "benchmarks": _benchmarks(publication, unit_code)}


def _items(entry: UnitEntry, instrument: Instrument, lang: str) -> list[dict[str, Any]]:
    rows = []
    for row in entry.items:
        item = instrument.item(row.id)
        rows.append({"id": row.id, "text": item.prompt(_lang(lang)), "scale": item.scale,
                     "type": item.type, "suppressed": row.status != "published",
                     "reason": row.reason, "n": row.n, "mean": row.mean,
                     "favourable": row.favourable, "counts": row.counts,
                     "categories": row.categories,
                     "favourable_answers": favourable_answers(item, lang),
                     "reversed": is_reversed(item), "mean_range": mean_range(item)})
    return rows


def _scales(entry: UnitEntry, instrument: Instrument, lang: str,
            prev_pub: Publication | None) -> list[dict[str, Any]]:
    """Scale rows; a change only where both rounds show the scale in detail."""
    names = {s.id: s.name[lang] for s in instrument.scales}
    previous: dict[str, ScaleFigures] = {}
    before_entry = prev_pub.units.get(entry.code) if prev_pub else None
    if before_entry is not None and before_entry.status == "published":
        previous = {s.id: s for s in before_entry.scales if s.status == "published"}
    rows = []
    for row in entry.scales:
        shown = row.status == "published"
        before = previous.get(row.id)
        change = None
        if shown and before is not None and row.score is not None and before.score is not None:
            change = row.score - before.score
        rows.append({"id": row.id, "name": names.get(row.id, row.id),
                     "suppressed": not shown, "reason": row.reason, "n": row.n,
                     "score": row.score, "favourable": row.favourable, "change": change})
    return rows


def _shown_scores(entry: UnitEntry) -> dict[str, int | None]:
    return {s.id: s.score for s in entry.scales if s.status == "published"}


def _benchmarks(publication: Publication, unit_code: str) -> list[dict[str, Any]]:
    """Scale scores of the parent unit and the round's root, as published for everyone."""
    codes = []
    parent = publication.units[unit_code].parent
    if parent and parent in publication.units:
        codes.append(parent)
    root = publication.root
    if root != unit_code and root not in codes:
        codes.append(root)
    marks = []
    for code in codes:
        entry = publication.units[code]
        if entry.status != "published":
            continue
        marks.append({"code": code, "name": entry.name, "level": entry.level,
                      "scales": _shown_scores(entry)})
    return marks


def _children(viewer: Viewer, publication: Publication, unit_code: str) -> list[dict[str, Any]]:
    if viewer.role == "team_leader":
        return []
    rows = []
    for child in publication.children(unit_code):
        entry = publication.units[child]
        rows.append({"code": child, "name": entry.name, "level": entry.level,
                     "status": entry.status, "responses": entry.responses,
                     "responses_band": entry.responses_band,
                     "scales": _shown_scores(entry)})
    return rows


def _published_ancestor(publication: Publication, unit_code: str) -> dict[str, str] | None:
    for code in publication.ancestors(unit_code):
        entry = publication.units[code]
        if entry.status == "published":
            return {"code": code, "name": entry.name}
    return None


def compare(session: Session, viewer: Viewer, round_id: int,
            level: str, lang: str = "nl") -> dict[str, Any]:
    """Units of one level in the viewer's subtree x scales (analysts and unit leaders)."""
    if viewer.role not in ("analyst", "unit_leader"):
        raise ReportDenied("Comparing units is for unit leaders and the opgaveteam.")
    round_ = load_round(session, round_id)
    instrument = load_instrument(round_.instrument, round_.version)
    publication = current_publication(session, round_)
    rows: list[dict[str, Any]] = []
    if publication is not None:
        for code, entry in publication.units.items():
            if entry.level != level or not may_view_published(viewer, publication, code):
                continue
            rows.extend(_compare_rows(entry, instrument, lang))
    return {"round": _round_info(round_, lang), "level": level,
            "released": publication is not None,
            "scales": [{"id": s.id, "name": s.name[lang]} for s in instrument.scales],
            "rows": rows}


def _compare_rows(entry: UnitEntry, instrument: Instrument, lang: str) -> list[dict[str, Any]]:
    """Long rows (unit x scale); ``mean`` is the scale's mean score on 0-100, ``responses``
    the answers behind it; a suppressed row carries none of the three."""
    rows = []
    scales = {s.id: s for s in entry.scales}
    for scale in instrument.scales:
        figure = scales.get(scale.id)
        shown = entry.status == "published" and figure is not None \
            and figure.status == "published"
        reason = None if shown else (entry.reason if entry.status != "published"
                                     else (figure.reason if figure else None))
        rows.append({"unit": entry.code, "unit_name": entry.name, "scale": scale.id,
                     "scale_name": scale.name[lang], "suppressed": not shown, "reason": reason,
                     "responses": figure.n if shown and figure else None,
                     "mean": figure.score if shown and figure else None,
                     "favourable": figure.favourable if shown and figure else None})
    return rows


def unit_comments(session: Session, vault: Vault, viewer: Viewer, round_id: int,
                  unit_code: str) -> list[str]:
    """Scrubbed comments of a unit, in random order, only where the publication allows.

    Which teams' comments belong to the unit is read from the publication (the tree at
    close), never from today's tree. Comments stay sealed until read, so this one report
    needs the vault; it still writes nothing.
    """
    round_, publication = published_scope(session, viewer, round_id, unit_code)
    if publication is None or not publication.units[unit_code].comments:
        return []
    members = set(publication.units[unit_code].comment_teams)
    instrument = load_instrument(round_.instrument, round_.version)
    texts = [text for team, text in load_comments(session, vault, round_, instrument)
             if team in members]
    secrets.SystemRandom().shuffle(texts)
    return texts


def _lang(lang: str) -> Lang:
    return "en" if lang == "en" else "nl"
