"""Leaders' pages on a 1280 px desktop use the width, and no table needs sideways scrolling
(issue 15, item 3); the handout prints on one A4 (item 8, checked by printing to PDF in
Chromium and counting pages)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.browser.conftest import (
    Seeded,
    assert_fits_width,
    assert_no_axe_violations,
    login,
    screenshot,
)
from tests.conftest import PERSONAS

SCROLLERS = """() => [...document.querySelectorAll(
    'main table, main .sm-table-scroll, main .sm-table-wrap, main caption')]
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => e.tagName + ': ' + (e.querySelector('caption') || e).textContent.trim().slice(0, 60))"""


def assert_no_table_scrolls(page: Any) -> None:
    """Every table (and its scroll box and caption) fits its column at this width."""
    wide = page.evaluate(SCROLLERS)
    assert wide == [], f"{page.url}: tables that scroll sideways: {wide}"


PAGES = [
    ("alice_team_leader", "/dashboard/{r}/T-BIG", "desktop-team-page.png"),
    ("bea_basisteam_leader", "/dashboard/{r}/E1-D1-B1", "desktop-unit-leader-page.png"),
    ("dave_district_leader", "/dashboard/{r}/E1-D1/units", "desktop-units-table.png"),
    ("bob_analyst", "/compare?round={r}&level=team", "desktop-compare-teams.png"),
    ("bob_analyst", "/compare?round={r}&level=basisteam", "desktop-compare-base-teams.png"),
]


@pytest.mark.parametrize(("who", "path", "shot"), PAGES)
def test_a_leaders_page_uses_the_desktop_width_without_sideways_scrolling_tables(
        seeded: Seeded, desktop: Any, who: str, path: str, shot: str) -> None:
    page = desktop
    base = seeded.server.url
    login(page, base, PERSONAS[who].email)
    page.goto(base + path.format(r=seeded.closed_round))
    assert page.locator("main table").count() >= 1
    main_width = page.evaluate("document.querySelector('main').clientWidth")
    assert main_width >= 1100, f"the page uses only {main_width}px of 1280"
    assert_fits_width(page)
    assert_no_table_scrolls(page)
    assert_no_axe_violations(page)
    screenshot(page, shot)


def test_the_audit_log_fits_a_desktop(seeded: Seeded, desktop: Any) -> None:
    page = desktop
    base = seeded.server.url
    login(page, base, PERSONAS["ada_admin"].email)
    page.goto(base + "/admin/audit")
    assert_fits_width(page)
    assert_no_table_scrolls(page)


def test_the_handout_prints_on_one_a4_page(seeded: Seeded, desktop: Any) -> None:
    from pypdf import PdfReader

    page = desktop
    base = seeded.server.url
    login(page, base, PERSONAS["alice_team_leader"].email)
    page.goto(f"{base}/dashboard/{seeded.closed_round}/T-BIG/handout")
    assert page.locator("h1").count() == 1
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1, f"the handout prints on {len(reader.pages)} A4 pages"
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
