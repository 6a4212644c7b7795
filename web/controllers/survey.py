"""The officer's pages: enter a code, answer on one page, thank you.

No account, no cookie needed, nothing about the respondent logged. The one-time code in
the address is the credential, so the answer form is exempt from CSRF.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from sentimeter.runtime import Runtime
from surveys.codes import normalise_code
from surveys.instrument import Instrument, available_instruments, load_instrument
from surveys.intake import AnswerProblems, Ticket, TokenProblem, resolve_token, submit
from surveys.messages import message
from surveys.scrub import SCRUB_NOTICE
from web.done_link import done_url, round_for_thanks
from web.i18n import choose_lang, long_date
from web.pages import page

log = logging.getLogger("sentimeter.intake")

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _answer_page(request: Request[Any, Any, Any], ticket: Ticket, token: str, *,
                 values: dict[str, Any] | None = None, comment: str = "",
                 errors: dict[str, str] | None = None, notice: str | None = None,
                 status_code: int = 200) -> Template:
    round_ = ticket.round
    return _form(request, ticket.instrument, token, round_name=round_.name, k=round_.k,
                 closes_at=long_date(round_.closes_at, choose_lang(request)), values=values,
                 comment=comment, errors=errors, notice=notice, status_code=status_code)


def _form(request: Request[Any, Any, Any], instrument: Instrument, token: str, *,
          round_name: str, k: int, closes_at: str | None, values: dict[str, Any] | None = None,
          comment: str = "", errors: dict[str, str] | None = None, notice: str | None = None,
          status_code: int = 200) -> Template:
    return page(request, "survey/answer.html", status_code=status_code,
                instrument=instrument, comment_spec=instrument.comment,
                values=values or {}, comment=comment, errors=errors or {}, token=token,
                round_name=round_name, k=k, notice=notice, closes_at=closes_at)


def _problem(request: Request[Any, Any, Any], problem: TokenProblem, token: str) -> Template:
    return page(request, "survey/problem.html", status_code=problem.status,
                problem=problem.kind, code=token if problem.kind == "unknown" else None)


def _flatten(data: dict[str, Any]) -> dict[str, Any]:
    """Repeated form fields keep their last value; an empty radio is a skip."""
    return {k: (v[-1] if isinstance(v, list) and v else v) for k, v in data.items()}


class SurveyController(Controller):
    """/s: answering with a code from a card or a personal link."""

    path = "/s"
    exclude_from_csrf = True
    opt = {"exclude_from_csrf": True, "public": True}

    @get("/", sync_to_thread=False)
    def enter_code(self, request: Request[Any, Any, Any], code: str | None = None
                   ) -> Template | Redirect:
        if code:
            normal = normalise_code(code)
            if normal:
                return Redirect(f"/s/{normal}", status_code=303)
            return page(request, "survey/enter_code.html", status_code=400, code=code,
                        error=message("token_unknown", choose_lang(request)))
        return page(request, "survey/enter_code.html", code="", error=None)

    @get("/{token:str}", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], token: str, db: Session,
             runtime: Runtime) -> Template:
        lang = choose_lang(request)
        try:
            ticket = resolve_token(db, runtime.vault, token, lang)
        except TokenProblem as problem:
            return _problem(request, problem, token)
        return _answer_page(request, ticket, token)

    @post("/{token:str}", sync_to_thread=True, status_code=303)
    def answer(self, request: Request[Any, Any, Any], token: str, data: FormData, db: Session,
               runtime: Runtime) -> Template | Redirect:
        lang = choose_lang(request)
        fields = _flatten(data)
        comment = str(fields.pop("comment", "") or "")
        fields.pop("_csrf_token", None)
        form_meta = {key: fields.pop(key, None) for key in FORM_META}
        try:
            receipt = submit(db, runtime.vault, token=token, answers=fields, comment=comment,
                             lang=lang)
            db.commit()  # explicit: the thank-you page must mean "stored"
        except TokenProblem as problem:
            db.rollback()
            return _problem(request, problem, token)
        except AnswerProblems as problems:
            db.rollback()
            ticket = resolve_token(db, runtime.vault, token, lang)
            return _answer_page(request, ticket, token, values=_valid_values(fields),
                                comment=comment, errors=problems.errors, status_code=422)
        except DBAPIError:
            db.rollback()
            log.warning("answer not stored: database unavailable")
            return _unavailable(request, db, runtime, token, fields, comment, lang, form_meta)
        return Redirect(done_url(runtime, db, receipt.round_id, bool(comment.strip())),
                        status_code=303)

    @get("/done", sync_to_thread=True)
    def thanks(self, request: Request[Any, Any, Any], db: Session, runtime: Runtime,
               r: int | None = None, c: int = 0, s: str | None = None) -> Template:
        lang = choose_lang(request)
        round_ = round_for_thanks(runtime, db, r, s)
        return page(request, "survey/thanks.html",
                    scrubbed_notice=SCRUB_NOTICE[lang] if c else None,
                    k=round_.k if round_ else None,
                    closes_at=long_date(round_.closes_at, lang) if round_ else None)


def _valid_values(fields: dict[str, Any]) -> dict[str, int]:
    """Answers to re-check on the page after an error (only well-formed ones)."""
    kept = {}
    for key, value in fields.items():
        if isinstance(value, str) and value.isdigit() and len(value) < 4:
            kept[key] = int(value)
    return kept


def _unavailable(request: Request[Any, Any, Any], db: Session, runtime: Runtime, token: str,
                 fields: dict[str, Any], comment: str, lang: str,
                 form_meta: dict[str, Any]) -> Template:
    """The database failed: keep every answer in the form and ask to send again.

    When the database cannot even be read, the form is rebuilt from the instrument named in
    its hidden fields (public data: instrument, version, k), so no answer is lost.
    """
    notice = message("unavailable", lang)
    try:
        ticket = resolve_token(db, runtime.vault, token, lang)
    except (TokenProblem, DBAPIError):
        db.rollback()
        instrument = _instrument_from_form(form_meta)
        if instrument is None:
            return page(request, "survey/problem.html", status_code=503, problem="unavailable")
        k = _as_k(form_meta.get("_k"))
        return _form(request, instrument, token, round_name="", k=k, closes_at=None,
                     values=_valid_values(fields), comment=comment, notice=notice,
                     status_code=503)
    return _answer_page(request, ticket, token, values=_valid_values(fields), comment=comment,
                        notice=notice, status_code=503)


FORM_META = ("_instrument", "_version", "_k")


def _instrument_from_form(meta: dict[str, Any]) -> Instrument | None:
    """The instrument a form was rendered with, if its hidden fields name a real one."""
    name, version = meta.get("_instrument"), meta.get("_version")
    if not isinstance(name, str) or not isinstance(version, str) or not version.isdigit():
        return None
    if (name, int(version)) not in set(available_instruments()):
        return None
    return load_instrument(name, int(version))


def _as_k(raw: Any) -> int:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and 5 <= int(raw) <= 1000 else 5
