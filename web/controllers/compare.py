"""The comparison page (/compare): units x scales for one round and one level.

For the opgaveteam (the whole force) and unit leaders (their subtree); team leaders get 403
from the guard. A GET form chooses round, level and the scale of the trend; the heatmap and
trend are server-rendered SVG images, each with a summary sentence and a table beneath.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.response import Template
from sqlmodel import Session

from analysis.compare_view import HEATMAP_MAX, TOP_N, Choice, restrict, select
from analysis.cuts import unit_cut
from analysis.exports import XLSX_MEDIA_TYPE, compare_csv, compare_xlsx
from analysis.figures import (
    compare_table,
    heatmap_chart,
    heatmap_summary,
    trend_chart,
    trend_summary,
    trend_table,
)
from analysis.overview import sort_key_of
from analysis.reports import Viewer, compare, load_round, scope_root, visible_rounds
from analysis.trends import MAX_TREND_UNITS, level_trend
from sentimeter.audit import record
from sentimeter.models import LEVELS, Round
from sentimeter.runtime import Runtime
from surveys.instrument import load_instrument
from surveys.org import Tree
from web.auth import current_user, requires_compare, viewer_of
from web.controllers.dashboard import chart_response
from web.download import download_headers
from web.i18n import choose_lang
from web.pages import page

AnyRequest = Request[Any, Any, Any]
COMPARE_LEVELS = ("eenheid", "district", "basisteam", "team")



def _levels(viewer: Viewer, tree: Tree) -> list[str]:
    """Levels below the viewer's own unit (an analyst at the korps sees every level)."""
    root = scope_root(viewer, tree)
    own = LEVELS.index(tree.units[root].level) if root else len(LEVELS)
    return [level for level in COMPARE_LEVELS if LEVELS.index(level) > own]


def _released_rounds(db: Session, viewer: Viewer) -> list[Round]:
    """Rounds with something to compare: closed ones (nothing of an open round is shown)."""
    return [r for r in visible_rounds(db, viewer) if r.state == "closed"]


def _cuts(db: Session, runtime: Runtime, viewer: Viewer, comparison: dict[str, Any],
          lang: str) -> dict[str, Any] | None:
    """The analyst-only cuts (issue 3) of the compared units, as published by the gate.

    ``analysis.cuts.unit_cut`` returns one unit's cut for one self-description item; each
    call reads the stored publication, so at most MAX_TREND_UNITS units are listed.
    Rows: {"unit_name", "scale_name", "cut", "rest", "suppressed", "reason"}.
    """
    if viewer.role != "analyst" or not comparison["released"] or not comparison["rows"]:
        return None
    round_ = load_round(db, comparison["round"]["id"])
    instrument = load_instrument(round_.instrument, round_.version)
    units = list(dict.fromkeys(r["unit"] for r in comparison["rows"]))[:MAX_TREND_UNITS]
    items = []
    for item in instrument.cut_items:
        rows = []
        for code in units:
            cut = unit_cut(db, viewer, round_.id or 0, code, item.id, lang)
            figures = {f["id"]: f for f in cut["figures"]}
            for scale in cut["scales"]:
                figure = figures.get(scale["id"], {})
                shown = cut["status"] == "published" and figure.get("status") == "published"
                rows.append({"unit_name": cut["unit"]["name"], "scale_name": scale["name"],
                             "suppressed": not shown,
                             "reason": None if shown else (cut["reason"] or "too_few"),
                             "cut": figure["cut"]["score"] if shown else None,
                             "rest": figure["rest"]["score"] if shown else None})
        if rows:
            items.append({"name": cut["item"]["text"], "focus": cut["item"]["focus_label"],
                          "rows": rows})
    return {"items": items} if items else None


class CompareController(Controller):
    path = "/compare"
    guards = [requires_compare]

    @get("/", sync_to_thread=True)
    def index(self, request: AnyRequest, db: Session, runtime: Runtime,
              round: int | None = None, level: str | None = None,  # noqa: A002
              scale: str | None = None, sort: str | None = None,
              dir: str | None = None, within: str | None = None,  # noqa: A002
              q: str = "", show: str = "all", n: int = 10, p: int = 1) -> Template:
        user = current_user(request, db)
        viewer, lang, tree = viewer_of(user), choose_lang(request), Tree.load(db)
        rounds, levels = _released_rounds(db, viewer), _levels(viewer, tree)
        chosen = next((r for r in rounds if r.id == round), rounds[0] if rounds else None)
        level = level if level in levels else (levels[0] if levels else None)
        context: dict[str, Any] = {"rounds": rounds, "levels": levels, "chosen": chosen,
                                   "level": level, "comparison": None}
        if chosen is not None and level is not None:
            round_id = chosen.id or 0
            comparison = compare(db, viewer, round_id, level, lang)
            record(db, actor=user.email, action="compare.open", target=f"{round_id}/{level}")
            scale_ids = [s["id"] for s in comparison["scales"]]
            scale = scale if scale in scale_ids else scale_ids[0]
            trend = level_trend(db, viewer, round_id, level, scale, lang)
            key, desc = sort_key_of(sort, scale_ids), dir == "desc"
            choice = _choice(tree, viewer, key, desc, within, q, show, n, p)
            view = select(compare_table(comparison), choice, tree.is_within)
            context.update(
                comparison=comparison, scale=scale, sort=key, desc=desc, choice=choice,
                view=view, table=view.rows, drill=_drill_units(tree, viewer, level),
                top_n=TOP_N, heatmap_max=HEATMAP_MAX,
                heat_summary=heatmap_summary(restrict(comparison, view.heatmap_codes), lang),
                trend=trend, trend_rows=trend_table(trend), max_trend_units=MAX_TREND_UNITS,
                trend_summary=trend_summary(trend, lang),
                cuts=_cuts(db, runtime, viewer, comparison, lang))
            if context["cuts"] is not None:  # the most sensitive figures: audited apart
                record(db, actor=user.email, action="cuts.open", target=f"{round_id}/{level}")
        return page(request, "compare/index.html", user=user, **context)

    # One handler per file type (see the note in dashboard.py on lists of paths).
    @get("/{round_id:int}/heatmap.svg", sync_to_thread=True)
    def heatmap_svg(self, request: AnyRequest, round_id: int, db: Session, runtime: Runtime,
                    level: str = "eenheid", download: bool = False, sort: str | None = None,
                    dir: str | None = None, within: str | None = None,  # noqa: A002
                    q: str = "", show: str = "all", n: int = 10,
                    p: int = 1) -> Response[Any]:
        view = _ViewArgs(sort, dir, within, q, show, n, p)
        return _heatmap_image(request, db, runtime, round_id, level, "svg", download, view)

    @get("/{round_id:int}/heatmap.png", sync_to_thread=True)
    def heatmap_png(self, request: AnyRequest, round_id: int, db: Session, runtime: Runtime,
                    level: str = "eenheid", download: bool = False, sort: str | None = None,
                    dir: str | None = None, within: str | None = None,  # noqa: A002
                    q: str = "", show: str = "all", n: int = 10,
                    p: int = 1) -> Response[Any]:
        view = _ViewArgs(sort, dir, within, q, show, n, p)
        return _heatmap_image(request, db, runtime, round_id, level, "png", download, view)

    @get("/{round_id:int}/trend.svg", sync_to_thread=True)
    def trend_svg(self, request: AnyRequest, round_id: int, db: Session, level: str = "eenheid",
                  scale: str = "", download: bool = False) -> Response[Any]:
        return _trend_image(request, db, round_id, level, scale, "svg", download)

    @get("/{round_id:int}/trend.png", sync_to_thread=True)
    def trend_png(self, request: AnyRequest, round_id: int, db: Session, level: str = "eenheid",
                  scale: str = "", download: bool = False) -> Response[Any]:
        return _trend_image(request, db, round_id, level, scale, "png", download)

    @get("/{round_id:int}/export.csv", sync_to_thread=True)
    def export_csv(self, request: AnyRequest, round_id: int, db: Session, runtime: Runtime,
                   level: str = "eenheid") -> Response[str]:
        user = current_user(request, db)
        viewer, lang = viewer_of(user), choose_lang(request)
        _check_level(level)
        comparison = compare(db, viewer, round_id, level, lang)
        record(db, actor=user.email, action="export.csv", target=f"compare/{round_id}/{level}")
        filename = f"sentimeter-compare-{round_id}-{level}.csv"
        return Response(compare_csv(comparison, lang), media_type="text/csv; charset=utf-8",
                        headers=download_headers(filename))

    @get("/{round_id:int}/export.xlsx", sync_to_thread=True)
    def export_xlsx(self, request: AnyRequest, round_id: int, db: Session, runtime: Runtime,
                    level: str = "eenheid") -> Response[bytes]:
        user = current_user(request, db)
        viewer, lang = viewer_of(user), choose_lang(request)
        _check_level(level)
        comparison = compare(db, viewer, round_id, level, lang)
        record(db, actor=user.email, action="export.xlsx", target=f"compare/{round_id}/{level}")
        filename = f"sentimeter-compare-{round_id}-{level}.xlsx"
        return Response(compare_xlsx(comparison, lang), media_type=XLSX_MEDIA_TYPE,
                        headers=download_headers(filename))


def _check_level(level: str) -> None:
    if level not in COMPARE_LEVELS:
        raise NotFoundException(f"level must be one of {', '.join(COMPARE_LEVELS)}")


@dataclass(frozen=True)
class _ViewArgs:
    """The table's query parameters, so the heatmap draws the rows the table shows."""

    sort: str | None
    dir: str | None
    within: str | None
    q: str
    show: str
    n: int
    p: int


def _choice(tree: Tree, viewer: Viewer, key: str | None, desc: bool, within: str | None,
            q: str, show: str, n: int, page_no: int) -> Choice:
    """Checked query parameters: a drill-down unit must lie in the viewer's scope."""
    root = scope_root(viewer, tree)
    if within not in tree.units or root is None or not tree.is_within(within or "", root):
        within = None
    return Choice(within=within, query=q.strip()[:100], sort=key, desc=desc,
                  show=show if show in ("top", "bottom") else "all",
                  n=n if n in TOP_N else TOP_N[0], page=max(1, page_no))


def _drill_units(tree: Tree, viewer: Viewer, level: str) -> list[dict[str, str]]:
    """Units above ``level`` in the viewer's scope (eenheid, district) to drill into."""
    root = scope_root(viewer, tree)
    if root is None:
        return []
    target = LEVELS.index(level)
    return [{"code": code, "name": tree.units[code].name, "level": tree.units[code].level}
            for code in tree.subtree(root)
            if tree.units[code].level in ("eenheid", "district")
            and LEVELS.index(tree.units[code].level) < target]


def _heatmap_image(request: AnyRequest, db: Session, runtime: Runtime, round_id: int,
                   level: str, fmt: str, download: bool, args: _ViewArgs) -> Response[Any]:
    _check_level(level)
    viewer, lang, tree = viewer_of(current_user(request, db)), choose_lang(request), Tree.load(db)
    comparison = compare(db, viewer, round_id, level, lang)
    scale_ids = [s["id"] for s in comparison["scales"]]
    choice = _choice(tree, viewer, sort_key_of(args.sort, scale_ids), args.dir == "desc",
                     args.within, args.q, args.show, args.n, args.p)
    view = select(compare_table(comparison), choice, tree.is_within)
    comparison = restrict(comparison, view.heatmap_codes)
    if not comparison["rows"]:
        raise NotFoundException("There is nothing to compare: not released or no units.")
    return chart_response(request, db, heatmap_chart(comparison, lang), fmt,
                          f"heatmap-{round_id}-{level}", f"compare/{round_id}/{level}", download)


def _trend_image(request: AnyRequest, db: Session, round_id: int, level: str, scale: str,
                 fmt: str, download: bool) -> Response[Any]:
    _check_level(level)
    viewer, lang = viewer_of(current_user(request, db)), choose_lang(request)
    trend = level_trend(db, viewer, round_id, level, scale or None, lang)
    if not trend["points"]:
        raise NotFoundException("There is no trend to draw for this choice.")
    return chart_response(request, db, trend_chart(trend, lang), fmt, f"trend-{round_id}-{level}",
                          f"compare/{round_id}/{level}/trend", download)
