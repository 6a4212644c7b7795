"""Administration: the tree, rounds, one-time codes and accounts, and the audit log.

Administrators run the platform but see no figures: nothing here reads a publication or
a response, only counts of codes (which the gate also treats as public to administrators).
Every change is written to the audit log in the same transaction as the change itself.
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
from analysis.release import close_and_publish
from sentimeter.accounts import AccountError, create_user
from sentimeter.audit import record
from sentimeter.models import ROLES, AuditEvent, Round, User
from sentimeter.runtime import Runtime
from surveys.cards import render_cards_pdf
from surveys.codes import MAX_CODES_PER_CALL, code_counts, issue_codes
from surveys.instrument import available_instruments
from surveys.org import Tree
from surveys.rounds import RoundError, create_round, get_round, open_round
from web.auth import current_user, requires_admin
from web.download import download_headers
from web.i18n import choose_lang
from web.pages import page

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
              error: str | None = None, status_code: int = 200) -> Template:
    tree = Tree.load(db)
    rounds = db.exec(select(Round).order_by(col(Round.id).desc())).all()
    accounts = db.exec(select(User).order_by(col(User.email))).all()
    return page(request, "admin/index.html", status_code=status_code, user=user, error=error,
                units=_tree_rows(tree), rounds=rounds, accounts=accounts, roles=ROLES,
                instruments=sorted({i for i, _ in available_instruments()}))


def _round_page(request: Request[Any, Any, Any], db: Session, user: User, round_id: int, *,
                error: str | None = None, status_code: int = 200) -> Template:
    try:
        round_ = get_round(db, round_id)
    except RoundError as exc:
        raise NotFoundException(str(exc)) from exc
    tree = Tree.load(db)
    counts = {c.unit_code: c for c in code_counts(db, round_id)}
    teams = [tree.units[c] for c in tree.subtree(round_.unit_code) if not tree.children.get(c)]
    rows = [{"unit": t, "issued": counts[t.code].issued if t.code in counts else 0,
             "used": counts[t.code].used if t.code in counts else 0} for t in teams]
    return page(request, "admin/round.html", status_code=status_code, user=user, error=error,
                round=round_, rows=rows, max_codes=MAX_CODES_PER_CALL)


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
        try:
            created = create_round(db, instrument=_text(data, "instrument", 64),
                                   unit_code=_text(data, "unit", 64),
                                   k=_int(data, "k", runtime.settings.k_min),
                                   k_min=runtime.settings.k_min,
                                   name=_text(data, "name") or None)
        except RoundError as exc:
            db.rollback()
            return _overview(request, db, user, error=str(exc), status_code=400)
        record(db, actor=user.email, action="round.create", target=f"round:{created.id}",
               detail=f"{created.instrument} v{created.version} on {created.unit_code}, "
               f"k={created.k}")
        return Redirect(f"/admin/rounds/{created.id}", status_code=303)

    @get("/rounds/{round_id:int}", sync_to_thread=True)
    def round_detail(self, request: Request[Any, Any, Any], round_id: int,
                     db: Session) -> Template:
        user = current_user(request, db)
        shown = _round_page(request, db, user, round_id)
        record(db, actor=user.email, action="codes.counts.open", target=f"round:{round_id}")
        return shown

    @post("/rounds/{round_id:int}/open", sync_to_thread=True, status_code=303)
    def open(self, request: Request[Any, Any, Any], round_id: int,
             db: Session) -> Template | Redirect:
        user = current_user(request, db)
        try:
            open_round(db, round_id)
        except RoundError as exc:
            db.rollback()
            return _round_page(request, db, user, round_id, error=str(exc), status_code=400)
        record(db, actor=user.email, action="round.open", target=f"round:{round_id}")
        return Redirect(f"/admin/rounds/{round_id}", status_code=303)

    @post("/rounds/{round_id:int}/close", sync_to_thread=True, status_code=303)
    def close(self, request: Request[Any, Any, Any], round_id: int, db: Session,
              runtime: Runtime) -> Template | Redirect:
        user = current_user(request, db)
        try:
            close_and_publish(db, runtime.vault, round_id)
        except RoundError as exc:
            db.rollback()
            return _round_page(request, db, user, round_id, error=str(exc), status_code=400)
        record(db, actor=user.email, action="round.close", target=f"round:{round_id}")
        return Redirect(f"/admin/rounds/{round_id}", status_code=303)

    @post("/rounds/{round_id:int}/cards", sync_to_thread=True, status_code=200)
    def cards(self, request: Request[Any, Any, Any], round_id: int, data: Form, db: Session,
              runtime: Runtime) -> Template | Response[bytes]:
        """Issue codes for one team and return them as printable cards (PDF), never as a list."""
        user = current_user(request, db)
        team, count = _text(data, "unit", 64), _int(data, "count", 0)
        lang = _text(data, "lang", 2) if _text(data, "lang", 2) in ("nl", "en") else "nl"
        try:
            codes = issue_codes(db, runtime.vault, round_id=round_id, unit_code=team,
                                count=count)
        except RoundError as exc:
            db.rollback()
            return _round_page(request, db, user, round_id, error=str(exc), status_code=400)
        tree, round_ = Tree.load(db), get_round(db, round_id)
        pdf = render_cards_pdf(codes, base_url=runtime.settings.base_url,
                               team_name=tree.units[team].name, round_name=round_.name, lang=lang)
        record(db, actor=user.email, action="codes.issue", target=f"round:{round_id}/{team}",
               detail=f"{count} codes printed")
        filename = f"codes-{round_id}-{team}.pdf"
        return Response(pdf, media_type="application/pdf",
                        headers=download_headers(filename))

    @post("/accounts", sync_to_thread=True, status_code=303)
    def add_account(self, request: Request[Any, Any, Any], data: Form,
                    db: Session) -> Template | Redirect:
        user = current_user(request, db)
        email, role = _text(data, "email", 254), _text(data, "role", 16)
        password = str(data.get("password", ""))[:300] or None
        try:
            created = create_user(db, email=email, role=role, unit_code=_text(data, "unit", 64),
                                  password=password)
        except AccountError as exc:
            db.rollback()
            return _overview(request, db, user, error=str(exc), status_code=400)
        record(db, actor=user.email, action="account.create", target=created.email,
               detail=f"{role} of {created.unit_code}")
        return Redirect("/admin", status_code=303)

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
