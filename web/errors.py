"""What a browser or an API client gets when something goes wrong: never a bare 500.

Pages get an HTML page in the reader's language saying what happened and what to do next;
everything under ``/api/`` (and the OpenAPI schema) keeps JSON. Every unexpected error is
logged with a random trace id that the page shows, so a user's report can be matched to the
log line. Inputs that only *look* like ids (``/s/done?r=99999999999999999999``: larger than a
database integer) are "not found", not a crash.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.response import Redirect
from sqlalchemy.exc import DataError, DBAPIError, StatementError

from analysis.reports import ReportDenied, ReportMissing
from web.i18n import DEFAULT_LANG, choose_lang

logger = logging.getLogger(__name__)

# (title, what to do next) per status and language; English is the fallback for the text,
# Dutch the default language. Kept here rather than in the catalogue: error pages must render
# even when templates or catalogues are what broke.
MESSAGES: dict[int, dict[str, tuple[str, str]]] = {
    400: {"nl": ("Dit verzoek klopt niet",
                 "Uw browser stuurde iets wat Sentimeter niet begrijpt. Ga terug, laad de "
                 "pagina opnieuw en probeer het nog eens."),
          "en": ("This request is not valid",
                 "Your browser sent something Sentimeter does not understand. Go back, reload "
                 "the page and try again.")},
    403: {"nl": ("U kunt deze pagina niet openen",
                 "Uw account heeft geen toegang tot deze pagina. Verstuurde u een formulier? "
                 "Laad de pagina dan opnieuw en probeer het nog eens. Anders: ga naar uw "
                 "overzicht of log in met een ander account."),
          "en": ("You cannot open this page",
                 "Your account has no access to this page. Did you send a form? Reload the "
                 "page and try again. Otherwise go to your overview or log in with another "
                 "account.")},
    404: {"nl": ("Pagina niet gevonden",
                 "Deze pagina bestaat niet (meer). Controleer het adres of ga naar uw "
                 "overzicht."),
          "en": ("Page not found",
                 "This page does not exist (any more). Check the address or go to your "
                 "overview.")},
    405: {"nl": ("Dit kan op deze manier niet",
                 "Deze pagina werkt niet zo. Ga terug en gebruik de knoppen op de pagina."),
          "en": ("This cannot be done this way",
                 "This page does not work like that. Go back and use the buttons on the page.")},
    413: {"nl": ("Te veel gegevens verstuurd",
                 "Wat u verstuurde is te groot. Maak het korter en probeer het opnieuw."),
          "en": ("Too much data sent",
                 "What you sent is too large. Make it shorter and try again.")},
    429: {"nl": ("Even geduld",
                 "Er kwamen te veel verzoeken kort na elkaar. Wacht een paar minuten en probeer "
                 "het dan opnieuw."),
          "en": ("Please wait",
                 "Too many requests came in a short time. Wait a few minutes and try again.")},
    500: {"nl": ("Er ging iets mis aan onze kant",
                 "Probeer het over een paar minuten opnieuw. Blijft het misgaan? Geef dan de "
                 "foutcode hieronder door aan de beheerder."),
          "en": ("Something went wrong on our side",
                 "Try again in a few minutes. If it keeps failing, give the error code below "
                 "to the administrator.")},
    503: {"nl": ("Sentimeter is even niet beschikbaar",
                 "Probeer het over een paar minuten opnieuw."),
          "en": ("Sentimeter is briefly unavailable",
                 "Try again in a few minutes.")},
}
LINKS = {"nl": (("/", "Naar de startpagina"), ("/dashboard", "Naar uw overzicht")),
         "en": (("/", "To the start page"), ("/dashboard", "To your overview"))}
CODE_LABEL = {"nl": "Foutcode", "en": "Error code"}


def wants_json(request: Request[Any, Any, Any]) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path.startswith("/schema")


def _lang(request: Request[Any, Any, Any]) -> str:
    try:
        return choose_lang(request)
    except Exception:  # noqa: BLE001  (a malformed header must not turn a 404 into a 500)
        return DEFAULT_LANG


def _html(request: Request[Any, Any, Any], status: int, trace: str | None) -> str:
    lang = _lang(request)
    known = MESSAGES.get(status) or MESSAGES[500 if status >= 500 else 400]
    title, advice = known.get(lang, known["en"])
    context = {"lang": lang, "path": request.url.path, "user": None, "status": status,
               "title": title, "advice": advice, "trace": trace, "links": LINKS[lang],
               "code_label": CODE_LABEL[lang]}
    try:
        from web.i18n import gettext_context

        engine = request.app.template_engine
        assert engine is not None
        return str(engine.get_template("error.html").render(**gettext_context(lang), **context))
    except Exception:  # noqa: BLE001  (the error page itself must not fail)
        logger.exception("the error page could not be rendered")
        from html import escape

        extra = f"<p>{CODE_LABEL[lang]}: {escape(trace)}</p>" if trace else ""
        return (f'<!DOCTYPE html><html lang="{lang}"><meta charset="utf-8">'
                f"<title>{escape(title)}</title><h1>{escape(title)}</h1>"
                f"<p>{escape(advice)}</p>{extra}<p><a href=\"/\">Sentimeter</a></p></html>")


def error_response(request: Request[Any, Any, Any], status: int, detail: str = "", *,
                   trace: str | None = None,
                   headers: dict[str, str] | None = None) -> Response[Any]:
    """The answer for ``status``: JSON under /api/, an HTML page everywhere else."""
    if wants_json(request):
        body: dict[str, Any] = {"status_code": status,
                                "detail": detail or MESSAGES.get(status, MESSAGES[500])["en"][0]}
        if trace:
            body["trace_id"] = trace
        return Response(body, status_code=status, headers=headers)
    return Response(_html(request, status, trace), status_code=status, headers=headers,
                    media_type=MediaType.HTML)


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status >= 500:
        return _unexpected(request, exc)
    detail = exc.detail if isinstance(exc.detail, str) else ""
    headers = dict(exc.headers or {})
    if wants_json(request) and getattr(exc, "extra", None):
        body: dict[str, Any] = {"status_code": status, "detail": detail, "extra": exc.extra}
        return Response(body, status_code=status, headers=headers)
    return error_response(request, status, detail, headers=headers)


def _not_authorized(request: Request[Any, Any, Any], exc: NotAuthorizedException) -> Response[Any]:
    """Pages send the browser to the login page; the API answers 401."""
    if not wants_json(request):
        # quoted: a non-ASCII path in a Location header would not encode (a 500)
        return Redirect(f"/login?next={quote(request.url.path, safe='/')}", status_code=303)
    return Response({"status_code": 401, "detail": exc.detail}, status_code=401)


def _forbidden(request: Request[Any, Any, Any], exc: PermissionDeniedException) -> Response[Any]:
    return error_response(request, 403, str(exc.detail))


def _report_denied(request: Request[Any, Any, Any], exc: ReportDenied) -> Response[Any]:
    """An analysis refusal on scope: the same 403 as any guard."""
    return error_response(request, 403, str(exc))


def _report_missing(request: Request[Any, Any, Any], exc: ReportMissing) -> Response[Any]:
    return error_response(request, 404, str(exc))


def _out_of_range(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A number too large for the database names nothing that exists: 404, not a crash."""
    if isinstance(exc, StatementError) and not isinstance(exc.orig, OverflowError) and \
            not isinstance(exc, DataError):
        return _database(request, exc)
    return error_response(request, 404, "Not found.")


def _database(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The database refused or is unreachable: 503 if it is down, else a logged 500."""
    if isinstance(exc, DBAPIError) and (exc.connection_invalidated or
                                        type(exc).__name__ == "OperationalError"):
        logger.warning("database unavailable: %s", type(exc.orig).__name__)
        return error_response(request, 503, "The database is unavailable; try again soon.",
                              headers={"Retry-After": "30"})
    return _unexpected(request, exc)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Log the error with a trace id and show the id, never the error, to the user."""
    trace = secrets.token_hex(8)
    logger.error("unhandled error trace=%s %s %s", trace, request.method, request.url.path,
                 exc_info=exc)
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return error_response(request, status, "Internal error.", trace=trace)


def exception_handlers() -> dict[Any, Any]:
    """Every handler the app registers; the most specific class wins in Litestar."""
    return {
        NotAuthorizedException: _not_authorized,
        PermissionDeniedException: _forbidden,
        ReportDenied: _report_denied,
        ReportMissing: _report_missing,
        HTTPException: _http,
        OverflowError: _out_of_range,
        DataError: _out_of_range,
        StatementError: _out_of_range,
        DBAPIError: _database,
        Exception: _unexpected,
    }
