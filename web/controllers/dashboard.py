"""Leaders' pages: the rounds in scope, a unit's climate with charts, starters and a handout,
the unit leader's table of every unit below, and the exports (CSV, XLSX, SVG, PNG).

Every figure comes from ``analysis`` (the gated publication); this module only checks who
asks, shapes pages and records in the audit log who opened or exported what.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.response import Template
from sqlmodel import Session

from analysis import charts
from analysis.exports import XLSX_MEDIA_TYPE, report_csv, report_xlsx
from analysis.figures import (
    items_chart,
    items_summary,
    starters_for,
    strongest_weakest,
    trend_chart,
    trend_summary,
    trend_table,
)
from analysis.overview import sort_key_of, sort_rows, subtree_units
from analysis.reports import (
    scope_root,
    unit_comments,
    unit_report,
    visible_rounds,
)
from analysis.starters import leader_guide
from analysis.trends import unit_trend
from sentimeter.audit import record
from sentimeter.runtime import Runtime
from surveys.org import Tree
from web.auth import current_user, requires_figures, viewer_of
from web.download import content_disposition, download_headers
from web.i18n import choose_lang
from web.pages import page

AnyRequest = Request[Any, Any, Any]




def _report(request: AnyRequest, db: Session, runtime: Runtime, round_id: int,
            unit_code: str) -> dict[str, Any]:
    viewer = viewer_of(current_user(request, db))
    return unit_report(db, viewer, round_id, unit_code, choose_lang(request))


def _trend(request: AnyRequest, db: Session, round_id: int, unit_code: str) -> dict[str, Any]:
    viewer = viewer_of(current_user(request, db))
    return unit_trend(db, viewer, round_id, unit_code, choose_lang(request))


def chart_response(request: AnyRequest, db: Session, chart: Any, fmt: str, name: str,
                   target: str, download: bool) -> Response[Any]:
    """SVG or PNG of a chart; an explicit download is an export and goes into the audit log."""
    headers = {}
    # a chart shows figures: every view is audited, a download as an export
    record(db, actor=current_user(request, db).email,
           action=f"export.{fmt}" if download else f"chart.view.{fmt}", target=target)
    if download:
        headers["Content-Disposition"] = content_disposition(f"{name}.{fmt}")
    if fmt == "png":
        return Response(charts.to_png(chart), media_type="image/png", headers=headers)
    return Response(charts.to_svg(chart), media_type="image/svg+xml", headers=headers)


def _sorting(sort: str | None, direction: str | None,
             scale_ids: list[str]) -> tuple[str | None, bool]:
    return sort_key_of(sort, scale_ids), direction == "desc"


class DashboardController(Controller):
    path = "/dashboard"
    guards = [requires_figures]

    @get("/", sync_to_thread=True)
    def index(self, request: AnyRequest, db: Session) -> Template:
        user = current_user(request, db)
        viewer = viewer_of(user)
        tree = Tree.load(db)
        root = scope_root(viewer, tree)
        entries = []
        for round_ in visible_rounds(db, viewer):
            start = root if root and tree.is_within(root, round_.unit_code) else round_.unit_code
            entries.append({"round": round_, "unit": tree.units[start]})
        return page(request, "dashboard/index.html", user=user, entries=entries,
                    can_compare=user.role in ("analyst", "unit_leader"),
                    can_overview=user.role in ("analyst", "unit_leader"))

    @get("/{round_id:int}/{unit_code:str}", sync_to_thread=True)
    def unit(self, request: AnyRequest, round_id: int, unit_code: str, db: Session,
             runtime: Runtime, sort: str | None = None, dir: str | None = None) -> Template:  # noqa: A002
        user = current_user(request, db)
        report = _report(request, db, runtime, round_id, unit_code)
        record(db, actor=user.email, action="report.open", target=f"{round_id}/{unit_code}")
        lang = choose_lang(request)
        shown = report["released"] and not report["suppressed"]
        trend = _trend(request, db, round_id, unit_code) if shown else None
        key, desc = _sorting(sort, dir, [s["id"] for s in report["scales"]])
        return page(request, "dashboard/unit.html", user=user, report=report,
                    summary=items_summary(report, lang) if shown else None,
                    extremes=strongest_weakest(report) if shown else None,
                    trend=trend, trend_rows=trend_table(trend) if trend else [],
                    trend_summary=trend_summary(trend, lang) if trend else None,
                    children=sort_rows(report["children"], key, desc), sort=key,
                    desc=desc, starters=starters_for(report, lang) if shown else [],
                    guide=leader_guide(lang) if shown else [],
                    can_overview=user.role in ("analyst", "unit_leader"))

    @get("/{round_id:int}/{unit_code:str}/handout", sync_to_thread=True)
    def handout(self, request: AnyRequest, round_id: int, unit_code: str, db: Session,
                runtime: Runtime) -> Template:
        """A one-page printable handout for the team meeting: results, questions, guide."""
        user = current_user(request, db)
        report = _released(_report(request, db, runtime, round_id, unit_code))
        record(db, actor=user.email, action="report.open", target=f"{round_id}/{unit_code}",
               detail="handout")
        lang = choose_lang(request)
        return page(request, "dashboard/handout.html", user=user, report=report,
                    extremes=strongest_weakest(report), starters=starters_for(report, lang),
                    guide=leader_guide(lang))

    @get("/{round_id:int}/{unit_code:str}/units", sync_to_thread=True)
    def units(self, request: AnyRequest, round_id: int, unit_code: str, db: Session,
              runtime: Runtime, sort: str | None = None, dir: str | None = None) -> Template:  # noqa: A002
        """Every unit in the subtree, sortable on the server (unit leaders and analysts)."""
        user = current_user(request, db)
        table = subtree_units(db, viewer_of(user), round_id, unit_code,
                              choose_lang(request))
        record(db, actor=user.email, action="report.open", target=f"{round_id}/{unit_code}",
               detail="units")
        key, desc = _sorting(sort, dir, [s["id"] for s in table["scales"]])
        return page(request, "dashboard/units.html", user=user, table=table,
                    rows=sort_rows(table["rows"], key, desc), sort=key, desc=desc)

    # One handler per file type: Litestar 2 mis-wraps a sync handler registered on a list
    # of paths (it returns an un-awaited coroutine), so each format gets its own route.
    @get("/{round_id:int}/{unit_code:str}/items.svg", sync_to_thread=True)
    def items_svg(self, request: AnyRequest, round_id: int, unit_code: str, db: Session,
                  runtime: Runtime, download: bool = False, width: int = 360) -> Response[Any]:
        return _items_image(request, db, runtime, round_id, unit_code, "svg", download, width)

    @get("/{round_id:int}/{unit_code:str}/items.png", sync_to_thread=True)
    def items_png(self, request: AnyRequest, round_id: int, unit_code: str, db: Session,
                  runtime: Runtime, download: bool = False) -> Response[Any]:
        return _items_image(request, db, runtime, round_id, unit_code, "png", download)

    @get("/{round_id:int}/{unit_code:str}/trend.svg", sync_to_thread=True)
    def trend_svg(self, request: AnyRequest, round_id: int, unit_code: str, db: Session,
                  runtime: Runtime, download: bool = False) -> Response[Any]:
        return _trend_image(request, db, runtime, round_id, unit_code, "svg", download)

    @get("/{round_id:int}/{unit_code:str}/trend.png", sync_to_thread=True)
    def trend_png(self, request: AnyRequest, round_id: int, unit_code: str, db: Session,
                  runtime: Runtime, download: bool = False) -> Response[Any]:
        return _trend_image(request, db, runtime, round_id, unit_code, "png", download)

    @get("/{round_id:int}/{unit_code:str}/export.csv", sync_to_thread=True)
    def export_csv(self, request: AnyRequest, round_id: int, unit_code: str,
                   db: Session, runtime: Runtime) -> Response[str]:
        user = current_user(request, db)
        report = _report(request, db, runtime, round_id, unit_code)
        shown = report["released"] and not report["suppressed"]
        trend = _trend(request, db, round_id, unit_code) if shown else None
        record(db, actor=user.email, action="export.csv", target=f"{round_id}/{unit_code}")
        filename = f"sentimeter-{round_id}-{unit_code}.csv"
        return Response(report_csv(report, trend, choose_lang(request)),
                        media_type="text/csv; charset=utf-8",
                        headers=download_headers(filename))

    @get("/{round_id:int}/{unit_code:str}/export.xlsx", sync_to_thread=True)
    def export_xlsx(self, request: AnyRequest, round_id: int, unit_code: str,
                    db: Session, runtime: Runtime) -> Response[bytes]:
        """The page as a spreadsheet with the distributions and what was not shown, and why."""
        user = current_user(request, db)
        report = _report(request, db, runtime, round_id, unit_code)
        shown = report["released"] and not report["suppressed"]
        trend = _trend(request, db, round_id, unit_code) if shown else None
        record(db, actor=user.email, action="export.xlsx", target=f"{round_id}/{unit_code}")
        filename = f"sentimeter-{round_id}-{unit_code}.xlsx"
        return Response(report_xlsx(report, trend, choose_lang(request)),
                        media_type=XLSX_MEDIA_TYPE,
                        headers=download_headers(filename))

    @get("/{round_id:int}/{unit_code:str}/comments", sync_to_thread=True)
    def comments(self, request: AnyRequest, round_id: int, unit_code: str,
                 db: Session, runtime: Runtime) -> Template:
        user = current_user(request, db)
        report = _report(request, db, runtime, round_id, unit_code)
        texts = unit_comments(db, runtime.vault, viewer_of(user), round_id, unit_code)
        record(db, actor=user.email, action="comments.open", target=f"{round_id}/{unit_code}")
        return page(request, "dashboard/comments.html", user=user, report=report,
                    comments=texts)


def _items_image(request: AnyRequest, db: Session, runtime: Runtime, round_id: int,
                 unit_code: str, fmt: str, download: bool, width: int = 360) -> Response[Any]:
    report = _released(_report(request, db, runtime, round_id, unit_code))
    return chart_response(request, db, items_chart(report, choose_lang(request), width), fmt,
                          f"items-{round_id}-{unit_code}", f"{round_id}/{unit_code}/items",
                          download)


def _trend_image(request: AnyRequest, db: Session, runtime: Runtime, round_id: int,
                 unit_code: str, fmt: str, download: bool) -> Response[Any]:
    _released(_report(request, db, runtime, round_id, unit_code))
    chart = trend_chart(_trend(request, db, round_id, unit_code), choose_lang(request))
    return chart_response(request, db, chart, fmt, f"trend-{round_id}-{unit_code}",
                          f"{round_id}/{unit_code}/trend", download)


def _released(report: dict[str, Any]) -> dict[str, Any]:
    if not report["released"] or report["suppressed"]:
        raise NotFoundException("There is no chart: too few answers or not yet released.")
    return report
