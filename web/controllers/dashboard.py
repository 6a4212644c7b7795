"""Leaders' pages: the rounds and units in scope, a unit's climate, its chart and CSV."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.response import Template
from sqlmodel import Session

from analysis import charts
from analysis.figures import items_chart, items_summary, report_csv, starters_for
from analysis.reports import (
    ReportDenied,
    ReportMissing,
    scope_root,
    unit_comments,
    unit_report,
    visible_rounds,
)
from analysis.starters import leader_guide
from sentimeter.models import User
from sentimeter.runtime import Runtime
from surveys.org import Tree
from web.auth import requires_figures, session_user, viewer_of
from web.i18n import choose_lang
from web.pages import page


def _user(request: Request[Any, Any, Any], db: Session) -> User:
    user = session_user(request, db)
    if user is None:
        raise NotAuthorizedException("Log in first.")
    return user


def _report(request: Request[Any, Any, Any], db: Session, runtime: Runtime, round_id: int,
            unit_code: str) -> dict[str, Any]:
    user = _user(request, db)
    try:
        return unit_report(db, runtime.vault, viewer_of(user), round_id, unit_code,
                           choose_lang(request))
    except ReportDenied as exc:
        raise PermissionDeniedException(str(exc)) from exc
    except ReportMissing as exc:
        raise NotFoundException(str(exc)) from exc


class DashboardController(Controller):
    path = "/dashboard"
    guards = [requires_figures]

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any], db: Session) -> Template:
        user = _user(request, db)
        viewer = viewer_of(user)
        tree = Tree.load(db)
        root = scope_root(viewer, tree)
        rounds = visible_rounds(db, viewer)
        entries = []
        for round_ in rounds:
            start = root if root and tree.is_within(root, round_.unit_code) else round_.unit_code
            entries.append({"round": round_, "unit": tree.units[start]})
        return page(request, "dashboard/index.html", user=user, entries=entries,
                    can_compare=user.role in ("analyst", "unit_leader"))

    @get("/{round_id:int}/{unit_code:str}", sync_to_thread=True)
    def unit(self, request: Request[Any, Any, Any], round_id: int, unit_code: str, db: Session,
             runtime: Runtime) -> Template:
        report = _report(request, db, runtime, round_id, unit_code)
        lang = choose_lang(request)
        released = report["released"] and not report["suppressed"]
        return page(request, "dashboard/unit.html", user=_user(request, db), report=report,
                    summary=items_summary(report, lang) if released else None,
                    starters=starters_for(report, lang) if released else [],
                    guide=leader_guide(lang) if released else [])

    @get("/{round_id:int}/{unit_code:str}/items.svg", sync_to_thread=True)
    def items_svg(self, request: Request[Any, Any, Any], round_id: int, unit_code: str,
                  db: Session, runtime: Runtime) -> Response[str]:
        report = _released(_report(request, db, runtime, round_id, unit_code))
        svg = charts.to_svg(items_chart(report, choose_lang(request)))
        return Response(svg, media_type="image/svg+xml")

    @get("/{round_id:int}/{unit_code:str}/items.png", sync_to_thread=True)
    def items_png(self, request: Request[Any, Any, Any], round_id: int, unit_code: str,
                  db: Session, runtime: Runtime) -> Response[bytes]:
        report = _released(_report(request, db, runtime, round_id, unit_code))
        png = charts.to_png(items_chart(report, choose_lang(request)))
        return Response(png, media_type="image/png")

    @get("/{round_id:int}/{unit_code:str}/export.csv", sync_to_thread=True)
    def export_csv(self, request: Request[Any, Any, Any], round_id: int, unit_code: str,
                   db: Session, runtime: Runtime) -> Response[str]:
        report = _report(request, db, runtime, round_id, unit_code)
        filename = f"sentimeter-{round_id}-{unit_code}.csv"
        return Response(report_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    @get("/{round_id:int}/{unit_code:str}/comments", sync_to_thread=True)
    def comments(self, request: Request[Any, Any, Any], round_id: int, unit_code: str,
                 db: Session, runtime: Runtime) -> Template:
        user = _user(request, db)
        report = _report(request, db, runtime, round_id, unit_code)
        try:
            texts = unit_comments(db, runtime.vault, viewer_of(user), round_id, unit_code)
        except ReportDenied as exc:
            raise PermissionDeniedException(str(exc)) from exc
        return page(request, "dashboard/comments.html", user=user, report=report,
                    comments=texts)


def _released(report: dict[str, Any]) -> dict[str, Any]:
    if not report["released"] or report["suppressed"]:
        raise NotFoundException("There is no chart: too few answers or not yet released.")
    return report
