"""Issue #11: an administrator alone tries to read one officer's answers through the web.

The attack of the issue, step by step: (1) watch the live used count until a team has
exactly one answer; (2) print extra cards for that team; (3) answer them and close the
round; (4) give itself an analyst account; (5) read the team's figures and subtract the
known answers. The first test runs the steps in order and asserts which one is refused
first; the others show that every later step is refused on its own as well.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.testing import TestClient
from sqlmodel import select

from sentimeter.db import session_scope
from sentimeter.models import Unit, User
from sentimeter.runtime import Runtime
from tests.conftest import (
    Persona,
    answer_all,
    csrf_headers,
    login,
    open_round_with_codes,
)

TEAM = "T-MID"


def _setup(runtime: Runtime) -> tuple[int, dict[str, list[str]]]:
    """Every officer of the team got a card; exactly one has answered."""
    with session_scope(runtime.engine) as db:
        unit = db.get(Unit, TEAM)
        assert unit is not None
        people = unit.headcount
    round_id, codes = open_round_with_codes(runtime, codes_per_team={TEAM: people})
    answer_all(runtime, codes, "team-thermometer", {TEAM: 1})
    return round_id, codes


def _sees_live_used_count(client: TestClient[Any], round_id: int) -> bool:
    page = client.get(f"/admin/rounds/{round_id}")
    api = client.get(f"/api/v1/admin/rounds/{round_id}/participation")
    assert page.status_code == 200 and api.status_code == 200
    row = next(u for u in api.json()["units"] if u["unit"] == TEAM)
    return "used" in row or row["responses"] is not None or row["participation_band"] is not None


def _prints_extra_cards(client: TestClient[Any], round_id: int) -> bool:
    response = client.post(f"/admin/rounds/{round_id}/cards",
                           data={"unit": TEAM, "count": "4"}, headers=csrf_headers(client))
    return response.status_code == 200 and response.headers["content-type"].startswith(
        "application/pdf")


def _gives_itself_an_analyst_account(client: TestClient[Any], runtime: Runtime,
                                     admin: Persona) -> bool:
    alias = admin.email.replace("@", "+analyst@")
    for email in (admin.email, alias):
        client.post("/admin/accounts", data={"email": email, "role": "analyst", "unit": "NP"},
                    headers=csrf_headers(client))
    with session_scope(runtime.engine) as db:
        roles = {u.email: u.role for u in db.exec(select(User))}
    return roles.get(admin.email) == "analyst" or roles.get(alias) == "analyst"


def _reads_figures(client: TestClient[Any], round_id: int) -> bool:
    client.post(f"/admin/rounds/{round_id}/close", headers=csrf_headers(client))
    return client.get(f"/api/v1/reports/{round_id}/{TEAM}").status_code == 200


def test_the_admin_alone_attack_is_refused_at_its_first_step(
        runtime: Runtime, client: TestClient[Any], personas: dict[str, Persona]) -> None:
    round_id, _ = _setup(runtime)
    admin = personas["ada_admin"]
    login(client, admin)
    steps: list[tuple[str, Callable[[], bool]]] = [
        ("watch the live used count", lambda: _sees_live_used_count(client, round_id)),
        ("print cards beyond the headcount", lambda: _prints_extra_cards(client, round_id)),
        ("give itself an analyst account",
         lambda: _gives_itself_an_analyst_account(client, runtime, admin)),
        ("read the team's figures", lambda: _reads_figures(client, round_id)),
    ]
    refused_at = next((name for name, step in steps if not step()), None)
    assert refused_at == "watch the live used count"


def test_extra_cards_beyond_the_headcount_are_refused_with_409(
        runtime: Runtime, client: TestClient[Any], personas: dict[str, Persona]) -> None:
    round_id, _ = _setup(runtime)
    login(client, personas["ada_admin"])
    response = client.post(f"/admin/rounds/{round_id}/cards", data={"unit": TEAM, "count": "4"},
                           headers=csrf_headers(client))
    assert response.status_code == 409
    assert "Geweigerd" in response.text
    assert not _prints_extra_cards(client, round_id)


def test_the_administrator_gets_no_analyst_account_and_sees_no_figures(
        runtime: Runtime, client: TestClient[Any], personas: dict[str, Persona]) -> None:
    round_id, _ = _setup(runtime)
    admin = personas["ada_admin"]
    login(client, admin)
    assert not _gives_itself_an_analyst_account(client, runtime, admin)
    assert not _reads_figures(client, round_id)
