"""Log in with the police account: the two legs of the OpenID Connect flow.

``GET /login/sso`` sends the browser to the provider; ``GET /login/sso/callback`` is where the
provider sends it back. Both are public (nobody is logged in yet) and answer 404 while single
sign-on is not configured. A valid ID token only names an account; it never creates one.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlmodel import Session

from sentimeter.approvals import idp_role_problem
from sentimeter.audit import record
from sentimeter.runtime import Runtime
from sentimeter.sso_binding import SsoRefused, account_for
from web import oidc
from web.auth import log_in
from web.controllers.tokens import after_sso as tokens_after_sso
from web.pages import page

logger = logging.getLogger(__name__)

QueryText = Annotated[str, Parameter(max_length=4096)]
# "state" is a reserved handler argument in Litestar (the app state), hence the alias.
StateParam = Annotated[str, Parameter(query="state", max_length=4096)]


def _refused(request: Request[Any, Any, Any], error: str, status_code: int) -> Template:
    return page(request, "login.html", status_code=status_code, email="", error=error)


class SsoController(Controller):
    path = "/login/sso"
    opt = {"public": True}
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def begin(self, request: Request[Any, Any, Any], runtime: Runtime) -> Redirect | Template:
        """Remember state, nonce and PKCE verifier in the session, then go to the provider."""
        settings = runtime.settings
        if not oidc.enabled(settings):
            raise NotFoundException("Single sign-on is not configured.")
        try:
            url, flow = oidc.start(settings)
        except oidc.SsoError as exc:
            logger.warning("single sign-on could not start: %s", exc.reason)
            return _refused(request, "sso_failed", 502)
        current = request.session if isinstance(request.session, dict) else {}
        # kept beside any current login: a forged link to this page logs no one out
        request.set_session({**current, "oidc": flow})
        return Redirect(url, status_code=303)

    @get("/callback", sync_to_thread=True)
    def callback(self, request: Request[Any, Any, Any], db: Session, runtime: Runtime,
                 code: QueryText = "", flow_state: StateParam = "",
                 error: QueryText = "") -> Redirect | Template:
        """Check the provider's answer and log the named account in, or say why not."""
        settings = runtime.settings
        if not oidc.enabled(settings):
            raise NotFoundException("Single sign-on is not configured.")
        session = request.session if isinstance(request.session, dict) else {}
        flow = session.get("oidc")
        # an officer asking for a personal token (the round travels inside the flow itself)
        token_round = flow.get("token_round") if isinstance(flow, dict) else None
        if flow is None:
            # no flow started in this browser (a bare or forged callback): refuse, and leave
            # whatever session there is alone, so such a link logs no one out
            logger.warning("single sign-on refused: no_flow")
            return _refused(request, "sso_failed", 400)
        request.clear_session()  # a flow is used once, whatever its outcome
        try:
            claims = oidc.finish(settings, flow, code=code, state=flow_state, error=error)
        except oidc.SsoError as exc:
            logger.warning("single sign-on refused: %s", exc.reason)
            return _refused(request, "sso_failed", 400)
        if isinstance(token_round, int):
            return tokens_after_sso(request, db, runtime, claims, token_round)
        try:
            user = account_for(db, claims, settings.oidc_claim)
        except SsoRefused as refused:
            logger.warning("single sign-on refused: %s", refused.reason)
            record(db, actor="(sso)", action="login_failed", detail=f"sso: {refused.reason}")
            return _refused(request, "sso_unknown", 403)
        problem = idp_role_problem(settings.oidc_role_groups, claims, user.role)
        if problem is not None:  # the identity provider's groups decide roles (issue #11)
            logger.warning("single sign-on refused: %s", problem)
            record(db, actor=user.email, action="login_failed", detail=f"sso: {problem}")
            return _refused(request, "sso_unknown", 403)
        log_in(request, user, settings.session_hours)
        record(db, actor=user.email, action="login", detail="sso")
        return Redirect("/admin" if user.role == "admin" else "/dashboard", status_code=303)
