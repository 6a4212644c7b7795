"""Security headers on every page, and no inline script or style anywhere."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

from sentimeter.runtime import Runtime
from tests.conftest import Persona, login, open_round_with_codes


def _pages(client: TestClient[Any], runtime: Runtime, personas: dict[str, Persona]) -> list[Any]:
    _, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 1})
    pages = [client.get(p) for p in ("/", "/login", "/privacy", "/s/", f"/s/{codes['T-BIG'][0]}",
                                     "/s/AAAAAAAAAA", "/no-such-page", "/static/app.css")]
    login(client, personas["ada_admin"])
    pages += [client.get(p) for p in ("/admin", "/admin/audit")]
    login(client, personas["bob_analyst"])
    pages += [client.get("/dashboard")]
    return pages


def test_every_response_carries_the_security_headers(
        client: TestClient[Any], runtime: Runtime, personas: dict[str, Persona]) -> None:
    for response in _pages(client, runtime, personas):
        headers = response.headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "script-src 'self'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
        assert "strict-transport-security" not in headers  # plain http in this configuration


def test_no_page_has_inline_script_style_or_event_handlers(
        client: TestClient[Any], runtime: Runtime, personas: dict[str, Persona]) -> None:
    for response in _pages(client, runtime, personas):
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        html = response.text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html, re.I), response.url
        assert not re.search(r"<style\b", html, re.I), response.url
        assert not re.search(r"\sstyle=\"", html, re.I), response.url
        assert not re.search(r"\son[a-z]+=\"", html, re.I), response.url
        assert not re.search(r"(src|href)=\"(https?:)?//", html, re.I), response.url


def test_answer_pages_are_not_cached(client: TestClient[Any], runtime: Runtime,
                                     org: object) -> None:
    _, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 1})
    assert client.get(f"/s/{codes['T-BIG'][0]}").headers["cache-control"] == "no-store"
