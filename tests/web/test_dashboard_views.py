"""The leaders' pages: scope, suppressed figures shown as such, exports and the audit trail."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import select

from analysis.starters import leader_guide
from sentimeter.db import session_scope
from sentimeter.models import AuditEvent
from tests.conftest import PERSONAS, ReportWorld, login


@pytest.fixture
def client(report_world: ReportWorld) -> Iterator[TestClient[Any]]:
    from web.app import create_app

    with TestClient(app=create_app(runtime=report_world.runtime)) as test_client:
        yield test_client


@pytest.fixture
def latest(report_world: ReportWorld) -> int:
    return report_world.round_ids[-1]


def events(world: ReportWorld, actor: str, action: str) -> list[AuditEvent]:
    with session_scope(world.runtime.engine) as db:
        return list(db.exec(select(AuditEvent).where(AuditEvent.actor == actor)
                            .where(AuditEvent.action == action)))


def test_a_team_leader_sees_scores_trend_starters_and_benchmarks(
        client: TestClient[Any], latest: int) -> None:
    login(client, PERSONAS["alice_team_leader"])
    client.cookies.set("lang", "en")
    page = client.get(f"/dashboard/{latest}/T-BIG")
    assert page.status_code == 200
    text = page.text
    assert "Team Groot" in text and "Basisteam Een" in text and "Nationale Politie" in text
    assert f"/dashboard/{latest}/T-BIG/trend.svg" in text
    assert f"/dashboard/{latest}/T-BIG/items.svg" in text
    assert leader_guide("en")[0] in text
    assert "<script" not in text and "style=" not in text


@pytest.mark.parametrize("path", ["", "/items.svg", "/trend.png", "/export.csv", "/handout",
                                  "/units"])
def test_a_team_leader_never_sees_another_teams_figures(
        client: TestClient[Any], latest: int, path: str) -> None:
    login(client, PERSONAS["alice_team_leader"])
    assert client.get(f"/dashboard/{latest}/T-B2A{path}").status_code == 403


def test_a_team_leader_gets_no_table_of_units(client: TestClient[Any], latest: int) -> None:
    login(client, PERSONAS["alice_team_leader"])
    assert client.get(f"/dashboard/{latest}/T-BIG/units").status_code == 403


def test_a_unit_leader_cannot_open_a_unit_outside_the_subtree(
        client: TestClient[Any], latest: int) -> None:
    login(client, PERSONAS["bea_basisteam_leader"])
    assert client.get(f"/dashboard/{latest}/E1-D1-B2").status_code == 403
    assert client.get(f"/dashboard/{latest}/E1-D1/units").status_code == 403


def test_the_children_table_shows_hidden_teams_as_not_shown(
        client: TestClient[Any], latest: int) -> None:
    login(client, PERSONAS["bea_basisteam_leader"])
    client.cookies.set("lang", "en")
    text = client.get(f"/dashboard/{latest}/E1-D1-B1").text
    row = text[text.index("Team Middel"):]
    row = row[:row.index("</tr>")]
    assert "not shown" in row and "sm-num" not in row


def test_the_units_table_sorts_on_the_server_with_hidden_values_last(
        client: TestClient[Any], latest: int) -> None:
    login(client, PERSONAS["dave_district_leader"])
    text = client.get(f"/dashboard/{latest}/E1-D1/units?sort=responses&dir=desc").text
    order = [name for name in ("District Een", "Basisteam Een", "Team Groot", "Team Middel")
             if name in text]
    assert order == ["District Een", "Basisteam Een", "Team Groot", "Team Middel"]
    last_shown = max(text.index(name) for name in ("Team Groot", "Basisteam Twee", "Team B2 A"))
    assert last_shown < min(text.index("Team Middel"), text.index("Team Klein"))
    assert 'aria-sort="descending"' in text


def test_the_csv_export_keeps_hidden_cells_empty_and_is_audited(
        client: TestClient[Any], latest: int, report_world: ReportWorld) -> None:
    login(client, PERSONAS["bea_basisteam_leader"])
    response = client.get(f"/dashboard/{latest}/T-MID/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv; charset=utf-8")
    assert response.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(response.text[1:]), delimiter=";"))
    assert len(rows) == 1
    reason = rows[0].pop("reden")
    assert rows == [{"eenheid": "T-MID", "ronde": str(latest), "soort": "eenheid",
                     "id": "T-MID", "tekst": "Team Middel", "antwoorden": "", "gemiddelde": "",
                     "aandeel_gunstig_pct": "", "score_0_100_hoger_is_gunstiger": "",
                     "niet_getoond": "ja"}]
    assert "afgeleid" in reason
    assert events(report_world, PERSONAS["bea_basisteam_leader"].email, "export.csv")


def test_a_hidden_unit_has_no_chart(client: TestClient[Any], latest: int) -> None:
    login(client, PERSONAS["bea_basisteam_leader"])
    assert client.get(f"/dashboard/{latest}/T-MID/items.svg").status_code == 404
    assert client.get(f"/dashboard/{latest}/T-MID/trend.svg").status_code == 404


def test_charts_come_as_svg_and_png_and_downloads_are_audited(
        client: TestClient[Any], latest: int, report_world: ReportWorld) -> None:
    login(client, PERSONAS["alice_team_leader"])
    svg = client.get(f"/dashboard/{latest}/T-BIG/trend.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    png = client.get(f"/dashboard/{latest}/T-BIG/items.png?download=true")
    assert png.content.startswith(b"\x89PNG")
    assert "attachment" in png.headers["content-disposition"]
    assert events(report_world, PERSONAS["alice_team_leader"].email, "export.png")


def test_opening_a_report_is_audited(client: TestClient[Any], latest: int,
                                     report_world: ReportWorld) -> None:
    login(client, PERSONAS["dave_district_leader"])
    client.get(f"/dashboard/{latest}/E1-D1")
    opened = events(report_world, PERSONAS["dave_district_leader"].email, "report.open")
    assert any(e.target == f"{latest}/E1-D1" for e in opened)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_handout_prints_the_starters_and_the_guide_in_both_languages(
        client: TestClient[Any], latest: int, lang: str) -> None:
    login(client, PERSONAS["alice_team_leader"])
    client.cookies.set("lang", lang)
    text = client.get(f"/dashboard/{latest}/T-BIG/handout").text
    assert "/static/print.css" in text
    assert all(point.replace("'", "&#39;") in text for point in leader_guide(lang))
    assert text.count("<li>") >= 3 + len(leader_guide(lang))
