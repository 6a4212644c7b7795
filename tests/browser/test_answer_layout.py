"""The answer page feels like one minute (issue 15, item 9).

Target, measured at 360 x 740 (a common Android phone) in Chromium: the whole Sentimeter
answer page, protection statement and comment field included, is at most 2,400 px tall,
about three screens (it was 3,886 px, over five; measured now: about 2,370 px). The 0-10
control is one row from 320 px, the five agree options one row from 360 px, progress is
shown, and it all works without JavaScript.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PHONE, Seeded, assert_fits_width, assert_no_axe_violations

HEIGHT_TARGET = 2400  # px at 360 px wide


@pytest.fixture(scope="module")
def answer_url(seeded: Seeded) -> str:
    """One unused code for this module: looking at the page does not use it up (the
    session has few codes: a team never gets more codes than people)."""
    return f"{seeded.server.url}/s/{seeded.code()}"


def _height(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollHeight"))


def _row_tops(page: Any, name: str) -> set[int]:
    boxes = page.locator(f".sm-opts:has(input[name={name}]) label")
    return {round(boxes.nth(i).bounding_box()["y"]) for i in range(boxes.count())}


def test_the_answer_page_is_at_most_three_phone_screens(answer_url: str, phone: Any) -> None:
    phone.goto(answer_url)
    height = _height(phone)
    print(f"answer page height at 360 px: {height} px (target {HEIGHT_TARGET})")
    assert height <= HEIGHT_TARGET
    assert_fits_width(phone)


def test_the_0_to_10_scale_is_one_row_at_320_px(answer_url: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="nl-NL")
    page = context.new_page()
    page.goto(answer_url)
    assert len(_row_tops(page, "mood")) == 1
    label = page.locator(".sm-opts:has(input[name=mood]) label").first.bounding_box()
    assert label["width"] >= 24 and label["height"] >= 44  # WCAG 2.5.8 target size
    assert_fits_width(page)
    assert_no_axe_violations(page)
    context.close()


def test_the_agree_options_are_one_row_on_a_phone(answer_url: str, phone: Any) -> None:
    phone.goto(answer_url)
    for name in ("speak", "belong", "respect", "help", "load"):
        assert len(_row_tops(phone, name)) == 1, name
    assert_no_axe_violations(phone)


def test_progress_is_shown_and_follows_the_answers(answer_url: str, phone: Any) -> None:
    phone.goto(answer_url)
    progress = phone.locator("#progress-text")
    assert progress.inner_text() == "0 van 7 beantwoord"
    phone.locator("label:has(input[name=mood][value='8'])").tap()
    phone.locator("label:has(input[name=load][value='2'])").tap()
    phone.locator("label:has(input[name=mood][value='6'])").tap()  # a changed answer counts once
    assert progress.inner_text() == "2 van 7 beantwoord"
    assert phone.locator("#progress-bar").evaluate("bar => bar.value") == 2


def test_without_javascript_the_page_says_how_long_it_is(answer_url: str, browser: Any) -> None:
    context = browser.new_context(**PHONE, locale="nl-NL", java_script_enabled=False)
    page = context.new_page()
    page.goto(answer_url)
    assert page.locator("#progress-text").inner_text() == "7 vragen, ongeveer een minuut"
    assert not page.locator("#progress-bar").is_visible()
    assert _height(page) <= HEIGHT_TARGET
    context.close()
