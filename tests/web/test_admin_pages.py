"""Administration pages (issue 15, item 6 and item 2): irreversible round actions are
confirmed first and reported after, a round whose closing time has passed can be neither
created nor opened, dates and states are shown translated, the organisation is browsed and
searched instead of listed whole, and the cards' address is shown before printing."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import TestClient
from sqlmodel import select

from sentimeter.db import session_scope
from sentimeter.models import AccessCode, Round
from sentimeter.runtime import Runtime
from surveys.rounds import create_round
from tests.conftest import SMALL_ORG, Persona, csrf_headers, login, open_round_with_codes

LOCAL = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def admin(client: TestClient[Any], personas: dict[str, Persona]) -> TestClient[Any]:
    login(client, personas["ada_admin"])
    client.cookies.set("lang", "nl")
    return client


def _draft(runtime: Runtime, **kwargs: Any) -> int:
    with session_scope(runtime.engine) as db:
        return create_round(db, instrument="sentimeter", unit_code="NP", name="Proef",
                            **kwargs).id or 0


def _state(runtime: Runtime, round_id: int) -> str:
    with session_scope(runtime.engine) as db:
        found = db.get(Round, round_id)
        assert found is not None
        return found.state


def test_closing_asks_first_and_says_what_will_happen(admin: TestClient[Any],
                                                      runtime: Runtime) -> None:
    round_id, _ = open_round_with_codes(runtime, codes_per_team={"T-BIG": 5})
    asked = admin.post(f"/admin/rounds/{round_id}/close", data={}, headers=csrf_headers(admin))
    assert asked.status_code == 200 and _state(runtime, round_id) == "open"
    assert "ongedaan" in asked.text and 'name="confirm" value="yes"' in asked.text
    assert admin.get(f"/admin/rounds/{round_id}/close").text.count("ongedaan") == 1
    done = admin.post(f"/admin/rounds/{round_id}/close", data={"confirm": "yes"},
                      headers=csrf_headers(admin), follow_redirects=False)
    assert done.status_code == 303 and _state(runtime, round_id) == "closed"
    after = admin.get(done.headers["location"])
    assert 'role="status"' in after.text and "gesloten" in after.text


def test_opening_asks_first_and_confirms_after(admin: TestClient[Any], runtime: Runtime) -> None:
    round_id = _draft(runtime)
    asked = admin.post(f"/admin/rounds/{round_id}/open", data={}, headers=csrf_headers(admin))
    assert asked.status_code == 200 and _state(runtime, round_id) == "draft"
    done = admin.post(f"/admin/rounds/{round_id}/open", data={"confirm": "yes"},
                      headers=csrf_headers(admin), follow_redirects=False)
    assert done.status_code == 303 and _state(runtime, round_id) == "open"
    assert 'role="status"' in admin.get(done.headers["location"]).text


def test_a_round_closing_in_the_past_cannot_be_created(admin: TestClient[Any],
                                                       runtime: Runtime) -> None:
    past = (datetime.now(LOCAL) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    refused = admin.post("/admin/rounds", data={"instrument": "sentimeter", "unit": "NP",
                                                "name": "Te laat", "closes": past},
                         headers=csrf_headers(admin))
    assert refused.status_code == 400 and "al voorbij" in refused.text
    with session_scope(runtime.engine) as db:
        assert db.exec(select(Round).where(Round.name == "Te laat")).first() is None


def test_a_created_round_keeps_its_dates_in_dutch_time(admin: TestClient[Any],
                                                       runtime: Runtime) -> None:
    closes = (datetime.now(LOCAL) + timedelta(days=7)).replace(second=0, microsecond=0)
    created = admin.post("/admin/rounds", data={"instrument": "sentimeter", "unit": "NP",
                                                "name": "Met datum",
                                                "closes": closes.strftime("%Y-%m-%dT%H:%M")},
                         headers=csrf_headers(admin), follow_redirects=False)
    assert created.status_code == 303
    with session_scope(runtime.engine) as db:
        stored = db.exec(select(Round).where(Round.name == "Met datum")).one()
        assert stored.closes_at is not None
        assert stored.closes_at.replace(tzinfo=stored.closes_at.tzinfo or UTC) == closes
    page = admin.get(created.headers["location"]).text
    assert closes.strftime("%H:%M") in page and str(closes.year) in page


def test_a_draft_whose_closing_time_passed_cannot_be_opened(admin: TestClient[Any],
                                                           runtime: Runtime) -> None:
    round_id = _draft(runtime, closes_at=datetime.now(UTC) + timedelta(days=1))
    with session_scope(runtime.engine) as db:
        stored = db.get(Round, round_id)
        assert stored is not None
        stored.closes_at = datetime.now(UTC) - timedelta(minutes=5)  # time went by
        db.add(stored)
    refused = admin.post(f"/admin/rounds/{round_id}/open", data={"confirm": "yes"},
                         headers=csrf_headers(admin))
    assert refused.status_code == 400 and _state(runtime, round_id) == "draft"
    assert "al voorbij" in refused.text


def test_states_and_roles_are_translated(admin: TestClient[Any], runtime: Runtime) -> None:
    _draft(runtime)
    page = admin.get("/admin").text
    table = page[page.index('id="rounds"'):page.index('id="accounts"')]
    assert "Concept" in table and ">draft<" not in table
    accounts = page[page.index('id="accounts"'):page.index('id="organisation"')]
    assert "Beheerder" in accounts and "Teamleider" in accounts
    assert ">team_leader<" not in accounts and ">admin<" not in accounts


def test_the_organisation_is_browsed_not_listed_whole(admin: TestClient[Any]) -> None:
    teams = [code for code, _parent, level, *_ in SMALL_ORG if level == "team"]
    top = admin.get("/admin").text
    organisation = top[top.index('id="organisation"'):]
    assert "Eenheid Een" in organisation and not any(f"({t}," in organisation for t in teams)
    below = admin.get("/admin", params={"unit": "E1-D1-B1"}).text
    assert "(T-BIG," in below and "District Een" in below  # children and the path up
    found = admin.get("/admin", params={"q": "mid"}).text
    assert "Team Middel" in found and "Basisteam Een" in found


def test_the_round_page_shows_the_address_the_cards_will_carry(admin: TestClient[Any],
                                                               runtime: Runtime) -> None:
    round_id = _draft(runtime)
    page = admin.get(f"/admin/rounds/{round_id}").text
    shown = re.search(r'id="card-url">([^<]+)<', page)
    assert shown and shown.group(1) == runtime.settings.base_url + "/s"


@pytest.fixture
def unconfigured(runtime: Runtime, personas: dict[str, Persona]) -> Iterator[TestClient[Any]]:
    from web.app import create_app

    bare = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings,
                                                                     base_url=""))
    with TestClient(app=create_app(runtime=bare)) as client:
        login(client, personas["ada_admin"])
        yield client


def test_without_a_base_url_cards_are_refused_and_no_code_is_spent(
        unconfigured: TestClient[Any], runtime: Runtime) -> None:
    round_id, _ = open_round_with_codes(runtime)
    page = unconfigured.get(f"/admin/rounds/{round_id}").text
    assert "SENTIMETER_BASE_URL" in page and 'id="card-url"' not in page
    refused = unconfigured.post(f"/admin/rounds/{round_id}/cards",
                                data={"unit": "T-BIG", "count": "5"},
                                headers=csrf_headers(unconfigured))
    assert refused.status_code == 400 and "SENTIMETER_BASE_URL" in refused.text
    assert refused.headers["content-type"].startswith("text/html")
    with session_scope(runtime.engine) as db:
        assert db.exec(select(AccessCode).where(AccessCode.round_id == round_id)).first() is None
