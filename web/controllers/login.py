"""Login and logout pages for leaders, analysts and administrators."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlmodel import Session

from sentimeter.audit import record
from sentimeter.runtime import Runtime
from web.auth import (
    log_in,
    log_out,
    log_out_everywhere,
    requires_login,
    session_user,
    try_login,
)
from web.pages import page

LoginForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


class LoginController(Controller):
    path = "/"
    opt = {"public": True}

    @get("/login", sync_to_thread=True)
    def form(self, request: Request[Any, Any, Any], db: Session) -> Template | Redirect:
        if session_user(request, db) is not None:
            return Redirect("/dashboard", status_code=303)
        return page(request, "login.html", email="", error=None)

    @post("/login", sync_to_thread=True, status_code=303)
    def submit(self, request: Request[Any, Any, Any], data: LoginForm, db: Session,
               runtime: Runtime) -> Template | Redirect:
        email, password = str(data.get("email", ""))[:254], str(data.get("password", ""))
        user, wait = try_login(db, email, password, "form")
        if wait:
            response = page(request, "login.html", status_code=429, email=email,
                            error="locked", wait_minutes=max(1, (wait + 59) // 60))
            response.headers["Retry-After"] = str(wait)
            return response
        if user is None:
            return page(request, "login.html", status_code=401, email=email, error="wrong")
        log_in(request, user, runtime.settings.session_hours)
        return Redirect("/admin" if user.role == "admin" else "/dashboard", status_code=303)

    @post("/logout", sync_to_thread=True, status_code=303)
    def logout(self, request: Request[Any, Any, Any], db: Session) -> Redirect:
        """End this session here and server-side (a copied cookie stops working too)."""
        log_out(request, db)
        return Redirect("/login", status_code=303)

    @post("/logout-everywhere", guards=[requires_login], sync_to_thread=True, status_code=303)
    def logout_everywhere(self, request: Request[Any, Any, Any], db: Session) -> Redirect:
        """End this account's sessions on every device (e.g. after a lost phone)."""
        user = session_user(request, db)
        if user is not None:
            log_out_everywhere(db, user)
            record(db, actor=user.email, action="logout_everywhere")
        log_out(request, db)
        return Redirect("/login", status_code=303)
