"""No 500s for anything a browser or a script can send (issue #14, point 4), and error pages
that say what to do next in the reader's language (issue #15, point 5).

The route walk of test_routes.py is repeated with hostile path and query values: ids beyond
a 64-bit integer and non-ASCII, quote-bearing unit codes. Unit codes outside Latin-1 or with
quotes get an RFC 6266 ``Content-Disposition`` on every download.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote, unquote

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from analysis.release import close_and_publish
from sentimeter.db import session_scope
from sentimeter.runtime import Runtime
from surveys.org import OrgRow, import_org
from tests.conftest import (
    Persona,
    answer_all,
    csrf_headers,
    login,
    open_round_with_codes,
)
from tests.security.test_routes import PERSONA_OF, STAFF, _allowed
from web.download import ascii_fallback, content_disposition

HUGE = str(2**64 + 7)
HOSTILE = {"round_id": HUGE, "unit_code": quote("T€\"'<x>", safe=""), "token": quote("€€", safe=""),
           "code": "x", "file_path": "app.css", "path": "openapi.json"}


def _call(client: TestClient[Any], method: str, url: str) -> Any:
    if method == "GET":
        return client.get(url, follow_redirects=False)
    if url.startswith("/api/"):
        return client.post(url, json={"round": HUGE}, headers=csrf_headers(client),
                           follow_redirects=False)
    return client.post(url, data={"unit": "T€", "count": HUGE, "k": HUGE},
                       headers=csrf_headers(client), follow_redirects=False)


def test_hostile_ids_and_unit_codes_never_give_a_server_error(
        app: Litestar, client: TestClient[Any], personas: dict[str, Persona]) -> None:
    failures = []
    for role in ("anonymous", *STAFF):
        client.cookies.clear()
        if role != "anonymous":
            login(client, personas[PERSONA_OF[role]])
        for method, path, _ in _allowed(app):
            url = re.sub(r"\{(\w+):\w+\}", lambda m: HOSTILE.get(m.group(1), "x"), path)
            for query in ("", f"?r={HUGE}&round={HUGE}&level=team&scale=%E2%82%AC"):
                response = _call(client, method, url + query)
                if response.status_code >= 500:
                    failures.append(f"{role} {method} {url}{query} -> {response.status_code}")
            if "logout" in path and role != "anonymous":
                login(client, personas[PERSONA_OF[role]])
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", [f"/s/done?r={HUGE}", f"/dashboard/{HUGE}/T-BIG",
                                  f"/api/v1/reports/{HUGE}/T-BIG", f"/compare?round={HUGE}",
                                  f"/api/v1/compare/{HUGE}", f"/admin/rounds/{HUGE}",
                                  f"/api/v1/cuts/{HUGE}/NP?item=minority"])
def test_ids_beyond_64_bits_are_not_found(client: TestClient[Any], personas: dict[str, Persona],
                                          path: str) -> None:
    role = {"/admin": "ada_admin", "/api/v1/cuts": "bob_analyst", "/compare": "bob_analyst",
            "/api/v1/compare": "bob_analyst"}
    who = next((v for k, v in role.items() if path.startswith(k)), "alice_team_leader")
    login(client, personas[who])
    response = client.get(path, follow_redirects=False)
    assert response.status_code in (200, 400, 404), (path, response.status_code)


STRANGE_UNITS = ["T€", 'Q"X;filename=evil.html', "Ünit/..\\x"]


def test_downloads_of_units_with_strange_codes_use_rfc_6266(
        client: TestClient[Any], runtime: Runtime, personas: dict[str, Persona]) -> None:
    with session_scope(runtime.engine) as db:
        import_org(db, [OrgRow(code, "E1-D1-B2", "team", f"Team {code}", 12)
                        for code in STRANGE_UNITS])
    counts = dict.fromkeys(STRANGE_UNITS, 6)
    round_id, codes = open_round_with_codes(runtime, codes_per_team={**counts, "T-B2A": 6})
    answer_all(runtime, codes, "team-thermometer", counts)
    login(client, personas["ada_admin"])
    for code in STRANGE_UNITS:
        cards = client.post(f"/admin/rounds/{round_id}/cards", data={"unit": code, "count": "2"},
                            headers=csrf_headers(client))
        assert cards.status_code == 200, (code, cards.status_code)
        _assert_safe_disposition(cards.headers["content-disposition"], code)
    with session_scope(runtime.engine) as db:
        close_and_publish(db, runtime.vault, round_id)
    login(client, personas["bob_analyst"])
    for code in STRANGE_UNITS:
        export = client.get(f"/dashboard/{round_id}/{quote(code, safe='')}/export.csv")
        assert export.status_code in (200, 404), (code, export.status_code)
        if export.status_code == 200:
            _assert_safe_disposition(export.headers["content-disposition"], code)


def _assert_safe_disposition(header: str, code: str) -> None:
    params = [p.strip() for p in header.split(";")]
    assert params[0] == "attachment"
    names = [p for p in params[1:] if p.startswith("filename")]
    assert all(p.startswith(("filename=", "filename*=")) for p in names), header
    assert len(names) <= 2 and header.isascii(), header
    plain = next(p for p in names if p.startswith("filename="))
    assert re.fullmatch(r'filename="[A-Za-z0-9._-]+"', plain), header
    star = [p for p in names if p.startswith("filename*=")]
    if star:
        real = unquote(star[0].removeprefix("filename*=UTF-8''"))
        assert code.replace("/", "_").replace("\\", "_") in real


def test_content_disposition_encodes_and_never_injects() -> None:
    assert content_disposition("report.csv") == 'attachment; filename="report.csv"'
    header = content_disposition("sentimeter-3-T€.csv")
    assert header == ('attachment; filename="sentimeter-3-T.csv"; '
                      "filename*=UTF-8''sentimeter-3-T%E2%82%AC.csv")
    evil = content_disposition('x"X;filename=evil.html.csv')
    assert evil.count("filename=") == 1 and '"X' not in evil.split("filename*=")[0]
    assert ascii_fallback("../../etc/passwd") == "etc_passwd"
    assert ascii_fallback("\u0000") == "download"


def test_an_unexpected_error_is_logged_with_the_trace_id_the_user_sees(
        client: TestClient[Any], personas: dict[str, Persona], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    import web.controllers.dashboard as dashboard

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(dashboard, "visible_rounds", broken, raising=False)
    monkeypatch.setattr(dashboard, "page", broken)
    login(client, personas["alice_team_leader"])
    with caplog.at_level(logging.ERROR, logger="web.errors"):
        response = client.get("/dashboard", headers={"accept-language": "nl"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    trace = re.search(r"<code>([0-9a-f]{16})</code>", response.text)
    assert trace and "Er ging iets mis" in response.text and "boom" not in response.text
    assert any(trace.group(1) in r.getMessage() and r.exc_info for r in caplog.records)


@pytest.mark.parametrize(("lang", "title"), [("nl", "Pagina niet gevonden"),
                                             ("en", "Page not found")])
def test_error_pages_are_html_in_the_readers_language_and_the_api_keeps_json(
        client: TestClient[Any], org: object, lang: str, title: str) -> None:
    page = client.get("/no-such-page", headers={"accept-language": lang})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert title in page.text and f'lang="{lang}"' in page.text and "status_code" not in page.text
    api = client.get("/api/v1/no-such-thing", headers={"accept-language": lang})
    assert api.status_code == 404 and api.json()["status_code"] == 404


@pytest.mark.parametrize(("method", "path", "status", "words"), [
    ("PUT", "/login", 405, "Dit kan op deze manier niet"),
    ("POST", "/dashboard", 405, "Dit kan op deze manier niet"),
])
def test_other_errors_a_browser_meets_are_dutch_pages(
        client: TestClient[Any], org: object, method: str, path: str, status: int,
        words: str) -> None:
    response = client.request(method, path, headers=csrf_headers(client))
    assert response.status_code == status and words in response.text


def test_an_oversized_form_gets_a_page_saying_what_to_do(
        client: TestClient[Any], runtime: Runtime, org: object) -> None:
    _, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 1})
    big = "x" * (runtime.settings.max_body_bytes + 10)
    response = client.post(f"/s/{codes['T-BIG'][0]}", data={"comment": big},
                           headers={"accept-language": "en"})
    assert response.status_code == 413 and "Make it shorter" in response.text


def test_a_refused_csrf_token_gets_a_page_not_json(client: TestClient[Any], org: object) -> None:
    response = client.post("/login", data={"email": "a@b.c", "password": "x"})
    assert response.status_code == 403 and response.headers["content-type"].startswith("text/html")
    assert "U kunt deze pagina niet openen" in response.text


def test_the_thank_you_page_tells_nothing_about_an_unsigned_or_draft_round(
        client: TestClient[Any], runtime: Runtime, org: object) -> None:
    from surveys.rounds import create_round

    with session_scope(runtime.engine) as db:
        draft = create_round(db, instrument="sentimeter", unit_code="NP", k=7, name="Geheim")
        draft_id = draft.id
    open_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 1}, k=6)
    for r in (draft_id, open_id):
        page = client.get(f"/s/done?r={r}", headers={"accept-language": "en"})
        assert page.status_code == 200 and "at least" not in page.text
    answered = client.post(f"/s/{codes['T-BIG'][0]}", data={"ps1": "4"},
                           follow_redirects=False)
    done = answered.headers["location"]
    assert done.startswith(f"/s/done?r={open_id}")
    page = client.get(done, headers={"accept-language": "en"})
    assert "at least 6 people" in page.text
    forged = done.replace(f"r={open_id}", f"r={draft_id}")
    assert "at least" not in client.get(forged, headers={"accept-language": "en"}).text


def test_scope_refusals_do_not_reveal_which_units_exist(
        client: TestClient[Any], personas: dict[str, Persona], runtime: Runtime) -> None:
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 6})
    answer_all(runtime, codes, "team-thermometer", {"T-BIG": 6})
    with session_scope(runtime.engine) as db:
        close_and_publish(db, runtime.vault, round_id)
    login(client, personas["alice_team_leader"])
    existing = client.get(f"/api/v1/reports/{round_id}/T-MID")
    missing = client.get(f"/api/v1/reports/{round_id}/NO-SUCH-UNIT")
    assert existing.status_code == missing.status_code == 403
    assert existing.json() == missing.json()
    page_existing = client.get(f"/dashboard/{round_id}/T-MID")
    page_missing = client.get(f"/dashboard/{round_id}/NO-SUCH-UNIT")
    assert page_existing.status_code == page_missing.status_code == 403




def test_a_unit_imported_after_a_round_closed_breaks_none_of_its_pages(
        client: TestClient[Any], personas: dict[str, Persona], runtime: Runtime) -> None:
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 6})
    answer_all(runtime, codes, "team-thermometer", {"T-BIG": 6})
    with session_scope(runtime.engine) as db:
        close_and_publish(db, runtime.vault, round_id)
        import_org(db, [OrgRow("T-LATE", "E1-D1-B1", "team", "Team Laat", 9)])
    login(client, personas["bob_analyst"])
    for path in (f"/dashboard/{round_id}/T-LATE", f"/dashboard/{round_id}/E1-D1-B1",
                 f"/dashboard/{round_id}/E1-D1-B1/units", f"/api/v1/reports/{round_id}/T-LATE",
                 f"/compare?round={round_id}&level=team", f"/api/v1/compare/{round_id}?level=team",
                 f"/dashboard/{round_id}/T-LATE/export.csv"):
        assert client.get(path).status_code < 500, path
