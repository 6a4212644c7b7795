"""The composition root: one ``create_app`` builds every config and registers controllers.

uvicorn runs it as a factory (``web.app:create_app``). The app holds no state between
requests beyond the runtime (engine and vault), so any number of workers can serve it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlmodel import Session

from sentimeter.runtime import Runtime, open_runtime
from sentimeter.settings import Settings, get_settings
from surveys.scrub import warm_up
from web.controllers.admin import AdminController
from web.controllers.admin_api import AdminApi
from web.controllers.api import AuthApi, SurveyApi
from web.controllers.compare import CompareController
from web.controllers.dashboard import DashboardController
from web.controllers.login import LoginController
from web.controllers.public import PublicController
from web.controllers.reports_api import ReportApi
from web.controllers.sso import SsoController
from web.controllers.survey import SurveyController
from web.controllers.tokens import TokenController
from web.errors import exception_handlers
from web.i18n import install_filters
from web.oidc import enabled as sso_enabled
from web.security import security_before_send
from web.state import provide_db, provide_runtime

WEB_DIR = Path(__file__).parent


def _secret(runtime: Runtime, name: str) -> bytes:
    """Installation secrets live wrapped in the database, shared by every worker."""
    with Session(runtime.engine) as session:
        value = runtime.vault.secret(session, name)
        session.commit()
    return value


def _templates() -> TemplateConfig[JinjaTemplateEngine]:
    env = Environment(loader=FileSystemLoader(WEB_DIR / "templates"),
                      autoescape=select_autoescape(default=True),
                      extensions=["jinja2.ext.i18n"])
    install_filters(env)  # date/number/percent in the page's language
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(env))


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Litestar:
    """Build the Litestar app for ``settings`` (or an already opened ``runtime``)."""
    if runtime is None:
        runtime = open_runtime(settings or get_settings(), create=True)
    settings = runtime.settings
    session_secret = hashlib.sha256(_secret(runtime, "session") + b"cookie").digest()
    csrf_secret = _secret(runtime, "csrf").hex()
    session_config = CookieBackendConfig(secret=session_secret,
                                         max_age=3600 * settings.session_hours,
                                         httponly=True, secure=settings.cookie_secure,
                                         samesite="lax", key="sentimeter_session")
    csrf = CSRFConfig(secret=csrf_secret, cookie_secure=settings.cookie_secure,
                      cookie_samesite="lax", exclude=["^/api/v1/responses$", "^/s/"])
    return Litestar(
        route_handlers=[PublicController, SurveyController, TokenController,
                        LoginController, DashboardController,
                        SsoController,
                        AdminController, AdminApi,
                        CompareController,
                        SurveyApi, AuthApi, ReportApi,
                        create_static_files_router(path="/static", directories=[WEB_DIR / "static"],
                                                   opt={"public": True})],
        dependencies={"db": Provide(provide_db),
                      "runtime": Provide(provide_runtime, sync_to_thread=False)},
        state=State({"runtime": runtime, "sso": sso_enabled(settings)}),
        middleware=[session_config.middleware],
        before_send=[security_before_send(settings.cookie_secure)],
        csrf_config=csrf,
        template_config=_templates(),
        openapi_config=OpenAPIConfig(
            title="Sentimeter", version="1", path="/schema",
            # JSON only: the bundled viewers load scripts from other origins (CSP forbids them)
            render_plugins=[JsonRenderPlugin(path=["/", "/openapi.json"])]),
        exception_handlers=exception_handlers(),
        request_max_body_size=settings.max_body_bytes,
        on_startup=[warm_up] if settings.warm_scrubber else [],
        debug=False,
    )
