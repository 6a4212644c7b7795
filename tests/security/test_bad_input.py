"""Hostile input: oversized and malformed bodies, unicode, markup, traversal, replays, SQL."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from analysis.release import close_and_publish
from sentimeter.audit import record
from sentimeter.db import session_scope
from sentimeter.models import Response, Unit
from sentimeter.runtime import Runtime
from tests.conftest import Persona, answer_all, csrf_headers, login, open_round_with_codes

SCRIPT = "<script>alert(1)</script>"
FORMULA = "=HYPERLINK(\"http://evil\",\"x\")"


def test_oversized_bodies_are_refused(client: TestClient[Any], runtime: Runtime,
                                      org: object) -> None:
    _, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 2})
    big = "x" * (runtime.settings.max_body_bytes + 10)
    assert client.post(f"/s/{codes['T-BIG'][0]}", data={"comment": big}).status_code == 413
    api = client.post("/api/v1/responses", content=b'{"token":"' + b"A" * 20000 + b'"}')
    assert api.status_code == 413
    with Session(runtime.engine) as db:
        assert db.exec(select(Response)).first() is None


@pytest.mark.parametrize("body", [b"{", b"[]", b"null", b'{"token": 5}', b"\xff\xfe",
                                  b'{"token":"AAAAAAAAAA","answers":[1,2]}'])
def test_malformed_answer_bodies_get_a_clear_4xx(client: TestClient[Any], org: object,
                                                 body: bytes) -> None:
    response = client.post("/api/v1/responses", content=body,
                           headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()


@pytest.mark.parametrize("token", ["AAAAAAAAAA", "' OR 1=1 --", "%00", "ÄÖÜ😀\u202e",
                                   "..%2f..%2fetc%2fpasswd", "A" * 500])
def test_unknown_and_strange_tokens_are_not_found(client: TestClient[Any], org: object,
                                                   token: str) -> None:
    assert client.get(f"/s/{token}").status_code in (404, 400)
    assert client.get(f"/api/v1/surveys/{token}").status_code in (404, 400)


def test_a_token_cannot_be_replayed(client: TestClient[Any], runtime: Runtime,
                                    org: object) -> None:
    _, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 1})
    body = {"token": codes["T-BIG"][0], "answers": {"ps1": 4}}
    assert client.post("/api/v1/responses", json=body).status_code == 201
    assert client.post("/api/v1/responses", json=body).status_code == 409
    assert client.post(f"/s/{codes['T-BIG'][0]}", data={"ps1": "4"}).status_code == 409
    with Session(runtime.engine) as db:
        assert len(db.exec(select(Response)).all()) == 1


def test_unicode_edge_cases_in_comments_are_stored(client: TestClient[Any], runtime: Runtime,
                                                   org: object) -> None:
    _, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 3})
    for token, text in zip(codes["T-BIG"], ["😀 e\u0301 \u202eRTL", "nul\x00byte",
                                            "\ud7ff\ufeff" + SCRIPT], strict=True):
        response = client.post("/api/v1/responses",
                               json={"token": token, "answers": {"ps1": 3}, "comment": text})
        assert response.status_code in (201, 422), response.text


def test_sql_metacharacters_are_plain_data(client: TestClient[Any], runtime: Runtime,
                                           personas: dict[str, Persona]) -> None:
    hostile = "x'; DROP TABLE response; --"
    login_page = client.post("/api/v1/auth/login", json={"email": hostile, "password": hostile},
                             headers=csrf_headers(client))
    assert login_page.status_code == 401
    login(client, personas["bob_analyst"])
    assert client.get(f"/api/v1/reports/1/{hostile}").status_code in (404, 400)
    assert client.get("/api/v1/compare/1", params={"level": hostile}).status_code == 400
    with Session(runtime.engine) as db:
        assert db.exec(select(Response)).all() == []  # the table is still there


@pytest.mark.parametrize("path", ["/static/../sentimeter/settings.py",
                                  "/static/%2e%2e/%2e%2e/pyproject.toml",
                                  "/static/..%2f..%2fweb%2fapp.py", "/static//etc/passwd",
                                  "/static/vendor/../../app.py"])
def test_static_files_do_not_leave_their_folder(client: TestClient[Any], path: str) -> None:
    response = client.get(path)
    assert response.status_code in (400, 404)
    assert "SENTIMETER" not in response.text and "def " not in response.text


def test_markup_in_unit_names_is_escaped_and_exports_are_formula_safe(
        client: TestClient[Any], runtime: Runtime, personas: dict[str, Persona]) -> None:
    with session_scope(runtime.engine) as db:
        team = db.get(Unit, "T-BIG")
        assert team is not None
        team.name = FORMULA + SCRIPT
        db.add(team)
        record(db, actor="ada@politie.test", action="account.create", target=FORMULA,
               detail=SCRIPT)
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 6})
    answer_all(runtime, codes, "team-thermometer", {"T-BIG": 6})
    with session_scope(runtime.engine) as db:
        close_and_publish(db, runtime.vault, round_id)
    login(client, personas["ada_admin"])
    pages = [client.get("/admin"), client.get(f"/admin/rounds/{round_id}"),
             client.get("/admin/audit")]
    audit_csv = client.get("/admin/audit.csv").text
    login(client, personas["alice_team_leader"])
    pages += [client.get("/dashboard"), client.get(f"/dashboard/{round_id}/T-BIG")]
    report_csv = client.get(f"/dashboard/{round_id}/T-BIG/export.csv").text
    for page in pages:
        assert page.status_code == 200, page.url
        assert SCRIPT not in page.text and "&lt;script&gt;" in page.text, page.url
    for text, delimiter in ((audit_csv, ","), (report_csv.lstrip("\ufeff"), ";")):
        cells = [c for row in csv.reader(io.StringIO(text), delimiter=delimiter) for c in row]
        assert any("HYPERLINK" in c for c in cells)
        assert not any(c.startswith(("=", "+", "-", "@")) for c in cells if "HYPERLINK" in c)
