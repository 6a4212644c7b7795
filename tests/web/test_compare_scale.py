"""/compare narrows a large comparison: drill-down, search, top N, and a heatmap of the same
rows (issue 15, item 4)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import PERSONAS, ReportWorld, login


@pytest.fixture
def client(report_world: ReportWorld) -> Iterator[TestClient[Any]]:
    from web.app import create_app

    with TestClient(app=create_app(runtime=report_world.runtime)) as test_client:
        login(test_client, PERSONAS["bob_analyst"])
        test_client.cookies.set("lang", "en")
        yield test_client


def body_rows(html: str) -> str:
    return html[html.index("<tbody"):html.index("</tbody>")]


def test_drilling_into_a_unit_shows_only_its_teams(client: TestClient[Any],
                                                   report_world: ReportWorld) -> None:
    r = report_world.round_ids[-1]
    html = client.get(f"/compare?round={r}&level=team&within=E2").text
    rows = body_rows(html)
    assert "Team E2 A" in rows and "Team E2 B" in rows and "Team Groot" not in rows
    assert re.search(r"2 of \d+ units match your choice", html)
    assert 'value="E2" selected' in html


def test_search_narrows_the_table_and_the_heatmap_draws_the_same_rows(
        client: TestClient[Any], report_world: ReportWorld) -> None:
    r = report_world.round_ids[-1]
    html = client.get(f"/compare?round={r}&level=team&q=groot").text
    assert "Team Groot" in body_rows(html) and "Team B2 A" not in body_rows(html)
    svg = client.get(f"/compare/{r}/heatmap.svg?level=team&q=groot").text
    assert "Team Groot" in svg and "Team B2 A" not in svg


def test_top_n_lists_only_shown_units_highest_first(client: TestClient[Any],
                                                   report_world: ReportWorld) -> None:
    r = report_world.round_ids[-1]
    html = client.get(f"/compare?round={r}&level=team&sort=psych_safety&show=top&n=10").text
    rows = body_rows(html)
    assert "Team Middel" not in rows and "Team Klein" not in rows  # hidden units never rank


def test_a_drill_down_outside_the_viewers_scope_is_ignored(
        report_world: ReportWorld) -> None:
    from web.app import create_app

    with TestClient(app=create_app(runtime=report_world.runtime)) as client:
        login(client, PERSONAS["bea_basisteam_leader"])
        r = report_world.round_ids[-1]
        html = client.get(f"/compare?round={r}&level=team&within=E2").text
        assert "Team E2 A" not in html and "Team Groot" in html
