"""The answering API contract: GET /api/v1/surveys/{token} and POST /api/v1/responses.

The one-time token is the only credential (no cookie, no CSRF); a refused answer writes
nothing and does not use up the code; whatever the body, the answer is never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient
from sqlalchemy import func
from sqlmodel import select

from sentimeter.db import session_scope
from sentimeter.models import AccessCode, Comment, Response
from sentimeter.runtime import Runtime
from surveys.codes import issue_codes
from surveys.rounds import close_round, create_round
from tests.conftest import open_round_with_codes

API = "/api/v1/responses"
ALLOWED = {201, 404, 409, 410, 413, 422}


@pytest.fixture
def codes(runtime: Runtime, org: object) -> list[str]:
    """Twenty codes of team T-BIG in an open Team Thermometer round (comments up to 2,000)."""
    _, issued = open_round_with_codes(runtime, codes_per_team={"T-BIG": 20})
    return issued["T-BIG"]


@pytest.fixture
def anonymous(client: TestClient[Any]) -> TestClient[Any]:
    client.cookies.clear()
    return client


def _rows(runtime: Runtime) -> tuple[int, int, int]:
    """(responses, comments, used codes): what a refused answer must leave unchanged."""
    with session_scope(runtime.engine) as session:
        responses = session.exec(select(func.count()).select_from(Response)).one()
        comments = session.exec(select(func.count()).select_from(Comment)).one()
        used = session.exec(select(func.count()).select_from(AccessCode)
                            .where(AccessCode.used == True)).one()  # noqa: E712
    return int(responses), int(comments), int(used)


def _post(client: TestClient[Any], body: Any) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(API, content=raw, headers={"content-type": "application/json"})


def _round_in_state(runtime: Runtime, state: str) -> str:
    """A code of a round that is a draft, closed, or open but past its closing time."""
    with session_scope(runtime.engine) as session:
        round_ = create_round(session, instrument="sentimeter", unit_code="NP")
        assert round_.id is not None
        code = issue_codes(session, runtime.vault, round_id=round_.id, unit_code="T-MID",
                           count=1)[0]
        if state in ("closed", "past"):
            round_.state = "open"
        if state == "closed":
            close_round(session, round_.id)
        if state == "past":
            from datetime import UTC, datetime, timedelta

            round_.closes_at = datetime.now(UTC) - timedelta(minutes=1)
        session.add(round_)
    return code


# -- GET /api/v1/surveys/{token} ------------------------------------------------------------

def test_the_survey_names_the_instrument_its_items_and_how_answers_are_protected(
        anonymous: TestClient[Any], codes: list[str]) -> None:
    response = anonymous.get(f"/api/v1/surveys/{codes[0]}", headers={"accept-language": "en"})
    assert response.status_code == 200, response.text
    body = response.json()
    instrument = body["instrument"]
    assert (instrument["id"], instrument["version"]) == ("team-thermometer", 1)
    assert 12 <= len(instrument["items"]) <= 22
    for item in instrument["items"]:
        assert {"id", "type", "text", "scale", "options"} <= set(item)
        assert item["type"] in {"agree5", "scale10", "choice"}
        assert item["text"] and isinstance(item["text"], str)
        assert item["options"] and all(set(o) == {"value", "label"} for o in item["options"])
        assert all(isinstance(o["value"], int) and o["label"] for o in item["options"])
    ps1 = next(i for i in instrument["items"] if i["id"] == "ps1")
    assert [o["value"] for o in ps1["options"]] == [1, 2, 3, 4, 5]
    assert ps1["scale"] == "psych_safety"
    assert body["comment"]["enabled"] is True and body["comment"]["max_length"] == 2000
    assert "name" in body["comment"]["warning"].lower()
    assert "at least 5" in body["protection"] and "anonymous" in body["protection"]


def test_the_survey_speaks_dutch_by_default(anonymous: TestClient[Any], codes: list[str]) -> None:
    body = anonymous.get(f"/api/v1/surveys/{codes[0]}").json()
    assert "anoniem" in body["protection"] and "minstens 5" in body["protection"]


def test_reading_the_survey_does_not_use_up_the_code(
        anonymous: TestClient[Any], codes: list[str], runtime: Runtime) -> None:
    for _ in range(2):
        assert anonymous.get(f"/api/v1/surveys/{codes[0]}").status_code == 200
    assert _rows(runtime) == (0, 0, 0)


def test_the_survey_tells_unknown_used_and_closed_codes_apart(
        anonymous: TestClient[Any], codes: list[str], runtime: Runtime) -> None:
    assert anonymous.get("/api/v1/surveys/ABCDEFGHJK").status_code == 404
    assert anonymous.get("/api/v1/surveys/not-a-code-at-all").status_code == 404
    assert _post(anonymous, {"token": codes[0], "answers": {"ps1": 4}}).status_code == 201
    used = anonymous.get(f"/api/v1/surveys/{codes[0]}")
    assert used.status_code == 409 and used.json()["detail"]
    for state in ("draft", "closed", "past"):
        closed = anonymous.get(f"/api/v1/surveys/{_round_in_state(runtime, state)}")
        assert closed.status_code == 410, state


# -- POST /api/v1/responses ------------------------------------------------------------------

def test_an_answer_is_stored_with_201_without_any_cookie_or_csrf_token(
        anonymous: TestClient[Any], codes: list[str], runtime: Runtime) -> None:
    response = _post(anonymous, {"token": codes[0], "answers": {"ps1": 4, "in4": 0, "ss2": 2,
                                                                "minority": None}})
    assert response.status_code == 201, response.text
    assert _rows(runtime) == (1, 0, 1)
    assert "set-cookie" not in response.headers


def test_a_code_typed_in_lower_case_with_dashes_is_accepted(
        anonymous: TestClient[Any], codes: list[str], runtime: Runtime) -> None:
    token = f"{codes[0][:5].lower()}-{codes[0][5:].lower()}"
    assert _post(anonymous, {"token": token, "answers": {"co1": 1}}).status_code == 201


def test_a_code_works_once(anonymous: TestClient[Any], codes: list[str], runtime: Runtime) -> None:
    assert _post(anonymous, {"token": codes[0], "answers": {"ps1": 4}}).status_code == 201
    again = _post(anonymous, {"token": codes[0], "answers": {"ps1": 2}})
    assert again.status_code == 409 and again.json()["detail"]
    assert _rows(runtime) == (1, 0, 1)


def test_unknown_and_closed_codes_are_refused_and_write_nothing(
        anonymous: TestClient[Any], codes: list[str], runtime: Runtime) -> None:
    assert _post(anonymous, {"token": "ABCDEFGHJK", "answers": {"ps1": 4}}).status_code == 404
    for state in ("draft", "closed", "past"):
        token = _round_in_state(runtime, state)
        assert _post(anonymous, {"token": token, "answers": {"mood": 4}}).status_code == 410, state
    assert _rows(runtime) == (0, 0, 0)


LONG = "x" * 2001

# body -> the field the 422 must name. ``T`` stands for a valid, unused token.
REFUSED: list[tuple[str, Callable[[str], Any], str]] = [
    ("no answered item", lambda t: {"token": t, "answers": {}}, "answers"),
    ("only skipped items", lambda t: {"token": t, "answers": {"ps1": None}}, "answers"),
    ("only about-you items", lambda t: {"token": t, "answers": {"minority": 1}}, "answers"),
    ("no answers at all", lambda t: {"token": t}, "answers"),
    ("unknown item", lambda t: {"token": t, "answers": {"ps1": 3, "zz9": 3}}, "zz9"),
    ("value not an option", lambda t: {"token": t, "answers": {"ps1": 6}}, "ps1"),
    ("zero on a 1-5 scale", lambda t: {"token": t, "answers": {"ps1": 0}}, "ps1"),
    ("11 on a 0-10 scale", lambda t: {"token": t, "answers": {"in4": 11}}, "in4"),
    ("negative", lambda t: {"token": t, "answers": {"ss2": -1}}, "ss2"),
    ("comment over 2,000", lambda t: {"token": t, "answers": {"ps1": 3}, "comment": LONG},
     "comment"),
    ("comment not text", lambda t: {"token": t, "answers": {"ps1": 3}, "comment": 12}, "comment"),
    ("comment an object", lambda t: {"token": t, "answers": {"ps1": 3}, "comment": {}}, "comment"),
    ("boolean value", lambda t: {"token": t, "answers": {"ps1": True}}, "ps1"),
    ("float value", lambda t: {"token": t, "answers": {"ps1": 3.0}}, "ps1"),
    ("fraction", lambda t: {"token": t, "answers": {"ps1": 2.5}}, "ps1"),
    ("nested object", lambda t: {"token": t, "answers": {"ps1": {"value": 3}}}, "ps1"),
    ("list value", lambda t: {"token": t, "answers": {"ps1": [3]}}, "ps1"),
    ("huge int", lambda t: {"token": t, "answers": {"ps1": 10**40}}, "ps1"),
    ("string value", lambda t: {"token": t, "answers": {"ps1": "3"}}, "ps1"),
    ("empty string value", lambda t: {"token": t, "answers": {"ps1": ""}}, "ps1"),
    ("answers a list", lambda t: {"token": t, "answers": [3, 4]}, "answers"),
    ("answers a string", lambda t: {"token": t, "answers": "ps1=3"}, "answers"),
    ("token a number", lambda t: {"token": 12345678, "answers": {"ps1": 3}}, "token"),
    ("token missing", lambda t: {"answers": {"ps1": 3}}, "token"),
    ("JSON array", lambda t: [t, {"ps1": 3}], "body"),
    ("JSON string", lambda t: t, "body"),
    ("bad JSON", lambda t: b'{"token": "' + t.encode() + b'", "answers": {', "body"),
    ("empty body", lambda t: b"", "body"),
    ("not UTF-8", lambda t: b'{"token": "\xff\xfe"}', "body"),
    ("deep nesting", lambda t: b"[" * 7000 + b"]" * 7000, "body"),
    ("infinity", lambda t: b'{"token": "' + t.encode() + b'", "answers": {"ps1": 1e400}}', "ps1"),
    ("lone surrogate key", lambda t: b'{"token": "' + t.encode() + b'", "answers": {"\\ud800": 1}}',
     "?"),
]


def test_each_refused_answer_gets_422_naming_the_field_and_writes_nothing(
        anonymous: TestClient[Any], codes: list[str], runtime: Runtime) -> None:
    token = codes[0]
    for case, build, field in REFUSED:
        response = _post(anonymous, build(token))
        assert response.status_code == 422, (case, response.status_code, response.text)
        errors = response.json()["errors"]
        assert any(field in key for key in errors), (case, errors)
        assert all(isinstance(msg, str) and msg for msg in errors.values()), case
        assert _rows(runtime) == (0, 0, 0), case
    # none of it used up the code
    assert _post(anonymous, {"token": token, "answers": {"ps1": 3}}).status_code == 201
    assert _rows(runtime) == (1, 0, 1)


def test_every_wrong_field_gets_its_own_message(
        anonymous: TestClient[Any], codes: list[str]) -> None:
    response = _post(anonymous, {"token": codes[0], "answers": {"ps1": 9, "in4": True, "zz": 1},
                                 "comment": LONG}, )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"ps1", "in4", "zz", "comment"}


def test_messages_follow_the_officers_language(
        anonymous: TestClient[Any], codes: list[str]) -> None:
    body = {"token": codes[0], "answers": {"ps1": 3}, "comment": LONG}
    dutch = _post(anonymous, body).json()["errors"]["comment"]
    english = anonymous.post(API, json=body, headers={"accept-language": "en"}).json()
    assert "te lang" in dutch and "too long" in english["errors"]["comment"]
    assert "2001" in dutch and "2000" in dutch


def test_a_body_over_the_limit_is_refused_with_413(
        anonymous: TestClient[Any], codes: list[str], runtime: Runtime) -> None:
    body = {"token": codes[0], "answers": {"ps1": 3}, "comment": "y" * 20000}
    assert _post(anonymous, body).status_code == 413
    assert _rows(runtime) == (0, 0, 0)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                  max_size=4),
    max_leaves=12)
_items = st.sampled_from(["ps1", "in4", "ss2", "minority", "nope", ""])
_answers = st.dictionaries(_items, st.one_of(st.integers(-2, 12), _json), max_size=4) | _json


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_body_whatsoever_gets_a_500(anonymous: TestClient[Any], codes: list[str],
                                       data: st.DataObject) -> None:
    token = data.draw(st.sampled_from(codes[:3]) | st.text(max_size=12) | _json, label="token")
    body = data.draw(st.one_of(
        st.fixed_dictionaries({"token": st.just(token), "answers": _answers},
                              optional={"comment": st.none() | st.integers() | _json.filter(
                                  lambda v: not isinstance(v, str)) | st.just("x" * 2001)}),
        _json,
        st.binary(max_size=64),
    ), label="body")
    response = _post(anonymous, body)
    assert response.status_code in ALLOWED, (response.status_code, response.text)
    if response.status_code != 201:
        assert "errors" in response.json() or response.status_code in (404, 409, 410, 413)
