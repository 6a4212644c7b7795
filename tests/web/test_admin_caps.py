"""The cap on codes in the web, the API and the CLI; four-eyes in the web and the API;
no live used counts anywhere while a round is open."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import select

from sentimeter.accounts import create_user
from sentimeter.db import session_scope
from sentimeter.models import AuditEvent, Unit, User
from sentimeter.runtime import Runtime
from tests.conftest import (
    PASSWORD,
    Persona,
    answer_all,
    csrf_headers,
    login,
    open_round_with_codes,
)

TEAM = "T-MID"


def _people(runtime: Runtime) -> int:
    with session_scope(runtime.engine) as db:
        unit = db.get(Unit, TEAM)
        assert unit is not None
        return unit.headcount


@pytest.fixture
def full_team(runtime: Runtime, personas: dict[str, Persona]) -> int:
    round_id, codes = open_round_with_codes(runtime, codes_per_team={TEAM: _people(runtime)})
    answer_all(runtime, codes, "team-thermometer", {TEAM: 1})
    return round_id


def test_the_web_refuses_cards_beyond_the_cap_in_dutch_and_english(
        runtime: Runtime, client: TestClient[Any], personas: dict[str, Persona],
        full_team: int) -> None:
    login(client, personas["ada_admin"])
    refused = client.post(f"/admin/rounds/{full_team}/cards", data={"unit": TEAM, "count": "1"},
                          headers=csrf_headers(client))
    assert refused.status_code == 409 and f"heeft {_people(runtime)} mensen" in refused.text
    english = client.post(f"/admin/rounds/{full_team}/cards",
                          data={"unit": TEAM, "count": "1"},
                          headers={**csrf_headers(client), "accept-language": "en"})
    assert english.status_code == 409 and f"has {_people(runtime)} people" in english.text


def test_the_api_refuses_codes_beyond_the_cap_with_409(
        runtime: Runtime, client: TestClient[Any], personas: dict[str, Persona]) -> None:
    round_id, _ = open_round_with_codes(runtime)
    login(client, personas["ada_admin"])
    url = f"/api/v1/admin/rounds/{round_id}/codes"
    ok = client.post(url, json={"unit": TEAM, "count": _people(runtime)},
                     headers=csrf_headers(client))
    assert ok.status_code == 201 and len(ok.json()["codes"]) == _people(runtime)
    refused = client.post(url, json={"unit": TEAM, "count": 1}, headers=csrf_headers(client))
    assert refused.status_code == 409
    base_team = client.post(url, json={"unit": "E1-D1-B1", "count": 1},
                            headers=csrf_headers(client))
    assert base_team.status_code == 400 and "not a team" in base_team.json()["detail"]


def test_the_cli_refuses_codes_beyond_the_cap(
        runtime: Runtime, org: object, cli: Any) -> None:
    round_id, _ = open_round_with_codes(runtime)
    people = str(_people(runtime))
    assert cli("codes", "issue", str(round_id), "--unit", TEAM, "--count", people).exit_code == 0
    refused = cli("codes", "issue", str(round_id), "--unit", TEAM, "--count", "1")
    assert refused.exit_code == 2 and "Refused" in refused.output
    with session_scope(runtime.engine) as db:
        issues = db.exec(select(AuditEvent).where(AuditEvent.action == "codes.issue")).all()
    assert len(issues) == 1 and issues[0].actor.startswith("cli:")


def test_no_used_count_leaves_the_cli_or_the_api_while_open(
        runtime: Runtime, client: TestClient[Any], personas: dict[str, Persona], cli: Any,
        full_team: int) -> None:
    rows = json.loads(cli("codes", "counts", str(full_team), "--json").output)
    team = next(r for r in rows if r["unit"] == TEAM)
    assert "used" not in team and team["responses"] is None and team["participation_band"] is None
    assert team["issued"] == team["cap"] == _people(runtime)
    login(client, personas["ada_admin"])
    api = client.get(f"/api/v1/admin/rounds/{full_team}/participation").json()
    assert all("used" not in u and u["responses"] is None for u in api["units"])


def test_four_eyes_in_the_api_is_recorded_in_the_audit_log(
        runtime: Runtime, client: TestClient[Any], personas: dict[str, Persona]) -> None:
    with session_scope(runtime.engine) as db:
        create_user(db, email="bram@politie.test", role="admin", unit_code="NP",
                    password=PASSWORD)
    ada = personas["ada_admin"]
    login(client, ada)
    asked = client.post("/api/v1/admin/accounts",
                        json={"email": "kim@politie.test", "role": "team_leader",
                              "unit": "T-BIG"}, headers=csrf_headers(client))
    assert asked.status_code == 202
    own = client.post(f"/api/v1/admin/approvals/{asked.json()['id']}",
                      json={"decision": "approve"}, headers=csrf_headers(client))
    assert own.status_code == 409
    login(client, Persona("bram@politie.test", "admin", "NP"))
    approved = client.post(f"/api/v1/admin/approvals/{asked.json()['id']}",
                           json={"decision": "approve"}, headers=csrf_headers(client))
    assert approved.status_code == 200 and approved.json()["decided_by"] == "bram@politie.test"
    with session_scope(runtime.engine) as db:
        assert db.exec(select(User).where(User.email == "kim@politie.test")).one().role \
            == "team_leader"
        log = [(e.actor, e.action) for e in db.exec(select(AuditEvent))]
    assert (ada.email, "approval.request") in log
    assert ("bram@politie.test", "approval.approved") in log


def test_four_eyes_in_the_web_pages(
        runtime: Runtime, client: TestClient[Any], personas: dict[str, Persona]) -> None:
    with session_scope(runtime.engine) as db:
        create_user(db, email="bram@politie.test", role="admin", unit_code="NP",
                    password=PASSWORD)
    login(client, personas["ada_admin"])
    client.post("/admin/accounts", data={"email": "kim@politie.test", "role": "analyst",
                                         "unit": "NP"}, headers=csrf_headers(client))
    overview = client.get("/admin")
    assert "kim@politie.test" in overview.text and "/approve" not in overview.text
    login(client, Persona("bram@politie.test", "admin", "NP"))
    page = client.get("/admin").text
    assert "/approve" in page
    approval_id = page.split("/admin/approvals/")[1].split("/")[0]
    done = client.post(f"/admin/approvals/{approval_id}/approve", headers=csrf_headers(client),
                       follow_redirects=False)
    assert done.status_code == 303
    with session_scope(runtime.engine) as db:
        assert db.exec(select(User).where(User.email == "kim@politie.test")).one().role \
            == "analyst"
