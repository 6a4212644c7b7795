"""A personal token in a real browser: sign in at the police's identity provider (the small
OpenID provider of the SSO tests), get a token (blinded by @cloudflare/blindrsa-ts in
Chromium, signed by the server), answer with it, and be refused a second token."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from joserfc.jwk import RSAKey

from sentimeter.db import session_scope
from sentimeter.runtime import open_runtime
from sentimeter.settings import Settings
from surveys.org import OrgRow, import_org
from surveys.tokens import import_roster
from tests.browser.conftest import Server, assert_fits_width, assert_no_axe_violations
from tests.conftest import SMALL_ORG, open_round_with_codes
from tests.security.test_oidc import CLIENT_ID, CLIENT_SECRET, Op, _handler

TEAM = "T-MID"
OFFICER = "user-1"  # the ``sub`` the test provider puts in every ID token


@dataclass
class TokenWorld:
    server: Server
    round_id: int


@pytest.fixture(scope="module")
def provider() -> Iterator[Op]:
    op = Op(key=RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"}))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(op))
    op.issuer = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield op
    httpd.shutdown()
    httpd.server_close()


def _seed(data_dir: Path) -> int:
    runtime = open_runtime(Settings(data_dir=data_dir), create=True)
    try:
        with session_scope(runtime.engine) as db:
            import_org(db, [OrgRow(*row) for row in SMALL_ORG])
        round_id, _ = open_round_with_codes(runtime, instrument="sentimeter",
                                            codes_per_team={TEAM: 2})
        with session_scope(runtime.engine) as db:
            import_roster(db, db, runtime.vault, [(OFFICER, TEAM)])
        return round_id
    finally:
        runtime.engine.dispose()


@pytest.fixture(scope="module")
def world(provider: Op, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenWorld]:
    data_dir = tmp_path_factory.mktemp("tokens") / "var"
    round_id = _seed(data_dir)
    server = Server(data_dir=data_dir)
    with pytest.MonkeyPatch.context() as env:  # the server process inherits these
        env.setenv("SENTIMETER_OIDC_ISSUER", provider.issuer)
        env.setenv("SENTIMETER_OIDC_CLIENT_ID", CLIENT_ID)
        env.setenv("SENTIMETER_OIDC_CLIENT_SECRET", CLIENT_SECRET)
        server.start()
    yield TokenWorld(server=server, round_id=round_id)
    server.stop()


def _sign_in(page: Any, world: TokenWorld) -> None:
    page.goto(f"{world.server.url}/s/token/{world.round_id}/get")
    page.get_by_role("link", name="Aanmelden met je politieaccount").click()
    page.wait_for_url(f"**/s/token/{world.round_id}/get")


def test_an_officer_signs_in_gets_a_token_answers_and_is_refused_a_second_token(
        world: TokenWorld, phone: Any) -> None:
    page = phone
    _sign_in(page, world)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Mijn token ophalen").click()
    page.locator("#token-ok").wait_for(state="visible", timeout=30_000)
    fingerprint = page.locator("#token-fingerprint").inner_text()
    assert len(fingerprint.split()) == 8
    assert_fits_width(page)
    page.get_by_role("link", name="Nu antwoorden").click()
    page.locator("#token-form").wait_for(state="visible")
    assert page.locator("#page-fingerprint").inner_text() == fingerprint
    assert page.locator("#token-field").input_value().count(".") == 1
    assert_no_axe_violations(page)
    page.locator("label:has(input[name=mood][value='7'])").tap()
    page.get_by_role("button", name="Antwoorden versturen").tap()
    page.wait_for_url("**/s/token/done*")
    assert page.locator("h1").inner_text() == "Bedankt voor je antwoorden"
    assert page.evaluate("Object.keys(localStorage).length") == 0  # the spent token is gone

    _sign_in(page, world)  # the same officer, again
    assert page.locator("#token-already").is_visible()
    assert page.locator("#token-get").count() == 0


def test_without_javascript_the_token_page_points_to_the_card(
        world: TokenWorld, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    page = context.new_page()
    page.goto(f"{world.server.url}/s/token/answer/{world.round_id}/{TEAM}")
    assert page.locator("#token-form").is_hidden()
    assert page.get_by_role("link", name="Antwoorden met een code").first.is_visible()
    assert "JavaScript" in page.locator("main").inner_text()
    context.close()
