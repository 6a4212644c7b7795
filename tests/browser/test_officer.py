"""The officer's experience in a real browser: a phone, touch, keyboard, no JavaScript, a
too-long comment and a lost connection; every page checked by axe and for sideways scrolling.
"""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import (
    PHONE,
    Seeded,
    assert_fits_width,
    assert_no_axe_violations,
    screenshot,
)

PAGE_BUDGET = 30 * 1024  # bytes transferred for the whole answer page
# SCRUBBER: the first comment a server process stores loads deduce's lookup tables (20 s of
# CPU, a minute on a busy machine), so these tests type comments but only send them where
# they are refused before scrubbing; tests/surveys/test_scrub.py covers scrubbing itself.


def tap_answers(page: Any, *, skip: str = "belong") -> dict[str, str]:
    """Tap one answer per item except ``skip``; return what was chosen."""
    chosen = {"mood": "7", "speak": "4", "respect": "5", "help": "2", "load": "3"}
    for name, value in chosen.items():
        if name != skip:
            page.locator(f"label:has(input[name={name}][value='{value}'])").tap()
    return {k: v for k, v in chosen.items() if k != skip}


def checked(page: Any) -> dict[str, str]:
    boxes = page.locator("input[type=radio]:checked")
    return {boxes.nth(i).get_attribute("name"): boxes.nth(i).get_attribute("value")
            for i in range(boxes.count())}


def test_an_officer_answers_on_a_phone_by_tapping_and_skips_an_item(
        seeded: Seeded, phone: Any) -> None:
    page = phone
    page.goto(f"{seeded.server.url}/s/{seeded.code()}")
    protection = page.locator("#protection")
    assert protection.inner_text() == "Je antwoorden zijn anoniem"
    first_question = page.locator("fieldset legend").first
    assert protection.bounding_box()["y"] < first_question.bounding_box()["y"]
    assert_no_axe_violations(page)
    assert_fits_width(page)
    given = tap_answers(page)
    assert checked(page) == given
    screenshot(page, "answer-phone.png")
    page.get_by_role("button", name="Antwoorden versturen").tap()
    page.wait_for_url("**/s/done*")
    assert page.locator("h1").inner_text() == "Bedankt voor je antwoorden"
    assert_no_axe_violations(page)
    assert_fits_width(page)
    screenshot(page, "thanks-phone.png")


def test_the_answer_page_is_small_and_loads_nothing_from_another_origin(
        seeded: Seeded, phone: Any) -> None:
    origin = seeded.server.url
    requested: list[str] = []
    phone.on("request", lambda request: requested.append(request.url))
    phone.goto(f"{origin}/s/{seeded.code()}")
    phone.wait_for_load_state("load")
    sizes = phone.evaluate("""() => [
        ...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')
    ].map(e => [e.name, e.transferSize])""")
    total = sum(size for _name, size in sizes)
    print(f"answer page transferred {total} bytes in {len(sizes)} responses: {sizes}")
    assert 0 < total < PAGE_BUDGET
    assert requested and all(url.startswith(origin + "/") for url in requested)
    scripts = phone.locator("script")
    assert all(scripts.nth(i).get_attribute("src", timeout=1000).startswith("/static/")
               and scripts.nth(i).get_attribute("defer") is not None
               for i in range(scripts.count()))


def test_an_officer_answers_with_javascript_disabled(seeded: Seeded, browser: Any) -> None:
    context = browser.new_context(**PHONE, locale="nl-NL", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{seeded.server.url}/s/{seeded.code()}")
    assert page.locator("#protection").is_visible()
    tap_answers(page, skip="speak")
    page.get_by_role("button", name="Antwoorden versturen").tap()
    page.wait_for_url("**/s/done*")
    assert page.locator("h1").inner_text() == "Bedankt voor je antwoorden"
    context.close()


FOCUS_STYLE = """el => {
    const seen = [el, el.closest('label')].filter(Boolean).map(e => getComputedStyle(e));
    return seen.some(s => (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
                          || (s.boxShadow && s.boxShadow !== 'none'));
}"""
DESCRIBE = """el => el.tagName.toLowerCase() + ':' + (el.name || el.id || el.getAttribute('href')
                                                      || el.textContent.trim())"""


def test_every_control_is_reached_by_keyboard_in_order_with_visible_focus(
        seeded: Seeded, desktop: Any) -> None:
    page = desktop
    page.goto(f"{seeded.server.url}/s/{seeded.code()}")
    order: list[str] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        if focused.count() == 0:
            break
        label = focused.evaluate(DESCRIBE)
        if order and label == order[0]:
            break
        assert focused.evaluate(FOCUS_STYLE), f"no visible focus on {label}"
        order.append(label)
        if label == "a:/privacy" and len(order) > 5:
            break  # the footer link: the end of the page
    names = [entry for entry in order if entry.startswith(("input:", "textarea:", "button:"))]
    assert order[0] == "a:#main"  # the skip link comes first
    assert names == ["input:mood", "input:speak", "input:belong", "input:respect", "input:help",
                     "input:load", "input:minority", "textarea:comment",
                     "button:Antwoorden versturen"], order


def test_an_officer_answers_with_the_keyboard_only(seeded: Seeded, desktop: Any) -> None:
    page = desktop
    page.goto(f"{seeded.server.url}/s/{seeded.code()}")
    page.locator("input[name=mood]").first.focus()
    page.keyboard.press("Space")  # mood 0
    page.keyboard.press("ArrowRight")  # mood 1
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # speak: the first option
    assert checked(page) == {"mood": "1", "speak": "1"}
    page.locator("textarea").focus()  # comments are not sent here: see SCRUBBER below
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Enter")
    page.wait_for_url("**/s/done*")
    assert page.locator("h1").inner_text() == "Bedankt voor je antwoorden"


def test_a_too_long_comment_shows_an_error_summary_and_keeps_every_answer(
        seeded: Seeded, desktop: Any) -> None:
    page = desktop
    page.goto(f"{seeded.server.url}/s/{seeded.code()}")
    given = _click_answers(page)
    # The maxlength attribute stops typing past the limit; a paste from an old browser or
    # a script does not, and the server must say so kindly.
    page.locator("#comment").evaluate("el => el.removeAttribute('maxlength')")
    long_comment = "Te lang. " * 200
    page.fill("#comment", long_comment)
    page.get_by_role("button", name="Antwoorden versturen").click()
    page.wait_for_load_state()
    summary = page.locator("main > .utrecht-alert--error").first
    assert summary.locator("h2").inner_text() == "Er is een probleem"
    first_in_main = page.locator("main > *").first
    assert first_in_main.get_attribute("id") == summary.get_attribute("id") or \
        first_in_main.evaluate("el => el.classList.contains('utrecht-alert--error')")
    link = summary.locator("a[href='#comment']")
    assert "te lang" in link.inner_text()
    assert checked(page) == given
    assert page.locator("#comment").input_value().strip() == long_comment.strip()
    assert_no_axe_violations(page)
    link.click()
    assert page.evaluate("document.activeElement.id") == "comment"


def _click_answers(page: Any) -> dict[str, str]:
    chosen = {"mood": "3", "speak": "5", "belong": "2", "load": "4"}
    for name, value in chosen.items():
        page.locator(f"label:has(input[name={name}][value='{value}'])").click()
    return chosen


def test_a_lost_connection_on_sending_loses_no_answer(seeded: Seeded, desktop: Any) -> None:
    """The page stays, keeps every answer and says so; once back online, send again."""
    page = desktop
    page.goto(f"{seeded.server.url}/s/{seeded.code()}")
    given = _click_answers(page)
    page.fill("#comment", "Meer tijd voor nabespreking.")
    send = page.get_by_role("button", name="Antwoorden versturen")
    seeded.server.stop()
    try:
        send.click()
        notice = page.locator("#offline")
        notice.wait_for(state="visible")
        assert "geen verbinding" in notice.inner_text()
        assert "/s/done" not in page.url
        assert checked(page) == given
        assert page.locator("#comment").input_value() == "Meer tijd voor nabespreking."
        assert_no_axe_violations(page)
    finally:
        seeded.server.start()
    page.fill("#comment", "")  # SCRUBBER (above)
    send.click()
    page.wait_for_url("**/s/done*")
    assert page.locator("h1").inner_text() == "Bedankt voor je antwoorden"


def test_the_officer_pages_pass_axe_and_fit_320px_and_200_percent_text(
        seeded: Seeded, browser: Any) -> None:
    base = seeded.server.url
    used = seeded.code()
    narrow = browser.new_context(viewport={"width": 320, "height": 640}, locale="en-GB")
    page = narrow.new_page()
    page.goto(f"{base}/s/{used}")
    _click_answers(page)
    page.get_by_role("button", name="Send answers").click()
    page.wait_for_url("**/s/done*")
    paths = ["/", "/privacy", "/login", "/s/", "/s/NOT-A-CODE", f"/s/{used}",
             f"/s/{seeded.code()}", "/s/?code=%21%21"]
    for path in paths:
        page.goto(base + path)
        assert_no_axe_violations(page)
        assert_fits_width(page)
    # 200% zoom of a 1280px window is a 640px layout viewport; text-only zoom doubles fonts.
    page.set_viewport_size({"width": 640, "height": 800})
    for path in ["/", f"/s/{seeded.code()}", "/privacy"]:
        page.goto(base + path)
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        assert_fits_width(page)
    narrow.close()
