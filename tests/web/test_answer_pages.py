"""The officer's pages: one page per survey with the protection statement first, no script,
errors shown with the given answers kept, and a thank-you page without a reference number."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import select

from sentimeter.db import session_scope
from sentimeter.models import Comment, Response
from sentimeter.runtime import Runtime
from surveys.codes import issue_codes
from surveys.rounds import close_round, create_round
from tests.conftest import open_round_with_codes


@pytest.fixture
def codes(runtime: Runtime, org: object) -> list[str]:
    _, issued = open_round_with_codes(runtime, codes_per_team={"T-BIG": 6})
    return issued["T-BIG"]


@pytest.fixture
def officer(client: TestClient[Any]) -> TestClient[Any]:
    """A phone with no cookies at all, reading English."""
    client.cookies.clear()
    client.headers["accept-language"] = "en"
    return client


def _stored(runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        return len(session.exec(select(Response)).all()) + len(session.exec(select(Comment)).all())


def test_the_answer_page_shows_every_item_after_the_protection_statement(
        officer: TestClient[Any], codes: list[str]) -> None:
    page = officer.get(f"/s/{codes[0]}")
    assert page.status_code == 200
    html = page.text
    protection = html.index("Your answers are anonymous")
    first_question = html.index("<fieldset")
    assert protection < first_question
    assert "at least 5 people" in html
    # No JavaScript needed: no inline script, the form is a plain POST back to the same
    # address (a deferred same-origin script may only enhance it).
    assert all(re.fullmatch(r'<script src="/static/[\w.-]+\.js" defer>', tag)
               for tag in re.findall(r"<script[^>]*>", html)), re.findall(r"<script[^>]*>", html)
    assert html.count("<fieldset") == 20  # every item, one page
    forms = re.findall(r"<form[^>]*>", html)
    assert len(forms) == 1 and 'method="post"' in forms[0]
    assert f'action="/s/{codes[0]}"' in forms[0]
    assert 'name="comment"' in html and "Do not write names" in html
    assert "required" not in html  # every item may be skipped
    assert 'name="viewport"' in html
    assert "default-src 'self'" in page.headers.get("content-security-policy", "")


def test_the_page_is_in_dutch_by_default(client: TestClient[Any], codes: list[str]) -> None:
    client.cookies.clear()
    html = client.get(f"/s/{codes[0]}").text
    assert "anoniem" in html


def test_an_answer_sent_from_the_form_leads_to_a_thank_you_page_without_reference(
        officer: TestClient[Any], codes: list[str], runtime: Runtime) -> None:
    posted = officer.post(f"/s/{codes[0]}", data={"ps1": "4", "in4": "7", "ps2": "", "comment": ""},
                          follow_redirects=False)
    assert posted.status_code == 303
    thanks = officer.get(posted.headers["location"])
    assert thanks.status_code == 200 and "Thank you" in thanks.text
    with session_scope(runtime.engine) as session:
        row = session.exec(select(Response)).one()
    assert row.id not in thanks.text and row.id not in posted.headers["location"]
    assert codes[0] not in thanks.text and codes[0] not in posted.headers["location"]
    assert "reference number" in thanks.text  # it says there is none
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", thanks.text)


def test_a_comment_that_is_too_long_shows_the_error_and_keeps_the_answers(
        officer: TestClient[Any], codes: list[str], runtime: Runtime) -> None:
    long_comment = "Lang verhaal. " * 150
    page = officer.post(f"/s/{codes[0]}",
                        data={"ps1": "2", "in4": "9", "ss2": "1", "comment": long_comment},
                        follow_redirects=False)
    assert page.status_code == 422
    html = page.text
    assert "There is a problem" in html and 'href="#comment"' in html
    assert "too long" in html
    assert html.index("There is a problem") < html.index("<fieldset")
    for name, value in (("ps1", "2"), ("in4", "9"), ("ss2", "1")):
        assert re.search(rf'name="{name}" value="{value}"(?: id="{name}")? checked', html), name
    assert long_comment.strip()[:100] in html
    assert _stored(runtime) == 0
    # the code was not used up
    again = officer.post(f"/s/{codes[0]}", data={"ps1": "2", "comment": ""}, follow_redirects=False)
    assert again.status_code == 303


def test_sending_nothing_asks_for_at_least_one_answer(
        officer: TestClient[Any], codes: list[str], runtime: Runtime) -> None:
    page = officer.post(f"/s/{codes[0]}", data={"ps1": "", "comment": ""}, follow_redirects=False)
    assert page.status_code == 422 and "answer at least one" in page.text
    tampered = officer.post(f"/s/{codes[0]}", data={"ps1": "77"}, follow_redirects=False)
    assert tampered.status_code == 422 and 'href="#ps1"' in tampered.text
    assert _stored(runtime) == 0


def test_used_unknown_and_closed_codes_get_clear_pages(
        officer: TestClient[Any], codes: list[str], runtime: Runtime) -> None:
    sent = officer.post(f"/s/{codes[0]}", data={"ps1": "3"}, follow_redirects=False)
    assert sent.status_code == 303
    used = officer.get(f"/s/{codes[0]}")
    assert used.status_code == 409 and "already been used" in used.text
    assert officer.post(f"/s/{codes[0]}", data={"ps1": "3"}).status_code == 409
    unknown = officer.get("/s/ABCDEFGHJK")
    assert unknown.status_code == 404 and "do not recognise this code" in unknown.text
    with session_scope(runtime.engine) as session:
        round_ = create_round(session, instrument="sentimeter", unit_code="NP")
        assert round_.id is not None
        draft_code = issue_codes(session, runtime.vault, round_id=round_.id, unit_code="T-MID",
                                 count=1)[0]
    not_open = officer.get(f"/s/{draft_code}")
    assert not_open.status_code == 410 and "not started yet" in not_open.text
    with session_scope(runtime.engine) as session:
        round_.state = "open"
        session.add(round_)
        session.flush()
        close_round(session, round_.id)
    closed = officer.get(f"/s/{draft_code}")
    assert closed.status_code == 410 and "has closed" in closed.text
    for page in (used, unknown, not_open, closed):
        assert "Traceback" not in page.text and "<script>" not in page.text.lower()


def test_a_code_typed_on_the_start_form_leads_to_its_page(
        officer: TestClient[Any], codes: list[str]) -> None:
    typed = f"{codes[0][:5].lower()} {codes[0][5:].lower()}"
    response = officer.get("/s/", params={"code": typed}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/s/{codes[0]}"
