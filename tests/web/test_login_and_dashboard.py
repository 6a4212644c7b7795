"""Leaders log in (argon2, session cookie, CSRF on forms) and see only the gated results of
their own scope: counts, a server-rendered SVG chart, the scale table, or a plain statement."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import select

from analysis.release import close_and_publish
from sentimeter.db import session_scope
from sentimeter.models import User
from sentimeter.runtime import Runtime
from tests.conftest import PASSWORD, Persona, answer_all, csrf_headers, login, open_round_with_codes


@pytest.fixture
def closed_round(runtime: Runtime, personas: dict[str, Persona]) -> int:
    """T-BIG 12 answers (detail), T-MID 7 (5-9: a band), T-SMALL 3 (too few), then closed.

    Basisteam Een minus Team Groot is 10: Team Groot is shown in detail."""
    round_id, codes = open_round_with_codes(
        runtime, codes_per_team={"T-BIG": 12, "T-MID": 7, "T-SMALL": 3})
    answer_all(runtime, codes, "team-thermometer", {"T-BIG": 12, "T-MID": 7, "T-SMALL": 3})
    with session_scope(runtime.engine) as session:
        close_and_publish(session, runtime.vault, round_id)
    return round_id


def _form_login(client: TestClient[Any], email: str, password: str, **extra: str) -> Any:
    client.cookies.clear()
    form = client.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
    assert token, "the login form carries a CSRF token"
    return client.post("/login", data={"email": email, "password": password,
                                       "_csrf_token": token.group(1), **extra},
                       follow_redirects=False)


def test_the_login_form_carries_a_csrf_token_and_refuses_a_post_without_it(
        client: TestClient[Any], personas: dict[str, Persona]) -> None:
    page = client.get("/login")
    assert page.status_code == 200 and 'type="password"' in page.text
    assert 'name="_csrf_token"' in page.text
    client.cookies.clear()
    refused = client.post("/login", data={"email": personas["alice_team_leader"].email,
                                          "password": PASSWORD}, follow_redirects=False)
    assert refused.status_code == 403
    assert "sentimeter_session" not in refused.cookies


def test_a_leader_logs_in_with_the_form_and_out_again(
        client: TestClient[Any], personas: dict[str, Persona]) -> None:
    response = _form_login(client, personas["alice_team_leader"].email, PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    out = client.post("/logout", headers=csrf_headers(client), follow_redirects=False)
    assert out.status_code == 303
    after = client.get("/dashboard", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"].startswith("/login")


def test_a_wrong_password_is_401_on_the_form_and_the_api(
        client: TestClient[Any], personas: dict[str, Persona]) -> None:
    alice = personas["alice_team_leader"].email
    assert _form_login(client, alice, "wrong-password-123").status_code == 401
    assert _form_login(client, "nobody@politie.test", PASSWORD).status_code == 401
    client.cookies.clear()
    client.get("/login")
    api = client.post("/api/v1/auth/login", json={"email": alice, "password": "nope"},
                      headers=csrf_headers(client))
    assert api.status_code == 401 and "sentimeter_session" not in api.cookies


def test_the_api_logs_in_with_a_session_cookie_and_out_again(
        client: TestClient[Any], personas: dict[str, Persona], closed_round: int) -> None:
    client.cookies.clear()
    client.get("/login")
    response = client.post("/api/v1/auth/login",
                           json={"email": "Alice@Politie.test ", "password": PASSWORD},
                           headers=csrf_headers(client))
    assert response.status_code == 200
    assert response.json() == {"email": "alice@politie.test", "role": "team_leader",
                               "unit": "T-BIG"}
    assert client.cookies.get("sentimeter_session")
    assert client.get(f"/api/v1/reports/{closed_round}/T-BIG").status_code == 200
    out = client.post("/api/v1/auth/logout", headers=csrf_headers(client))
    assert out.status_code == 200
    assert client.get(f"/api/v1/reports/{closed_round}/T-BIG").status_code == 401


def test_the_api_login_needs_the_csrf_header(
        client: TestClient[Any], personas: dict[str, Persona]) -> None:
    client.cookies.clear()
    client.get("/login")
    response = client.post("/api/v1/auth/login",
                           json={"email": "alice@politie.test", "password": PASSWORD})
    assert response.status_code == 403


def test_passwords_are_stored_as_argon2_hashes(
        runtime: Runtime, personas: dict[str, Persona]) -> None:
    with session_scope(runtime.engine) as session:
        hashes = [u.password_hash for u in session.exec(select(User))]
    assert hashes and all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_reports_need_a_login(client: TestClient[Any], closed_round: int) -> None:
    client.cookies.clear()
    assert client.get(f"/api/v1/reports/{closed_round}/T-BIG").status_code == 401
    page = client.get(f"/dashboard/{closed_round}/T-BIG", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_the_dashboard_lists_the_rounds_in_the_leaders_scope(
        client: TestClient[Any], personas: dict[str, Persona], closed_round: int,
        runtime: Runtime) -> None:
    other, _ = open_round_with_codes(runtime, instrument="sentimeter", unit="E2")
    login(client, personas["alice_team_leader"])
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert f'href="/dashboard/{closed_round}/T-BIG"' in page.text
    assert f"/dashboard/{other}/" not in page.text  # a round of another eenheid


def test_a_team_leader_cannot_open_another_teams_results(
        client: TestClient[Any], personas: dict[str, Persona], closed_round: int) -> None:
    login(client, personas["tom_small_team_leader"])
    for path in (f"/dashboard/{closed_round}/T-BIG", f"/api/v1/reports/{closed_round}/T-BIG",
                 f"/dashboard/{closed_round}/T-BIG/items.svg",
                 f"/dashboard/{closed_round}/T-BIG/export.csv",
                 f"/dashboard/{closed_round}/T-E2A"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code in (403, 404), (path, response.status_code)
        assert "people answered" not in response.text


def test_an_administrator_sees_no_figures(
        client: TestClient[Any], personas: dict[str, Persona], closed_round: int) -> None:
    login(client, personas["ada_admin"])
    for path in ("/dashboard", f"/dashboard/{closed_round}/T-BIG",
                 f"/api/v1/reports/{closed_round}/T-BIG",
                 f"/dashboard/{closed_round}/T-BIG/items.svg"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code in (403, 404), (path, response.status_code)
        assert '"mean"' not in response.text and "people answered" not in response.text


def test_the_unit_page_shows_the_count_the_chart_and_the_scale_table(
        client: TestClient[Any], personas: dict[str, Persona], closed_round: int) -> None:
    login(client, personas["alice_team_leader"])
    page = client.get(f"/dashboard/{closed_round}/T-BIG", headers={"accept-language": "en"})
    assert page.status_code == 200
    assert "12 people answered" in page.text
    img = re.search(r'<img src="(/dashboard/\d+/T-BIG/items\.svg)" alt="([^"]+)"', page.text)
    assert img and img.group(2).strip()
    assert "<table" in page.text and "Psych" in page.text  # the scale means against the parent
    svg = client.get(img.group(1))
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.text)
    assert root.tag.endswith("svg")
    api = client.get(f"/api/v1/reports/{closed_round}/T-BIG").json()
    assert api["suppressed"] is False and api["responses"] == 12 and api["reason"] is None
    assert {"id", "n", "mean", "favourable", "counts"} <= set(api["items"][0])
    assert api["scales"]


def test_a_group_with_too_few_answers_gets_a_plain_statement_and_no_figures(
        client: TestClient[Any], personas: dict[str, Persona], closed_round: int) -> None:
    login(client, personas["tom_small_team_leader"])
    page = client.get(f"/dashboard/{closed_round}/T-SMALL", headers={"accept-language": "en"})
    assert page.status_code == 200
    assert "Too few people answered" in page.text
    assert "items.svg" not in page.text and "people answered." not in page.text
    assert client.get(f"/dashboard/{closed_round}/T-SMALL/items.svg").status_code == 404
    body = client.get(f"/api/v1/reports/{closed_round}/T-SMALL").json()
    assert body["suppressed"] is True and body["responses"] is None
    assert body["items"] == [] and body["scales"] == []
    assert '"mean": ' not in str(body) and "counts" not in str(body)
