"""The roster and key commands, and the demo officer's personal-token link."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from sentimeter.db import session_scope
from sentimeter.runtime import Runtime
from surveys.org import OrgRow
from tests.conftest import open_round_with_codes, random_answers
from tests.tokens.conftest import answer, fetch_token
from web.demo_tokens import DEMO_TEAM, add_token_team, token_link_lines


def test_the_roster_command_prints_one_working_enrolment_link_per_officer(
        runtime: Runtime, org: list[OrgRow], cli: Any, client: TestClient[Any],
        tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("officer,team\nA123,T-MID\nB456,T-BIG\n", encoding="utf-8")
    result = cli("tokens", "roster", str(roster), "--json")
    assert result.exit_code == 0, result.output
    links = json.loads(result.stdout)
    assert [row["officer"] for row in links] == ["A123", "B456"]
    path = links[0]["link"].split("testserver", 1)[1]
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 404


def test_the_roster_command_refuses_an_unknown_team(
        runtime: Runtime, org: list[OrgRow], cli: Any, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("A123,NO-SUCH-TEAM\n", encoding="utf-8")
    result = cli("tokens", "roster", str(roster))
    assert result.exit_code != 0 and "NO-SUCH-TEAM" in result.output


def test_the_keys_command_makes_a_key_for_every_team_of_the_round(
        runtime: Runtime, org: list[OrgRow], cli: Any) -> None:
    round_id, _ = open_round_with_codes(runtime, instrument="sentimeter", unit="E1-D1-B2")
    result = cli("tokens", "keys", str(round_id), "--json")
    assert result.exit_code == 0, result.output
    keys = json.loads(result.stdout)
    assert sorted(k["team"] for k in keys) == ["T-B2A", "T-B2B"]
    assert len({k["fingerprint"] for k in keys}) == 2


def test_the_demo_link_lets_the_demo_officer_answer_by_personal_token(
        runtime: Runtime, org: list[OrgRow], client: TestClient[Any]) -> None:
    with session_scope(runtime.engine) as db:
        assert add_token_team(db) == DEMO_TEAM  # seeded before the demo's rounds open
    round_id, _ = open_round_with_codes(runtime, instrument="sentimeter")
    with session_scope(runtime.engine) as db:
        lines = token_link_lines(db, runtime, "http://testserver")
    link = lines[-1].strip()
    assert client.get(link.removeprefix("http://testserver")).status_code == 200
    fetched = fetch_token(client, round_id, DEMO_TEAM)
    assert fetched.token
    answers = random_answers("sentimeter", random.Random(1))
    assert answer(client, round_id, DEMO_TEAM, fetched.token, answers).status_code == 303
