"""Security headers on every response; answer routes log no client address."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def security_headers(*, hsts: bool) -> list[tuple[str, str]]:
    headers = [("content-security-policy", CSP), ("x-content-type-options", "nosniff"),
               ("referrer-policy", "no-referrer"), ("x-frame-options", "DENY"),
               ("cross-origin-opener-policy", "same-origin"),
               ("permissions-policy", "camera=(), microphone=(), geolocation=()")]
    if hsts:
        headers.append(("strict-transport-security", "max-age=31536000; includeSubDomains"))
    return headers


def headers_middleware_factory(hsts: bool):  # type: ignore[no-untyped-def]
    """ASGI middleware adding the headers; cache-control no-store on everything but assets."""
    extra = security_headers(hsts=hsts)

    def middleware(app: ASGIApp) -> ASGIApp:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            path = scope.get("path", "")

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = MutableScopeHeaders.from_message(message)
                    for name, value in extra:
                        headers[name] = value
                    if not path.startswith("/static/"):
                        headers["cache-control"] = "no-store"
                await send(message)

            await app(scope, receive, send_with_headers)

        return wrapped

    return middleware
