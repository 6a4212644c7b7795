"""Personal tokens after single sign-on: the officer comes from one claim, the team from
another (or from the roster), never from the officer's own choice."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from litestar.testing import TestClient

from sentimeter.runtime import Runtime
from sentimeter.settings import Settings
from surveys.org import OrgRow
from tests.conftest import open_round_with_codes
from tests.security.test_oidc import CLIENT_ID, CLIENT_SECRET, Op, op  # noqa: F401  (fixture)
from tests.tokens.conftest import fetch_token
from web import oidc


@pytest.fixture
def settings(settings: Settings, op: Op) -> Iterator[Settings]:  # noqa: F811
    """SSO at the test provider; the team is the ``email`` claim (the provider's only free
    text claim, set to a team code per test)."""
    op.reset()
    oidc.forget_cached()
    yield dataclasses.replace(settings, oidc_issuer=op.issuer, oidc_client_id=CLIENT_ID,
                              oidc_client_secret=CLIENT_SECRET, oidc_team_claim="email")
    oidc.forget_cached()


def _sso(client: TestClient[Any], round_id: int) -> httpx.Response:
    start = client.get(f"/s/token/{round_id}/sso", follow_redirects=False)
    assert start.status_code == 303, start.text
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    back = urlsplit(at_provider.headers["location"])
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    return client.get(f"{back.path}?{urlencode(query)}", follow_redirects=False)


def test_the_team_comes_from_the_identity_providers_claim(
        runtime: Runtime, org: list[OrgRow], client: TestClient[Any], op: Op) -> None:  # noqa: F811
    round_id, _ = open_round_with_codes(runtime, instrument="sentimeter")
    op.subject, op.subject_email = "officer-7", "T-B2A"
    back = _sso(client, round_id)
    assert back.status_code == 303 and back.headers["location"] == f"/s/token/{round_id}/get"
    fetched = fetch_token(client, round_id, "T-B2A")
    assert fetched.status == 200 and fetched.body["team"] == "T-B2A"
    again = _sso(client, round_id)  # same officer (same sub), again
    assert again.status_code == 303
    assert fetch_token(client, round_id, "T-B2A").status == 409


def test_a_team_the_organisation_does_not_know_gets_no_token(
        runtime: Runtime, org: list[OrgRow], client: TestClient[Any], op: Op) -> None:  # noqa: F811
    round_id, _ = open_round_with_codes(runtime, instrument="sentimeter")
    op.subject, op.subject_email = "officer-8", "NOT-A-TEAM"
    assert _sso(client, round_id).status_code == 303
    page = client.get(f"/s/token/{round_id}/get")
    assert page.status_code == 403
