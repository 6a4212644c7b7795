"""The whole path: an officer answers, the answer is sealed, a leader sees the gated result."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from analysis.release import close_and_publish
from sentimeter.db import session_scope
from sentimeter.runtime import Runtime
from tests.conftest import Persona, answer_all, login, open_round_with_codes


def test_an_answer_flows_from_the_form_to_the_leaders_report(
        client: TestClient[Any], runtime: Runtime, personas: dict[str, Persona]) -> None:
    round_id, codes = open_round_with_codes(
        runtime, codes_per_team={"T-BIG": 11, "T-MID": 7, "T-SMALL": 4})
    page = client.get(f"/s/{codes['T-BIG'][0]}")
    assert page.status_code == 200
    assert "anoniem" in page.text
    posted = client.post(f"/s/{codes['T-BIG'][0]}", data={"ps1": "4", "ps2": "", "comment": ""},
                         follow_redirects=False)
    assert posted.status_code == 303, posted.text
    # Detail from 10: Team Groot 10, and its basisteam minus Team Groot is 10 (7 + 3).
    answer_all(runtime, {"T-BIG": codes["T-BIG"][1:]}, "team-thermometer", {"T-BIG": 9})
    answer_all(runtime, codes, "team-thermometer", {"T-SMALL": 3, "T-MID": 7}, seed=2)
    login(client, personas["alice_team_leader"])
    before = client.get(f"/api/v1/reports/{round_id}/T-BIG").json()
    assert before["released"] is False and before["responses"] is None
    with session_scope(runtime.engine) as session:
        close_and_publish(session, runtime.vault, round_id)
    report = client.get(f"/api/v1/reports/{round_id}/T-BIG").json()
    assert report["suppressed"] is False
    assert report["responses"] == 10
    login(client, personas["tom_small_team_leader"])
    small = client.get(f"/api/v1/reports/{round_id}/T-SMALL")
    body = small.json()
    assert body["suppressed"] is True and body["responses"] is None
    assert body["items"] == [] and body["scales"] == []
    assert client.get(f"/api/v1/reports/{round_id}/T-BIG").status_code == 403
    # T-MID (7) is hidden too: Basisteam Een (20) minus T-BIG (10) minus T-MID (7) would be
    # the 3 answers of Team Klein.
    login(client, personas["bea_basisteam_leader"])
    mid = client.get(f"/api/v1/reports/{round_id}/T-MID").json()
    assert mid["suppressed"] is True and mid["reason"] == "complementary"
    parent = client.get(f"/api/v1/reports/{round_id}/E1-D1-B1").json()
    assert parent["responses"] == 20
