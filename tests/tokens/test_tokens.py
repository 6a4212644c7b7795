"""Personal tokens end to end through the web routes: issue once, answer once, right key only."""

from __future__ import annotations

import logging
import random
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import func, select

from sentimeter.db import session_scope
from sentimeter.models import Response
from sentimeter.runtime import Runtime
from sentimeter.token_models import SpentToken, TokenIssuance, TokenKey
from surveys.org import OrgRow
from surveys.tokens import officer_hash
from tests.conftest import open_round_with_codes, random_answers
from tests.tokens.conftest import answer, enrol_link, fetch_token

INSTRUMENT = "sentimeter"


def _answers(seed: int = 1) -> dict[str, int]:
    return random_answers(INSTRUMENT, random.Random(seed), skip=0.0)


def _responses(runtime: Runtime, round_id: int, team: str) -> int:
    with session_scope(runtime.engine) as db:
        return int(db.exec(select(func.count()).select_from(Response)
                           .where(Response.round_id == round_id)
                           .where(Response.unit_code == team)).one())


def test_an_enrolled_officer_gets_one_token_and_answers_with_it(
        runtime: Runtime, org: list[OrgRow], client: TestClient[Any]) -> None:
    round_id, _ = open_round_with_codes(runtime, instrument=INSTRUMENT)
    assert client.get(enrol_link(runtime, "officer-1", "T-MID")).status_code == 200
    fetched = fetch_token(client, round_id, "T-MID")
    assert fetched.status == 200 and fetched.token
    reply = answer(client, round_id, "T-MID", fetched.token, _answers())
    assert reply.status_code == 303 and reply.headers["location"].startswith("/s/token/done")
    assert _responses(runtime, round_id, "T-MID") == 1


def test_a_second_token_for_the_same_round_is_refused_and_the_page_says_one_per_round(
        runtime: Runtime, org: list[OrgRow], client: TestClient[Any]) -> None:
    round_id, _ = open_round_with_codes(runtime, instrument=INSTRUMENT)
    client.get(enrol_link(runtime, "officer-1", "T-MID"))
    assert fetch_token(client, round_id, "T-MID").status == 200
    client.get(enrol_link(runtime, "officer-1", "T-MID"))  # a new link: same officer
    page = client.get(f"/s/token/{round_id}/get")
    assert page.status_code == 409 and 'id="token-already"' in page.text
    again = fetch_token(client, round_id, "T-MID")
    assert again.status == 409 and again.body["error"] == "already"
    with session_scope(runtime.engine) as db:
        key = db.get(TokenKey, (round_id, "T-MID"))
        assert key is not None and key.issued == 1
        assert len(db.exec(select(TokenIssuance)).all()) == 1


def test_a_replayed_token_is_refused_with_409_and_stores_nothing(
        runtime: Runtime, org: list[OrgRow], client: TestClient[Any]) -> None:
    round_id, _ = open_round_with_codes(runtime, instrument=INSTRUMENT)
    client.get(enrol_link(runtime, "officer-1", "T-MID"))
    token = fetch_token(client, round_id, "T-MID").token
    assert token
    assert answer(client, round_id, "T-MID", token, _answers(1)).status_code == 303
    replay = answer(client, round_id, "T-MID", token, _answers(2))
    assert replay.status_code == 409
    assert _responses(runtime, round_id, "T-MID") == 1
    with session_scope(runtime.engine) as db:
        spent = db.exec(select(SpentToken)).all()
    assert len(spent) == 1 and token.split(".")[0] not in spent[0].token_hash


def test_a_token_signed_with_another_teams_key_is_rejected(
        runtime: Runtime, org: list[OrgRow], client: TestClient[Any]) -> None:
    round_id, _ = open_round_with_codes(runtime, instrument=INSTRUMENT)
    client.get(enrol_link(runtime, "officer-1", "T-MID"))
    mid = fetch_token(client, round_id, "T-MID").token
    client.get(enrol_link(runtime, "officer-2", "T-BIG"))
    assert fetch_token(client, round_id, "T-BIG").status == 200  # T-BIG has a key now too
    assert mid
    reply = answer(client, round_id, "T-BIG", mid, _answers())
    assert reply.status_code == 400
    assert _responses(runtime, round_id, "T-BIG") == 0
    assert answer(client, round_id, "T-MID", mid, _answers()).status_code == 303  # not spent


def test_a_token_of_another_round_is_rejected(
        runtime: Runtime, org: list[OrgRow], client: TestClient[Any]) -> None:
    first, _ = open_round_with_codes(runtime, instrument=INSTRUMENT)
    second, _ = open_round_with_codes(runtime, instrument=INSTRUMENT)
    client.get(enrol_link(runtime, "officer-1", "T-MID"))
    old = fetch_token(client, first, "T-MID").token
    client.get(enrol_link(runtime, "officer-2", "T-MID"))
    assert fetch_token(client, second, "T-MID").status == 200
    assert old
    assert answer(client, second, "T-MID", old, _answers()).status_code == 400
    assert _responses(runtime, second, "T-MID") == 0


def test_a_forged_or_garbled_token_is_rejected(
        runtime: Runtime, org: list[OrgRow], client: TestClient[Any]) -> None:
    round_id, _ = open_round_with_codes(runtime, instrument=INSTRUMENT)
    client.get(enrol_link(runtime, "officer-1", "T-MID"))
    token = fetch_token(client, round_id, "T-MID").token
    assert token
    msg, sig = token.split(".")
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    for bad in (f"{msg}.{flipped}", "not-a-token", f"{msg}.", ""):
        assert answer(client, round_id, "T-MID", bad, _answers()).status_code == 400
    assert _responses(runtime, round_id, "T-MID") == 0


def test_tokens_and_cards_of_a_team_never_exceed_its_headcount(
        runtime: Runtime, org: list[OrgRow], client: TestClient[Any]) -> None:
    headcount = {row.code: row.headcount for row in org}["T-SMALL"]
    cards = headcount - 2
    round_id, _ = open_round_with_codes(runtime, instrument=INSTRUMENT,
                                        codes_per_team={"T-SMALL": cards})
    statuses = []
    for n in range(3):
        client.get(enrol_link(runtime, f"officer-{n}", "T-SMALL"))
        statuses.append(fetch_token(client, round_id, "T-SMALL").status)
    assert statuses == [200, 200, 409]
    with session_scope(runtime.engine) as db:
        key = db.get(TokenKey, (round_id, "T-SMALL"))
        assert key is not None and cards + key.issued == headcount


def test_signing_needs_an_enrolled_officer_and_forgets_them_afterwards(
        runtime: Runtime, org: list[OrgRow], client: TestClient[Any]) -> None:
    round_id, _ = open_round_with_codes(runtime, instrument=INSTRUMENT)
    refused = client.post(f"/s/token/{round_id}/sign", json={"blinded": "AAAA"})
    assert refused.status_code == 401
    signin = client.get(f"/s/token/{round_id}/get")
    assert "enrolment link" in signin.text or "aanmeldlink" in signin.text
    client.get(enrol_link(runtime, "officer-1", "T-MID"))
    assert fetch_token(client, round_id, "T-MID").status == 200
    after = client.post(f"/s/token/{round_id}/sign", json={"blinded": "AAAA"})
    assert after.status_code == 401  # the session no longer names the officer


def test_an_enrolment_link_works_once(
        runtime: Runtime, org: list[OrgRow], client: TestClient[Any]) -> None:
    open_round_with_codes(runtime, instrument=INSTRUMENT)
    link = enrol_link(runtime, "officer-1", "T-MID")
    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 404


def test_the_published_keys_are_the_same_for_everyone(
        runtime: Runtime, org: list[OrgRow], client: TestClient[Any]) -> None:
    round_id, _ = open_round_with_codes(runtime, instrument=INSTRUMENT)
    client.get(enrol_link(runtime, "officer-1", "T-MID"))
    client.get(f"/s/token/{round_id}/get")  # makes the team's key
    enrolled = client.get("/s/token/keys").json()
    client.cookies.clear()
    anonymous = client.get("/s/token/keys").json()
    assert enrolled == anonymous
    [entry] = anonymous["keys"]
    assert (entry["round"], entry["team"]) == (round_id, "T-MID")
    page = client.get(f"/s/token/answer/{round_id}/T-MID")
    assert entry["fingerprint"] in page.text


def test_the_answer_page_without_javascript_explains_and_offers_the_card_route(
        runtime: Runtime, org: list[OrgRow], client: TestClient[Any]) -> None:
    round_id, _ = open_round_with_codes(runtime, instrument=INSTRUMENT)
    page = client.get(f"/s/token/answer/{round_id}/T-MID")
    assert page.status_code == 200
    noscript = page.text.split("<noscript>")[1].split("</noscript>")[0]
    assert 'href="/s/"' in noscript and "JavaScript" in noscript
    assert 'id="token-form"' in page.text and "hidden>" in page.text.split('id="token-form"')[1]


def test_issuing_and_answering_log_nothing_about_the_officer_or_the_token(
        runtime: Runtime, org: list[OrgRow], client: TestClient[Any],
        caplog: pytest.LogCaptureFixture) -> None:
    round_id, _ = open_round_with_codes(runtime, instrument=INSTRUMENT)
    link = enrol_link(runtime, "officer-4711", "T-MID")
    with caplog.at_level(logging.DEBUG):
        client.get(link)
        fetched = fetch_token(client, round_id, "T-MID")
        assert fetched.token
        answer(client, round_id, "T-MID", fetched.token, _answers())
        answer(client, round_id, "T-MID", fetched.token, _answers())  # a refused replay
    with session_scope(runtime.engine) as db:
        officer = officer_hash(db, runtime.vault, "officer-4711")
    secret = link.rsplit("/", 1)[1]
    ours = [r for r in caplog.records if not r.name.startswith("httpx")]  # the test client's
    for record in ours:
        text = record.getMessage()
        for needle in ("officer-4711", officer, secret, *fetched.token.split(".")):
            assert needle not in text, record.name
