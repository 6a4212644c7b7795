"""Attack: look for a hidden team's figures in every output path.

Two rounds differ only in how many people of Team Klein answered (1 or 4, both below k).
Everything a viewer can fetch about Team Klein -- HTML page, JSON API, CSV export, chart SVG,
comments, cut, error messages -- must be the same in both (apart from the round's id and
dates), and neither /schema nor the logs may mention the team's figures.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from litestar.testing import TestClient

from analysis.release import close_and_publish
from sentimeter.db import session_scope
from sentimeter.runtime import Runtime
from tests.conftest import Persona, answer_all, login, open_round_with_codes

OTHERS = {"T-BIG": 14, "T-MID": 11, "T-B2A": 12, "T-E2A": 12}


def _round(runtime: Runtime, small: int) -> int:
    teams = {**OTHERS, "T-SMALL": small}
    round_id, codes = open_round_with_codes(runtime, codes_per_team=dict.fromkeys(teams, 20))
    answer_all(runtime, {t: codes[t] for t in OTHERS}, "team-thermometer", OTHERS, seed=7)
    answer_all(runtime, {"T-SMALL": codes["T-SMALL"]}, "team-thermometer", {"T-SMALL": small},
               seed=small, comment="Te veel overuren")
    with session_scope(runtime.engine) as session:
        close_and_publish(session, runtime.vault, round_id)
    return round_id


def _normal(text: str, round_id: int) -> str:
    text = re.sub(rf"/{round_id}(?=[/\"'?&])", "/ROUND", text)
    text = re.sub(rf'"(id|round_id)": ?{round_id}\b', r'"\1":ROUND', text)
    text = re.sub(rf"\b(round|ronde|Round|Ronde) {round_id}\b", r"\1 ROUND", text)
    text = re.sub(rf"(?m)^([^,;\r\n]*)([,;]){round_id}\2", r"\1\2ROUND\2", text)  # CSV round
    text = re.sub(r"\d{4}-\d\d-\d\d[T ][0-9:.+]*", "WHEN", text)
    text = re.sub(r'name="_csrf_token" value="[^"]*"', "CSRF", text)
    return re.sub(r"\d{1,2} \w+ \d{4}", "DATE", text)


def _paths(round_id: int) -> list[str]:
    base = f"/dashboard/{round_id}/T-SMALL"
    return [base, f"{base}/export.csv", f"{base}/items.svg", f"{base}/comments",
            f"/api/v1/reports/{round_id}/T-SMALL", f"/api/v1/cuts/{round_id}/T-SMALL?item=minority",
            f"/api/v1/reports/{round_id}/NOPE", f"/api/v1/cuts/{round_id}/T-SMALL?item=none"]


@pytest.mark.parametrize("who", ["tom_small_team_leader", "bea_basisteam_leader", "bob_analyst"])
def test_no_output_path_carries_a_hidden_teams_figures(
        client: TestClient[Any], runtime: Runtime, personas: dict[str, Persona], who: str,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    one, four = _round(runtime, 1), _round(runtime, 4)
    login(client, personas[who])
    for path_one, path_four in zip(_paths(one), _paths(four), strict=True):
        a, b = client.get(path_one), client.get(path_four)
        assert a.status_code == b.status_code, path_one
        assert _normal(a.text, one) == _normal(b.text, four), path_one
    report = client.get(f"/api/v1/reports/{four}/T-SMALL").json()
    assert report["responses"] is None and report["items"] == []
    schema = client.get("/schema/openapi.json").text
    assert "T-SMALL" not in schema and "Team Klein" not in schema
    logged = [r.getMessage() for r in caplog.records if r.name != "httpx"]
    assert not [m for m in logged if "T-SMALL" in m or "overuren" in m]
