"""Sign-in under attack: lockout, session expiry, logout everywhere, cookie flags, CSRF."""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from sentimeter.accounts import MAX_FAILURES
from sentimeter.runtime import Runtime
from tests.conftest import PASSWORD, Persona, csrf_headers, login
from web.app import create_app

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"


def _fail_api(client: TestClient[Any], email: str) -> Any:
    return client.post("/api/v1/auth/login", json={"email": email, "password": "wrong-password!"},
                       headers=csrf_headers(client))


@pytest.mark.parametrize("email", ["alice@politie.test", "nobody@politie.test"])
def test_lockout_is_the_same_for_existing_and_unknown_accounts(
        client: TestClient[Any], personas: dict[str, Persona], email: str) -> None:
    statuses = [_fail_api(client, email).status_code for _ in range(MAX_FAILURES)]
    assert statuses == [401] * MAX_FAILURES
    locked = _fail_api(client, email)
    assert locked.status_code == 429
    assert 800 < int(locked.headers["retry-after"]) <= 900
    page = client.post("/login", data={"email": email, "password": PASSWORD},
                       headers=csrf_headers(client))
    assert page.status_code == 429 and page.headers["retry-after"]
    # even the right password waits out the lockout
    right = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD},
                        headers=csrf_headers(client))
    assert right.status_code == 429


def test_a_session_expires(client: TestClient[Any], personas: dict[str, Persona],
                           monkeypatch: pytest.MonkeyPatch, runtime: Runtime) -> None:
    login(client, personas["alice_team_leader"])
    assert client.get("/dashboard", follow_redirects=False).status_code == 200
    later = time.time() + 3600 * runtime.settings.session_hours + 60
    monkeypatch.setattr("web.auth.time.time", lambda: later)
    response = client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_logout_everywhere_ends_sessions_on_other_devices(
        app: Any, personas: dict[str, Persona]) -> None:
    with TestClient(app=app) as phone, TestClient(app=app) as laptop:
        login(phone, personas["alice_team_leader"])
        login(laptop, personas["alice_team_leader"])
        assert phone.get("/api/v1/reports/1/T-BIG").status_code != 401
        out = laptop.post("/logout-everywhere", headers=csrf_headers(laptop),
                          follow_redirects=False)
        assert out.status_code == 303
        assert phone.get("/api/v1/reports/1/T-BIG").status_code == 401
        assert phone.get("/dashboard", follow_redirects=False).status_code == 303
        login(phone, personas["alice_team_leader"])  # a fresh login works again
        assert phone.get("/dashboard", follow_redirects=False).status_code == 200


@pytest.mark.parametrize("secure", [False, True])
def test_session_cookie_flags(runtime: Runtime, personas: dict[str, Persona],
                              secure: bool) -> None:
    rt = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings,
                                                                   cookie_secure=secure))
    with TestClient(app=create_app(runtime=rt), base_url="https://testserver") as client:
        client.get("/login")
        response = client.post("/api/v1/auth/login",
                               json={"email": personas["alice_team_leader"].email,
                                     "password": PASSWORD}, headers=csrf_headers(client))
        assert response.status_code == 200
        cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
        session = next(c for c in cookies if c.startswith("sentimeter_session"))
        assert "HttpOnly" in session and "SameSite=lax" in session.replace("Lax", "lax")
        assert ("Secure" in session) is secure
        assert ("strict-transport-security" in response.headers) is secure


def test_unsafe_requests_without_a_csrf_token_are_refused(
        client: TestClient[Any], personas: dict[str, Persona]) -> None:
    login(client, personas["ada_admin"])
    assert client.post("/admin/rounds", data={"instrument": "sentimeter", "unit": "NP"}
                       ).status_code == 403
    assert client.post("/logout-everywhere").status_code == 403
    assert client.post("/api/v1/auth/logout").status_code == 403
    assert client.post("/login", data={"email": "a@b.c", "password": "x"}).status_code == 403
    # the anonymous answer endpoints are the only exceptions
    assert client.post("/api/v1/responses", json={"token": "AAAAAAAAAA"}).status_code == 404
    assert client.post("/s/AAAAAAAAAA", data={"ps1": "3"}).status_code == 404


def test_every_form_that_posts_carries_the_csrf_token() -> None:
    forms = 0
    for template in TEMPLATES.rglob("*.html"):
        for form in re.findall(r"<form[^>]*method=\"post\"[\s\S]*?</form>", template.read_text()):
            forms += 1
            assert "csrf_input" in form, f"{template.name}: a POST form without csrf_input"
    assert forms >= 5
