"""Gated report API: the viewer's part of the one publication, as JSON."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from sqlmodel import Session

from analysis.cuts import unit_cut
from analysis.reports import compare, unit_report
from sentimeter.audit import record
from sentimeter.models import LEVELS
from sentimeter.runtime import Runtime
from web.api_models import CompareOut, ReportOut, described_by, errors
from web.auth import (
    current_user,
    requires_analyst,
    requires_compare,
    requires_figures,
    viewer_of,
)
from web.controllers.api import _error
from web.i18n import choose_lang


class ReportApi(Controller):
    """Gated reports: the viewer's part of the one publication."""

    path = "/api/v1"

    @get("/reports/{round_id:int}/{unit_code:str}", guards=[requires_figures],
         sync_to_thread=True, responses=errors(401, 403, 404))
    def report(self, request: Request[Any, Any, Any], round_id: int, unit_code: str,
               db: Session, runtime: Runtime) -> Response[ReportOut]:
        """One unit's figures from the round's publication, within the viewer's scope."""
        user = current_user(request, db)
        body = unit_report(db, viewer_of(user), round_id, unit_code,
                           choose_lang(request))
        record(db, actor=user.email, action="report.open", target=f"{round_id}/{unit_code}",
               detail="api")
        return Response(content=described_by(ReportOut, body))

    @get("/compare/{round_id:int}", guards=[requires_compare], sync_to_thread=True,
         responses=errors(400, 401, 403, 404))
    def compare(self, request: Request[Any, Any, Any], round_id: int, db: Session,
                runtime: Runtime, level: str = "eenheid") -> Response[CompareOut]:
        """Units of one level x scales: rows of unit, scale, responses, mean (0-100),
        favourable (%), suppressed, reason; a suppressed row has null figures."""
        user = current_user(request, db)
        if level not in LEVELS:
            return _error(400, f"level must be one of {', '.join(LEVELS)}")
        body = compare(db, viewer_of(user), round_id, level,
                       choose_lang(request))
        record(db, actor=user.email, action="compare.open", target=f"{round_id}/{level}",
               detail="api")
        return Response(content=described_by(CompareOut, body))

    @get("/cuts/{round_id:int}/{unit_code:str}", guards=[requires_analyst], sync_to_thread=True,
         responses=errors(401, 403, 404))
    def cut(self, request: Request[Any, Any, Any], round_id: int, unit_code: str, item: str,
            db: Session, runtime: Runtime) -> Response[Any]:
        """One cut item of one unit (analysts only; team and unit leaders get 403)."""
        user = current_user(request, db)
        body = unit_cut(db, viewer_of(user), round_id, unit_code, item,
                        choose_lang(request))
        record(db, actor=user.email, action="cuts.open", target=f"{round_id}/{unit_code}",
               detail=f"item={item[:100]} api")
        return Response(content=body)

