"""Start page, health check, language switch, privacy statement."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Redirect, Template
from sqlalchemy import text
from sqlmodel import Session

from sentimeter.runtime import Runtime
from surveys import deduce_tables
from web.i18n import LANG_COOKIE, LANGS
from web.pages import page


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: the switch must not become an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


class PublicController(Controller):
    path = "/"
    opt = {"public": True}

    @get("/", sync_to_thread=False)
    def start(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "start.html")

    @get("/healthz", sync_to_thread=True)
    def healthz(self, db: Session, runtime: Runtime) -> Response[dict[str, str]]:
        """200 when this process can take answers; 503 while a server process that loads the
        comment scrubber at start (SENTIMETER_WARM_SCRUBBER) has not finished, so a load
        balancer sends it no comment that would wait for the tables."""
        db.execute(text("SELECT 1"))
        scrubber = deduce_tables.state()
        if runtime.settings.warm_scrubber and scrubber != "ready":
            return Response({"status": "not ready", "scrubber": scrubber}, status_code=503)
        return Response({"status": "ok"})

    @get("/lang/{code:str}", sync_to_thread=False)
    def switch_language(self, code: str, next: str | None = None) -> Redirect:  # noqa: A002
        response = Redirect(_safe_next(next), status_code=303)
        if code in LANGS:
            response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax",
                                httponly=True)
        return response

    @get("/privacy", sync_to_thread=False)
    def privacy(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "privacy.html")
