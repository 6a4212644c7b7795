"""The OpenAPI schema describes the API as it answers (issue 15, item 11): typed request
bodies, and response models that decode real responses with unknown fields refused."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from sentimeter.runtime import Runtime
from tests.conftest import (
    PASSWORD,
    Persona,
    closed_rounds,
    csrf_headers,
    login,
    open_round_with_codes,
)
from web.api_models import (
    CompareOut,
    ErrorOut,
    LoginOut,
    LogoutOut,
    ReportOut,
    StoredOut,
    SurveyOut,
)


@pytest.fixture
def schema(client: TestClient[Any]) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/schema/openapi.json").json()
    return body


def _body_schema(schema: dict[str, Any], path: str) -> dict[str, Any]:
    content = schema["paths"][path]["post"]["requestBody"]["content"]
    found: dict[str, Any] = content["application/json"]["schema"]
    return found


def test_posting_answers_documents_its_request_body(schema: dict[str, Any]) -> None:
    body = _body_schema(schema, "/api/v1/responses")
    assert body["required"] == ["token"]
    assert body["properties"]["answers"]["additionalProperties"] == {"type": "integer"}
    assert {"token", "answers", "comment"} <= set(body["properties"])
    responses = schema["paths"]["/api/v1/responses"]["post"]["responses"]
    assert {"201", "404", "409", "410", "422"} <= set(responses)
    assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorOut")


def test_logging_in_documents_its_request_and_response(schema: dict[str, Any]) -> None:
    body = _body_schema(schema, "/api/v1/auth/login")
    assert set(body["required"]) == {"email", "password"}
    ok = schema["paths"]["/api/v1/auth/login"]["post"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("LoginOut")


TYPED = ("/api/v1/surveys/", "/api/v1/responses", "/api/v1/auth/", "/api/v1/reports/",
         "/api/v1/compare/")  # /api/v1/admin/* (issue 6 caps and approvals) is not typed yet


def test_every_answering_auth_and_report_route_has_a_typed_success_response(
        schema: dict[str, Any]) -> None:
    untyped = []
    for path, operations in schema["paths"].items():
        if not path.startswith(TYPED):
            continue
        for method, operation in operations.items():
            ok = next(v for k, v in operation["responses"].items() if k.startswith("2"))
            body = ok.get("content", {}).get("application/json", {}).get("schema", {})
            if "$ref" not in body and path != "/api/v1/cuts/{round_id}/{unit_code}":
                untyped.append(f"{method.upper()} {path}")
    assert untyped == []


def test_answering_responses_decode_with_their_models(client: TestClient[Any],
                                                      runtime: Runtime, org: object) -> None:
    _, codes = open_round_with_codes(runtime, instrument="sentimeter",
                                     codes_per_team={"T-BIG": 2})
    token = codes["T-BIG"][0]
    survey = msgspec.convert(client.get(f"/api/v1/surveys/{token}").json(), SurveyOut)
    item = survey.instrument.items[0]
    stored = client.post("/api/v1/responses", json={
        "token": token, "answers": {item.id: item.options[-1].value}, "comment": None})
    assert stored.status_code == 201
    msgspec.convert(stored.json(), StoredOut)
    again = client.post("/api/v1/responses", json={"token": token, "answers": {}})
    assert again.status_code == 409
    msgspec.convert(again.json(), ErrorOut)
    wrong = client.post("/api/v1/responses", json={"token": codes["T-BIG"][1],
                                                   "answers": {item.id: 99}})
    assert wrong.status_code == 422 and item.id in msgspec.convert(wrong.json(), ErrorOut).errors


def test_report_and_compare_responses_decode_with_their_models(
        client: TestClient[Any], runtime: Runtime, personas: dict[str, Persona]) -> None:
    round_id = closed_rounds(runtime, rounds=1)[0]
    login(client, personas["bob_analyst"])
    for unit in ("NP", "T-BIG", "T-MID"):  # published, published, suppressed
        reply = client.get(f"/api/v1/reports/{round_id}/{unit}")
        assert reply.status_code == 200, reply.text
        msgspec.convert(reply.json(), ReportOut)
    compared = client.get(f"/api/v1/compare/{round_id}", params={"level": "team"})
    assert msgspec.convert(compared.json(), CompareOut).rows
    out = client.post("/api/v1/auth/logout", headers=csrf_headers(client))
    msgspec.convert(out.json(), LogoutOut)


def test_login_answers_decode_with_their_models(client: TestClient[Any],
                                                personas: dict[str, Persona]) -> None:
    client.get("/login")
    headers = {"x-csrftoken": client.cookies.get("csrftoken") or ""}
    wrong = client.post("/api/v1/auth/login", json={"email": "ada@politie.test",
                                                    "password": "not it"}, headers=headers)
    assert wrong.status_code == 401
    msgspec.convert(wrong.json(), ErrorOut)
    right = client.post("/api/v1/auth/login", json={"email": "ada@politie.test",
                                                    "password": PASSWORD}, headers=headers)
    assert right.status_code == 200
    assert msgspec.convert(right.json(), LoginOut).role == "admin"
