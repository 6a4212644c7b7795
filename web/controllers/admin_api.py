"""JSON API for administrators under /api/v1/admin: codes, participation, four-eyes requests.

The same rules as the /admin pages: no figures, no used counts while a round is open, a
cap that refuses codes beyond a team's people (409), and grants that wait for a second
administrator (202).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from sqlmodel import Session

from analysis.participation import participation
from sentimeter.approvals import ApprovalError, decide, pending, request_role
from sentimeter.audit import record
from sentimeter.models import Approval
from sentimeter.runtime import Runtime
from surveys.codes import CapError, issue_codes, request_cap_raise
from surveys.rounds import RoundError, get_round
from web.auth import current_user, requires_admin
from web.i18n import choose_lang


def _error(status: int, detail: str) -> Response[Any]:
    return Response(content={"status_code": status, "detail": detail}, status_code=status)


def _approval(a: Approval) -> dict[str, Any]:
    return {"id": a.id, "kind": a.kind, "target": a.target, "detail": a.detail,
            "state": a.state, "requested_by": a.requested_by, "decided_by": a.decided_by}


def _as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class AdminApi(Controller):
    """/api/v1/admin: administrators only."""

    path = "/api/v1/admin"
    guards = [requires_admin]

    @post("/rounds/{round_id:int}/codes", sync_to_thread=True, status_code=201)
    def issue(self, request: Request[Any, Any, Any], round_id: int, data: dict[str, Any],
              db: Session, runtime: Runtime) -> Response[Any]:
        """Issue codes for one team (409 beyond its cap), e.g. to send personal links."""
        user = current_user(request, db)
        unit, count = str(data.get("unit", ""))[:64], _as_int(data.get("count"))
        try:
            codes = issue_codes(db, runtime.vault, round_id=round_id, unit_code=unit,
                                count=count if count is not None else 0)
        except CapError as exc:
            db.rollback()
            return _error(409, exc.text(choose_lang(request)))
        except RoundError as exc:
            db.rollback()
            return _error(400, str(exc))
        record(db, actor=user.email, action="codes.issue", target=f"round:{round_id}/{unit}",
               detail=f"{len(codes)} codes via api")
        db.commit()  # before the client's next request (the clean-up commit comes later)
        return Response(content={"unit": unit, "codes": codes}, status_code=201)

    @get("/rounds/{round_id:int}/participation", sync_to_thread=True)
    def participation(self, request: Request[Any, Any, Any], round_id: int,
                      db: Session) -> Response[Any]:
        """Issued codes, caps and banded participation (no used counts while open)."""
        current_user(request, db)
        try:
            round_ = get_round(db, round_id)
        except RoundError as exc:
            return _error(404, str(exc))
        return Response(content={"round": round_id, "state": round_.state,
                                 "units": [p.as_json() for p in participation(db, round_)]})

    @post("/rounds/{round_id:int}/cap", sync_to_thread=True, status_code=202)
    def raise_cap(self, request: Request[Any, Any, Any], round_id: int, data: dict[str, Any],
                  db: Session) -> Response[Any]:
        """Ask a second administrator to raise a team's cap."""
        user = current_user(request, db)
        cap = _as_int(data.get("cap"))
        try:
            asked = request_cap_raise(db, round_id=round_id, unit_code=str(data.get("unit", ""))
                                      [:64], cap=cap if cap is not None else -1,
                                      requested_by=user.email)
        except (RoundError, ApprovalError) as exc:
            db.rollback()
            return _error(400, str(exc))
        db.commit()  # before the client's next request (the clean-up commit comes later)
        return Response(content=_approval(asked), status_code=202)

    @post("/accounts", sync_to_thread=True, status_code=202)
    def request_account(self, request: Request[Any, Any, Any], data: dict[str, Any],
                        db: Session) -> Response[Any]:
        """Ask for an account or role; it exists only once a second administrator approves."""
        user = current_user(request, db)
        try:
            asked = request_role(db, email=str(data.get("email", ""))[:254],
                                 role=str(data.get("role", ""))[:16],
                                 unit_code=str(data.get("unit", ""))[:64],
                                 requested_by=user.email)
        except ApprovalError as exc:
            db.rollback()
            return _error(400, str(exc))
        db.commit()  # before the client's next request (the clean-up commit comes later)
        return Response(content=_approval(asked), status_code=202)

    @get("/approvals", sync_to_thread=True)
    def approvals(self, request: Request[Any, Any, Any], db: Session) -> list[dict[str, Any]]:
        current_user(request, db)
        return [_approval(a) for a in pending(db)]

    @post("/approvals/{approval_id:int}", sync_to_thread=True, status_code=200)
    def decide(self, request: Request[Any, Any, Any], approval_id: int, data: dict[str, Any],
               db: Session) -> Response[Any]:
        """{"decision": "approve" | "reject"}; 409 for one's own request or a decided one."""
        user = current_user(request, db)
        decision = data.get("decision")
        if decision not in ("approve", "reject"):
            return _error(400, 'decision must be "approve" or "reject"')
        try:
            decided = decide(db, approval_id, decided_by=user.email,
                             approve=decision == "approve")
        except ApprovalError as exc:
            db.rollback()
            return _error(409, str(exc))
        db.commit()  # before the client's next request (the clean-up commit comes later)
        return Response(content=_approval(decided))
