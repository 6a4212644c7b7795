"""Leaders and the programme team in a real browser: charts and tables render, have text
alternatives, pass axe and fit a narrow screen."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import (
    Seeded,
    assert_fits_width,
    assert_no_axe_violations,
    login,
    screenshot,
)
from tests.conftest import PERSONAS

CHART_OK = "img => img.complete && img.naturalWidth > 0"


def assert_charts_render_with_text(page: Any) -> int:
    charts = page.locator("main img")
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        page.wait_for_function(CHART_OK, arg=chart.element_handle())
        assert (chart.get_attribute("alt") or "").strip(), "a chart without a text alternative"
    return int(charts.count())


def test_a_team_leader_sees_charts_and_tables_of_the_team(seeded: Seeded, desktop: Any) -> None:
    page = desktop
    base = seeded.server.url
    login(page, base, PERSONAS["alice_team_leader"].email)
    page.goto(base + "/dashboard")
    assert_no_axe_violations(page)
    page.goto(f"{base}/dashboard/{seeded.closed_round}/T-BIG")
    assert page.locator("h1").inner_text() == "Team Groot"
    assert page.locator("main table").count() >= 2
    assert page.locator("main table tbody tr").count() >= 5
    assert assert_charts_render_with_text(page) >= 1
    assert_no_axe_violations(page)
    screenshot(page, "team-page.png")
    page.set_viewport_size({"width": 320, "height": 700})
    assert_fits_width(page)


def test_an_analyst_opens_the_comparison_heatmap(seeded: Seeded, desktop: Any) -> None:
    page = desktop
    base = seeded.server.url
    login(page, base, PERSONAS["bob_analyst"].email)
    page.goto(f"{base}/compare?round={seeded.closed_round}")
    assert page.locator("h1").count() == 1
    assert assert_charts_render_with_text(page) >= 1
    assert page.locator("main table").count() >= 1
    assert_no_axe_violations(page)
    screenshot(page, "compare-page.png")
    page.set_viewport_size({"width": 320, "height": 700})
    assert_fits_width(page)
