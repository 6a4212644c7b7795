"""Administration pages in a real browser (issue 15, item 6): axe finds nothing, nothing
scrolls sideways on a phone or a desktop, closing a round asks first, and the organisation
is browsed a level at a time instead of filling the page."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import (
    Seeded,
    assert_fits_width,
    assert_no_axe_violations,
    login,
)
from tests.conftest import PERSONAS


def test_the_admin_pages_pass_axe_on_a_desktop(seeded: Seeded, desktop: Any) -> None:
    base = seeded.server.url
    login(desktop, base, PERSONAS["ada_admin"].email)
    for path in ["/admin", "/admin?q=team", "/admin?unit=E1-D1-B1",
                 f"/admin/rounds/{seeded.closed_round}",
                 f"/admin/rounds/{seeded.closed_round + 1}",
                 f"/admin/rounds/{seeded.closed_round + 1}/close"]:
        desktop.goto(base + path)
        assert_no_axe_violations(desktop)
        assert_fits_width(desktop)


def test_the_admin_page_fits_a_phone_and_keeps_forms_folded(seeded: Seeded,
                                                             phone: Any) -> None:
    base = seeded.server.url
    login(phone, base, PERSONAS["ada_admin"].email)
    phone.goto(base + "/admin")
    assert_fits_width(phone)
    assert_no_axe_violations(phone)
    assert not phone.locator("#closes").is_visible()  # the new-round form is folded away
    phone.get_by_text("Nieuwe ronde").click()
    assert phone.locator("#closes").is_visible()
    assert phone.locator(".sm-unit-list li").count() <= 10  # one level, not the whole tree


def test_closing_a_round_in_the_browser_asks_first(seeded: Seeded, desktop: Any) -> None:
    base = seeded.server.url
    login(desktop, base, PERSONAS["ada_admin"].email)
    desktop.goto(f"{base}/admin/rounds/{seeded.closed_round + 1}")
    desktop.get_by_role("button", name="Ronde sluiten en publiceren…").click()
    assert "ongedaan" in desktop.locator("main").inner_text()
    desktop.get_by_role("link", name="Annuleren").click()
    assert "Open" in desktop.locator(".sm-facts").inner_text()
