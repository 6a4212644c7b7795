"""/compare and its JSON API: who may compare what, and suppressed cells in every format."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import PERSONAS, ReportWorld, login


@pytest.fixture
def client(report_world: ReportWorld) -> Iterator[TestClient[Any]]:
    from web.app import create_app

    with TestClient(app=create_app(runtime=report_world.runtime)) as test_client:
        yield test_client


@pytest.fixture
def latest(report_world: ReportWorld) -> int:
    return report_world.round_ids[-1]


@pytest.mark.parametrize("path", ["/compare", "/compare/{r}/heatmap.svg",
                                  "/compare/{r}/export.csv", "/api/v1/compare/{r}"])
def test_team_leaders_may_not_compare(client: TestClient[Any], latest: int, path: str) -> None:
    login(client, PERSONAS["alice_team_leader"])
    assert client.get(path.format(r=latest)).status_code == 403


def test_the_api_gives_analysts_the_whole_force_with_the_agreed_fields(
        client: TestClient[Any], latest: int) -> None:
    login(client, PERSONAS["bob_analyst"])
    body = client.get(f"/api/v1/compare/{latest}?level=eenheid").json()
    assert {r["unit"] for r in body["rows"]} == {"E1", "E2"}
    for row in body["rows"]:
        assert {"unit", "scale", "responses", "mean", "favourable", "suppressed",
                "reason"} <= set(row)


def test_the_api_gives_suppressed_rows_no_figures(client: TestClient[Any], latest: int) -> None:
    login(client, PERSONAS["bob_analyst"])
    rows = client.get(f"/api/v1/compare/{latest}?level=team").json()["rows"]
    hidden = [r for r in rows if r["suppressed"]]
    assert {r["unit"] for r in hidden} >= {"T-MID", "T-SMALL"}
    assert all(r["responses"] is None and r["mean"] is None and r["favourable"] is None
               and r["reason"] for r in hidden)


def test_a_unit_leader_compares_only_inside_the_subtree(
        client: TestClient[Any], latest: int) -> None:
    login(client, PERSONAS["dave_district_leader"])
    teams = client.get(f"/api/v1/compare/{latest}?level=team").json()["rows"]
    assert {r["unit"] for r in teams} == {"T-BIG", "T-MID", "T-SMALL", "T-TINY", "T-B2A",
                                          "T-B2B"}
    assert client.get(f"/api/v1/compare/{latest}?level=eenheid").json()["rows"] == []
    page = client.get(f"/compare?round={latest}&level=basisteam").text
    assert "Basisteam Een" in page and "Basisteam Drie" not in page


def test_the_page_has_the_heatmap_the_trend_and_marks_hidden_cells(
        client: TestClient[Any], latest: int) -> None:
    login(client, PERSONAS["bob_analyst"])
    client.cookies.set("lang", "en")
    page = client.get(f"/compare?round={latest}&level=team&sort=psych_safety&dir=desc")
    assert page.status_code == 200
    text = page.text
    assert f"/compare/{latest}/heatmap.svg?level=team" in text
    assert f"/compare/{latest}/trend.svg?level=team" in text
    row = text[text.index("Team Middel"):]
    assert "not shown" in row[:row.index("</tr>")]
    assert "<script" not in text and "style=" not in text


def test_the_heatmap_svg_shows_suppressed_cells_as_such(
        client: TestClient[Any], latest: int) -> None:
    login(client, PERSONAS["bob_analyst"])
    client.cookies.set("lang", "en")
    svg = client.get(f"/compare/{latest}/heatmap.svg?level=team")
    assert svg.status_code == 200 and "too few answers" in svg.text
    png = client.get(f"/compare/{latest}/trend.png?level=eenheid&download=true")
    assert png.content.startswith(b"\x89PNG")


def test_the_comparison_csv_keeps_hidden_cells_empty(client: TestClient[Any],
                                                     latest: int) -> None:
    login(client, PERSONAS["bob_analyst"])
    text = client.get(f"/compare/{latest}/export.csv?level=team").text
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    hidden = [r for r in rows if r["eenheid"] == "T-MID"]
    assert hidden and all(r["score_0_100_hoger_is_gunstiger"] == r["antwoorden"] == ""
                          and r["reden"] and r["niet_getoond"] == "ja" for r in hidden)


def test_an_unknown_level_is_refused(client: TestClient[Any], latest: int) -> None:
    login(client, PERSONAS["bob_analyst"])
    assert client.get(f"/compare/{latest}/heatmap.svg?level=nope").status_code == 404
    assert client.get(f"/api/v1/compare/{latest}?level=nope").status_code == 400


def test_only_analysts_see_the_cuts_and_small_cuts_are_not_shown(
        client: TestClient[Any], latest: int) -> None:
    login(client, PERSONAS["bob_analyst"])
    client.cookies.set("lang", "en")
    text = client.get(f"/compare?round={latest}&level=eenheid").text
    cuts = text[text.index("Cuts (opgaveteam only)"):]
    assert "Eenheid Twee" in cuts and "not shown" in cuts  # 16 answers: no side reaches 10
    login(client, PERSONAS["dave_district_leader"])
    client.cookies.set("lang", "en")
    assert "Cuts (opgaveteam only)" not in client.get(f"/compare?round={latest}").text
