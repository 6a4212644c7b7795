"""JSON API under /api/v1 (OpenAPI at /schema), behind the same gate as the pages."""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, Response, get, post
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from sentimeter.runtime import Runtime
from surveys.intake import AnswerProblems, TokenProblem, resolve_token, submit
from surveys.messages import message
from web.api_models import (
    AnswerOperation,
    LoginOperation,
    LoginOut,
    LogoutOut,
    StoredOut,
    SurveyOut,
    described_by,
    errors,
)
from web.auth import log_in, log_out, try_login
from web.i18n import choose_lang
from web.protection import protection_statement

MAX_ANSWER_BODY = 16 * 1024


def _printable(text: str) -> str:
    """Echoed field names come from the client: a lone surrogate would break the JSON encoder."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _error(status: int, detail: str, errors: dict[str, str] | None = None) -> Response[Any]:
    body: dict[str, Any] = {"status_code": status, "detail": _printable(detail)}
    if errors is not None:
        body["errors"] = {_printable(k): _printable(v) for k, v in errors.items()}
    return Response(content=body, status_code=status)


class _NotANumber:
    """Stands in for a string answer: the API takes option values as JSON numbers only."""


def _numbers_only(answers: Any) -> Any:
    if not isinstance(answers, dict):
        return answers
    return {k: _NotANumber() if isinstance(v, str) else v for k, v in answers.items()}


def _instrument_json(ticket: Any, lang: str) -> dict[str, Any]:
    instrument = ticket.instrument
    return {
        "id": instrument.id, "version": instrument.version, "name": instrument.name[lang],
        "items": [{"id": i.id, "type": i.type, "text": i.prompt(lang), "scale": i.scale,
                   "optional_about_you": i.cut,
                   "options": [{"value": o.value, "label": o.text(lang)} for o in i.options]}
                  for i in instrument.items],
    }


class SurveyApi(Controller):
    """Anonymous answering: the one-time token is the only credential."""

    path = "/api/v1"
    opt = {"exclude_from_csrf": True, "public": True}

    @get("/surveys/{token:str}", sync_to_thread=True, responses=errors(404, 409, 410))
    def survey(self, request: Request[Any, Any, Any], token: str, db: Session,
               runtime: Runtime) -> Response[SurveyOut]:
        """The instrument behind a code, the comment settings and the protection statement."""
        lang = choose_lang(request)
        try:
            ticket = resolve_token(db, runtime.vault, token, lang)
        except TokenProblem as problem:
            return _error(problem.status, str(problem))
        spec = ticket.instrument.comment
        return Response(content=described_by(SurveyOut, {
            "instrument": _instrument_json(ticket, lang),
            "comment": {"enabled": spec.enabled, "max_length": min(spec.max_length, 2000),
                        "prompt": spec.prompt[lang], "warning": spec.warning[lang]},
            "protection": protection_statement(ticket.round.k, lang),
            "round": {"name": ticket.round.name, "k": ticket.round.k},
        }))

    @post("/responses", status_code=201, operation_class=AnswerOperation,
          responses=errors(404, 409, 410, 413, 422, 503))
    async def respond(self, request: Request[Any, Any, Any],
                      runtime: Runtime) -> Response[StoredOut]:
        """Store one answer (body: ``AnswerIn``). 404/409/410 for the code, 422 per field,
        never a 500. No cookie or CSRF token: the one-time code is the only credential."""
        lang = choose_lang(request)
        raw = await request.body()
        if len(raw) > MAX_ANSWER_BODY:
            return _error(413, message("malformed_body", lang))
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting: RecursionError
            body = None
        malformed = message("malformed_body", lang)
        if not isinstance(body, dict):
            return _error(422, malformed, {"body": malformed})
        if not isinstance(body.get("token"), str):
            return _error(422, malformed, {"token": malformed})
        from litestar.concurrency import sync_to_thread

        return await sync_to_thread(_store_answer, runtime, body, lang)


def _store_answer(runtime: Runtime, body: dict[str, Any], lang: str) -> Response[Any]:
    with Session(runtime.engine, expire_on_commit=False) as db:
        try:
            submit(db, runtime.vault, token=body["token"],
                   answers=_numbers_only(body.get("answers")), comment=body.get("comment"),
                   lang=lang)
            db.commit()
        except TokenProblem as problem:
            db.rollback()
            return _error(problem.status, str(problem))
        except AnswerProblems as problems:
            db.rollback()
            return _error(422, "; ".join(problems.errors.values()), problems.errors)
        except DBAPIError:
            db.rollback()
            return _error(503, message("unavailable", lang))
    return Response(content={"status": "stored"}, status_code=201)


class AuthApi(Controller):
    """Log in and out for API clients (Litestar's CSRF convention applies)."""

    path = "/api/v1/auth"
    opt = {"public": True}

    @post("/login", sync_to_thread=True, status_code=200, operation_class=LoginOperation,
          responses=errors(401, 429))
    def login(self, request: Request[Any, Any, Any], data: dict[str, Any], db: Session,
              runtime: Runtime) -> Response[LoginOut]:
        """Log in with e-mail address and password; send the ``csrftoken`` cookie back as the
        ``X-CSRFToken`` header (see docs/api.md). The session cookie then opens the reports."""
        email, password = str(data.get("email", ""))[:254], str(data.get("password", ""))
        user, wait = try_login(db, email, password, "api")
        if wait:
            refused = _error(429, "Too many attempts; try again later.")
            refused.headers["Retry-After"] = str(wait)
            return refused
        if user is None:
            return _error(401, "Wrong e-mail address or password.")
        log_in(request, user, runtime.settings.session_hours)
        return Response(content=LoginOut(email=user.email, role=user.role, unit=user.unit_code))

    @post("/logout", sync_to_thread=True, status_code=200)
    def logout(self, request: Request[Any, Any, Any], db: Session) -> LogoutOut:
        """End this session server-side: the old cookie no longer works anywhere."""
        log_out(request, db)
        return LogoutOut(status="logged out")
