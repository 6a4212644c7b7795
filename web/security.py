"""Security headers on every response, including 404s and errors raised before routing.

They are added in a ``before_send`` hook (app level) rather than route middleware, because
Litestar runs middleware only for matched routes: a 404 for a probe like ``/static/../x``
would otherwise go out without a CSP.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def security_headers(*, hsts: bool) -> list[tuple[str, str]]:
    """The fixed headers; HSTS only when the site is served over https."""
    headers = [("content-security-policy", CSP), ("x-content-type-options", "nosniff"),
               ("referrer-policy", "no-referrer"), ("x-frame-options", "DENY"),
               ("cross-origin-opener-policy", "same-origin"),
               ("cross-origin-resource-policy", "same-origin"),
               ("permissions-policy", "camera=(), microphone=(), geolocation=()")]
    if hsts:
        headers.append(("strict-transport-security", "max-age=31536000; includeSubDomains"))
    return headers


def _apply(message: Message, path: str, extra: list[tuple[str, str]]) -> None:
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in extra:
        headers[name] = value
    if not path.startswith("/static/"):
        headers["cache-control"] = "no-store"  # answer links and reports stay out of caches


def security_before_send(hsts: bool) -> Callable[[Message, Scope], Awaitable[None]]:
    """A ``before_send`` hook adding the headers to every HTTP response of the app."""
    extra = security_headers(hsts=hsts)

    async def before_send(message: Message, scope: Scope) -> None:
        if scope.get("type") == ScopeType.HTTP:
            _apply(message, str(scope.get("path", "")), extra)

    return before_send


def headers_middleware_factory(hsts: bool) -> Callable[[ASGIApp], ASGIApp]:
    """The same headers as ASGI middleware, for wrapping apps outside Litestar's hooks."""
    extra = security_headers(hsts=hsts)

    def middleware(app: ASGIApp) -> ASGIApp:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            path = str(scope.get("path", ""))

            async def send_with_headers(message: Message) -> None:
                _apply(message, path, extra)
                await send(message)

            await app(scope, receive, send_with_headers)

        return wrapped

    return middleware
