"""The unit page and its chart say which answers are favourable, for items of both directions
(issue 15, item 1): "Werkdruk" and negatively worded statements read the right way round."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from surveys.instrument import load_instrument
from tests.conftest import PERSONAS, ReportWorld, login


@pytest.fixture
def client(report_world: ReportWorld) -> Iterator[TestClient[Any]]:
    from web.app import create_app

    with TestClient(app=create_app(runtime=report_world.runtime)) as test_client:
        login(test_client, PERSONAS["alice_team_leader"])
        yield test_client


def _row(html: str, text: str) -> str:
    """The table row whose header cell holds ``text``."""
    match = re.search(r"<tr[^>]*>\s*<th[^>]*>" + re.escape(text) + r"</th>(.*?)</tr>", html, re.S)
    assert match, f"no row for {text!r}"
    return match.group(1)


def test_each_statement_row_names_its_favourable_answers(
        client: TestClient[Any], report_world: ReportWorld) -> None:
    html = client.get(f"/dashboard/{report_world.round_ids[-1]}/T-BIG").text
    thermometer = load_instrument("team-thermometer")
    negative = thermometer.item("wl1").prompt("nl")
    positive = thermometer.item("ps1").prompt("nl")
    assert "(helemaal) oneens" in _row(html, negative)
    assert "lager gemiddelde is gunstiger" in _row(html, negative)
    assert "(helemaal) eens" in _row(html, positive)
    assert "lager gemiddelde" not in _row(html, positive)
    assert "Verandering (+ is gunstiger)" in html


def test_the_statement_chart_legend_says_favourable_not_agree(
        client: TestClient[Any], report_world: ReportWorld) -> None:
    client.cookies.set("lang", "en")
    svg = client.get(f"/dashboard/{report_world.round_ids[-1]}/T-BIG/items.svg").text
    assert "Favourable" in svg and "Unfavourable" in svg
    assert "favourable: (strongly) disagree" in svg.replace("\n", " ")
    html = client.get(f"/dashboard/{report_world.round_ids[-1]}/T-BIG").text
    assert re.search(r"<figcaption>[^<]*% favourable", html)
    assert "% agree" not in html
