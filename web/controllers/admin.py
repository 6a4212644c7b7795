"""Administration: the tree, rounds, one-time codes and accounts, and the audit log.

Administrators run the platform but see no figures: nothing here reads a response; while
a round is open they see the codes they issued and participation only in bands
(analysis.participation), never a team's used count. Granting a role and raising a team's
code cap need a second administrator (sentimeter.approvals). Every change is written to
the audit log in the same transaction as the change itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlmodel import Session, col, select

from analysis.figures import to_csv
from analysis.participation import LIVE_BAND_MIN_ISSUED, participation
from analysis.release import close_and_publish
from sentimeter.approvals import ApprovalError, decide, pending, request_role
from sentimeter.audit import record
from sentimeter.models import ROLES, AuditEvent, Round, User, utcnow
from sentimeter.runtime import Runtime
from sentimeter.settings import Settings
from surveys.cards import CardsUrlError, card_url, render_cards_pdf
from surveys.codes import MAX_CODES_PER_CALL, CapError, issue_codes, request_cap_raise
from surveys.instrument import available_instruments
from surveys.org import Tree
from surveys.rounds import RoundError, create_round, get_round, open_round
from web.admin_views import DONE_MESSAGES, organisation_view, schedule_problem
from web.auth import current_user, requires_admin
from web.download import download_headers
from web.i18n import choose_lang
from web.moments import MomentError, as_utc, parse_local, show_moment
from web.pages import page
from web.state import runtime_of

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
AUDIT_PAGE = 200



def _text(data: dict[str, Any], name: str, limit: int = 200) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value).strip()[:limit]


def _int(data: dict[str, Any], name: str, default: int) -> int:
    raw = _text(data, name, 8)
    return int(raw) if raw.isascii() and raw.isdigit() else default


def _tree_rows(tree: Tree) -> list[dict[str, Any]]:
    """The organisation as an indented list, parents before children."""
    roots = [c for c, u in tree.units.items() if u.parent_code not in tree.units]
    rows: list[dict[str, Any]] = []

    def walk(code: str, depth: int) -> None:
        rows.append({"unit": tree.units[code], "depth": depth})
        for child in tree.children.get(code, []):
            walk(child, depth + 1)

    for root in sorted(roots):
        walk(root, 0)
    return rows


def _overview(request: Request[Any, Any, Any], db: Session, user: User, *,
              error: str | None = None, status_code: int = 200, problem: str | None = None,
              form: dict[str, str] | None = None) -> Template:
    tree = Tree.load(db)
    rounds = db.exec(select(Round).order_by(col(Round.id).desc())).all()
    accounts = db.exec(select(User).order_by(col(User.email))).all()
    query = request.query_params.get("q", "")[:100]
    focus = request.query_params.get("unit", "")[:64]
    lang = choose_lang(request)
    return page(request, "admin/index.html", status_code=status_code, user=user, error=error,
                units=_tree_rows(tree), rounds=rounds, accounts=accounts, roles=ROLES,
                instruments=sorted({i for i, _ in available_instruments()}),
                approvals=pending(db),
                org=organisation_view(tree, query=query, focus=focus),
                done=_done(request), problem=problem, form=form or {},
                when=lambda value, style="long": show_moment(value, lang, style), lang=lang)


def _done(request: Request[Any, Any, Any]) -> str | None:
    """Which confirmation to show after a redirect (a fixed word, never echoed text)."""
    done = request.query_params.get("done", "")
    return done if done in DONE_MESSAGES else None


def _round_page(request: Request[Any, Any, Any], db: Session, user: User, round_id: int, *,
                error: str | None = None, status_code: int = 200,
                problem: str | None = None) -> Template:
    try:
        round_ = get_round(db, round_id)
    except RoundError as exc:
        raise NotFoundException(str(exc)) from exc
    rows = participation(db, round_)
    lang = choose_lang(request)
    return page(request, "admin/round.html", status_code=status_code, user=user, error=error,
                round=round_, rows=rows, teams=[r for r in rows if r.level == "team"],
                band_min=LIVE_BAND_MIN_ISSUED,
                approvals=[a for a in pending(db) if a.target.startswith(f"round:{round_id}/")],
                max_codes=MAX_CODES_PER_CALL, done=_done(request),
                problem=problem, closes_passed=_closes_passed(round_),
                when=lambda value, style="long": show_moment(value, lang, style), lang=lang,
                **_card_address(runtime_of(request.app.state).settings))


def _closes_passed(round_: Round) -> bool:
    return round_.closes_at is not None and as_utc(round_.closes_at) <= utcnow()


def _confirm_page(request: Request[Any, Any, Any], db: Session, user: User, round_id: int,
                  action: str) -> Template:
    """Say what an irreversible action will do before doing it (works without JavaScript)."""
    try:
        round_ = get_round(db, round_id)
    except RoundError as exc:
        raise NotFoundException(str(exc)) from exc
    lang = choose_lang(request)
    return page(request, "admin/confirm.html", user=user, round=round_, action=action,
                closes_passed=_closes_passed(round_),
                when=lambda value, style="long": show_moment(value, lang, style), lang=lang)


def _card_address(settings: Settings) -> dict[str, str | None]:
    """The address the cards will carry, or why cards cannot be printed yet."""
    try:
        return {"card_url": card_url(settings) + "/s", "card_url_problem": None}
    except CardsUrlError as exc:
        return {"card_url": None, "card_url_problem": str(exc)}


class AdminController(Controller):
    """/admin: administrators only (the guard); no figures."""

    path = "/admin"
    guards = [requires_admin]

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any], db: Session) -> Template:
        return _overview(request, db, current_user(request, db))

    @post("/rounds", sync_to_thread=True, status_code=303)
    def create(self, request: Request[Any, Any, Any], data: Form, db: Session,
               runtime: Runtime) -> Template | Redirect:
        user = current_user(request, db)
        form = {name: _text(data, name, 64) for name in ("opens", "closes", "name", "k")}
        try:
            opens, closes = parse_local(form["opens"]), parse_local(form["closes"])
        except MomentError:
            return _overview(request, db, user, problem="bad_date", form=form, status_code=400)
        problem = schedule_problem(opens, closes, utcnow())
        if problem:
            return _overview(request, db, user, problem=problem, form=form, status_code=400)
        try:
            created = create_round(db, instrument=_text(data, "instrument", 64),
                                   unit_code=_text(data, "unit", 64),
                                   k=_int(data, "k", runtime.settings.k_min),
                                   k_min=runtime.settings.k_min,
                                   name=_text(data, "name") or None,
                                   opens_at=opens, closes_at=closes)
        except RoundError as exc:
            db.rollback()
            return _overview(request, db, user, error=str(exc), form=form, status_code=400)
        record(db, actor=user.email, action="round.create", target=f"round:{created.id}",
               detail=f"{created.instrument} v{created.version} on {created.unit_code}, "
               f"k={created.k}")
        return Redirect(f"/admin/rounds/{created.id}?done=created", status_code=303)

    @get("/rounds/{round_id:int}", sync_to_thread=True)
    def round_detail(self, request: Request[Any, Any, Any], round_id: int,
                     db: Session) -> Template:
        """One round: state, dates, codes per team, and what the cards will carry."""
        user = current_user(request, db)
        shown = _round_page(request, db, user, round_id)
        record(db, actor=user.email, action="codes.counts.open", target=f"round:{round_id}")
        return shown

    @get("/rounds/{round_id:int}/open", sync_to_thread=True)
    def confirm_open(self, request: Request[Any, Any, Any], round_id: int,
                     db: Session) -> Template:
        return _confirm_page(request, db, current_user(request, db), round_id, "open")

    @get("/rounds/{round_id:int}/close", sync_to_thread=True)
    def confirm_close(self, request: Request[Any, Any, Any], round_id: int,
                      db: Session) -> Template:
        return _confirm_page(request, db, current_user(request, db), round_id, "close")

    @post("/rounds/{round_id:int}/open", sync_to_thread=True, status_code=303)
    def open(self, request: Request[Any, Any, Any], round_id: int, data: Form,
             db: Session) -> Template | Redirect:
        user = current_user(request, db)
        if _text(data, "confirm", 8) != "yes":
            return _confirm_page(request, db, user, round_id, "open")
        try:
            if _closes_passed(get_round(db, round_id)):
                return _round_page(request, db, user, round_id, problem="closes_past_open",
                                   status_code=400)
            open_round(db, round_id)
        except RoundError as exc:
            db.rollback()
            return _round_page(request, db, user, round_id, error=str(exc), status_code=400)
        record(db, actor=user.email, action="round.open", target=f"round:{round_id}")
        return Redirect(f"/admin/rounds/{round_id}?done=opened", status_code=303)

    @post("/rounds/{round_id:int}/close", sync_to_thread=True, status_code=303)
    def close(self, request: Request[Any, Any, Any], round_id: int, data: Form, db: Session,
              runtime: Runtime) -> Template | Redirect:
        user = current_user(request, db)
        if _text(data, "confirm", 8) != "yes":
            return _confirm_page(request, db, user, round_id, "close")
        try:
            close_and_publish(db, runtime.vault, round_id)
        except RoundError as exc:
            db.rollback()
            return _round_page(request, db, user, round_id, error=str(exc), status_code=400)
        record(db, actor=user.email, action="round.close", target=f"round:{round_id}")
        return Redirect(f"/admin/rounds/{round_id}?done=closed", status_code=303)

    @post("/rounds/{round_id:int}/cards", sync_to_thread=True, status_code=200)
    def cards(self, request: Request[Any, Any, Any], round_id: int, data: Form, db: Session,
              runtime: Runtime) -> Template | Response[bytes]:
        """Issue codes for one team and return them as printable cards (PDF), never as a list."""
        user = current_user(request, db)
        team, count = _text(data, "unit", 64), _int(data, "count", 0)
        lang = _text(data, "lang", 2) if _text(data, "lang", 2) in ("nl", "en") else "nl"
        try:
            url = card_url(runtime.settings)  # refused before any code is spent
            codes = issue_codes(db, runtime.vault, round_id=round_id, unit_code=team,
                                count=count)
        except CapError as exc:
            db.rollback()
            return _round_page(request, db, user, round_id, error=exc.text(choose_lang(request)),
                               status_code=409)
        except (CardsUrlError, RoundError) as exc:
            db.rollback()
            return _round_page(request, db, user, round_id, error=str(exc), status_code=400)
        tree, round_ = Tree.load(db), get_round(db, round_id)
        pdf = render_cards_pdf(codes, base_url=url,
                               team_name=tree.units[team].name, round_name=round_.name, lang=lang)
        record(db, actor=user.email, action="codes.issue", target=f"round:{round_id}/{team}",
               detail=f"{count} codes printed")
        filename = f"codes-{round_id}-{team}.pdf"
        return Response(pdf, media_type="application/pdf",
                        headers=download_headers(filename))

    @post("/rounds/{round_id:int}/cap", sync_to_thread=True, status_code=303)
    def raise_cap(self, request: Request[Any, Any, Any], round_id: int, data: Form,
                  db: Session) -> Template | Redirect:
        """Ask a second administrator to raise a team's frozen code cap."""
        user = current_user(request, db)
        try:
            request_cap_raise(db, round_id=round_id, unit_code=_text(data, "unit", 64),
                              cap=_int(data, "cap", -1), requested_by=user.email)
        except (RoundError, ApprovalError) as exc:
            db.rollback()
            return _round_page(request, db, user, round_id, error=str(exc), status_code=400)
        db.commit()  # before the redirect is followed (the clean-up commit comes later)
        return Redirect(f"/admin/rounds/{round_id}", status_code=303)

    @post("/accounts", sync_to_thread=True, status_code=303)
    def add_account(self, request: Request[Any, Any, Any], data: Form,
                    db: Session) -> Template | Redirect:
        """Ask for an account or a role; a second administrator approves it (four-eyes)."""
        user = current_user(request, db)
        email, role = _text(data, "email", 254), _text(data, "role", 16)
        try:
            request_role(db, email=email, role=role, unit_code=_text(data, "unit", 64),
                         requested_by=user.email)
        except ApprovalError as exc:
            db.rollback()
            return _overview(request, db, user, error=str(exc), status_code=400)
        db.commit()  # before the redirect is followed (the clean-up commit comes later)
        return Redirect("/admin?done=requested#approvals", status_code=303)

    @post("/approvals/{approval_id:int}/{decision:str}", sync_to_thread=True, status_code=303)
    def decide_request(self, request: Request[Any, Any, Any], approval_id: int, decision: str,
                       db: Session) -> Template | Redirect:
        """Approve or reject another administrator's request (never one's own)."""
        user = current_user(request, db)
        if decision not in ("approve", "reject"):
            raise NotFoundException("Unknown decision.")
        try:
            decide(db, approval_id, decided_by=user.email, approve=decision == "approve")
        except ApprovalError as exc:
            db.rollback()
            return _overview(request, db, user, error=str(exc), status_code=409)
        db.commit()  # before the redirect is followed (the clean-up commit comes later)
        return Redirect("/admin?done=decided#approvals", status_code=303)

    @get("/audit", sync_to_thread=True)
    def audit(self, request: Request[Any, Any, Any], db: Session) -> Template:
        user = current_user(request, db)
        events = db.exec(select(AuditEvent).order_by(col(AuditEvent.at).desc(),
                                                     col(AuditEvent.id).desc())
                         .limit(AUDIT_PAGE)).all()
        record(db, actor=user.email, action="audit.open", detail=f"{len(events)} events")
        return page(request, "admin/audit.html", user=user, events=events, limit=AUDIT_PAGE,
                    lang=choose_lang(request))

    @get("/audit.csv", sync_to_thread=True)
    def audit_csv(self, request: Request[Any, Any, Any], db: Session) -> Response[str]:
        """The whole log as CSV; cells are protected against spreadsheet formulas."""
        user = current_user(request, db)
        events = db.exec(select(AuditEvent).order_by(col(AuditEvent.at), col(AuditEvent.id))).all()
        body = to_csv(["at", "actor", "action", "target", "detail"],
                      [[_iso(e.at), e.actor, e.action, e.target, e.detail] for e in events])
        record(db, actor=user.email, action="audit.export", detail=f"{len(events)} events")
        return Response(body, media_type="text/csv; charset=utf-8",
                        headers=download_headers("audit.csv"))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
