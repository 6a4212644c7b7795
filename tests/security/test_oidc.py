"""Single sign-on through OpenID Connect, against a small OpenID provider started right here.

The provider (http.server in a thread) has discovery, JWKS, authorize and token endpoints,
signs ID tokens with a generated RSA key through joserfc, and checks the PKCE verifier
against the challenge it was given. Each test plays the browser: it asks Sentimeter for
``/login/sso``, follows the redirect to the provider, and brings the provider's redirect
back to ``/login/sso/callback``. ``Op`` knobs make the provider misbehave in one way each.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from litestar.testing import TestClient

from sentimeter.accounts import create_user
from sentimeter.db import session_scope
from sentimeter.runtime import Runtime, open_runtime
from sentimeter.settings import Settings
from surveys.org import OrgRow
from web import oidc
from web.app import create_app

CLIENT_ID = "sentimeter-test"
CLIENT_SECRET = "s3cret-for-tests"


@dataclass
class Op:
    """The test provider's state and the ways a test can make it misbehave."""

    key: RSAKey
    issuer: str = ""
    subject_email: str = "Alice@Politie.TEST"
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    # misbehaviour knobs, reset before every test
    nonce: str | None = None
    audience: str | None = None
    expires_in: int = 300
    signing_key: RSAKey | None = None
    other_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(
        2048, parameters={"kid": "k1"}))
    tamper_challenge: bool = False
    subject: str = "user-1"
    email_verified: Any = True
    groups: list[str] | None = None  # the "groups" claim, when set

    def reset(self) -> None:
        self.subject_email, self.nonce, self.audience = "Alice@Politie.TEST", None, None
        self.expires_in, self.signing_key, self.tamper_challenge = 300, None, False
        self.subject, self.email_verified = "user-1", True
        self.groups = None
        self.codes.clear()
        self.log.clear()


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _handler(op: Op) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep pytest output quiet
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/.well-known/openid-configuration":
                self._json(200, {
                    "issuer": op.issuer, "authorization_endpoint": op.issuer + "/authorize",
                    "token_endpoint": op.issuer + "/token", "jwks_uri": op.issuer + "/jwks",
                    "response_types_supported": ["code"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "code_challenge_methods_supported": ["S256"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                              "client_secret_post"]})
            elif url.path == "/jwks":
                self._json(200, dict(KeySet([op.key]).as_dict(private=False)))
            elif url.path == "/authorize":
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                code = secrets.token_urlsafe(16)
                op.codes[code] = q
                op.log.append(f"authorize {q.get('code_challenge_method')}")
                back = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q["state"]})
                self.send_response(302)
                self.send_header("Location", back)
                self.end_headers()
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            basic = self.headers.get("Authorization", "")
            client = (form.get("client_id"), form.get("client_secret"))
            if basic.startswith("Basic "):
                client = tuple(base64.b64decode(basic[6:]).decode().split(":", 1))  # type: ignore
            if client != (CLIENT_ID, CLIENT_SECRET):
                op.log.append("token: bad client")
                return self._json(401, {"error": "invalid_client"})
            asked = op.codes.pop(form.get("code", ""), None)
            if asked is None or asked["redirect_uri"] != form.get("redirect_uri"):
                op.log.append("token: bad code")
                return self._json(400, {"error": "invalid_grant"})
            challenge = asked["code_challenge"] + ("x" if op.tamper_challenge else "")
            if asked.get("code_challenge_method") != "S256" or \
                    _s256(form.get("code_verifier", "")) != challenge:
                op.log.append("token: pkce mismatch")
                return self._json(400, {"error": "invalid_grant"})
            op.log.append("token: pkce ok")
            now = int(time.time())
            claims = {"iss": op.issuer, "sub": op.subject, "aud": op.audience or CLIENT_ID,
                      "iat": now - 5, "exp": now + op.expires_in,
                      "nonce": op.nonce or asked["nonce"], "email": op.subject_email,
                      "email_verified": op.email_verified}
            if op.email_verified is None:
                del claims["email_verified"]
            if op.groups is not None:
                claims["groups"] = op.groups
            signer = op.signing_key or op.key
            token = jwt.encode({"alg": "RS256", "kid": op.key.kid}, claims, signer)
            self._json(200, {"access_token": "at", "token_type": "Bearer", "id_token": token})

    return Handler


@pytest.fixture(scope="module")
def op() -> Iterator[Op]:
    """One provider per module: generating an RSA key and a server is the slow part."""
    provider = Op(key=RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"}))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield provider
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings(settings: Settings, op: Op) -> Iterator[Settings]:
    """The shared settings with single sign-on pointed at the test provider."""
    op.reset()
    oidc.forget_cached()
    yield dataclasses.replace(settings, oidc_issuer=op.issuer, oidc_client_id=CLIENT_ID,
                              oidc_client_secret=CLIENT_SECRET)
    oidc.forget_cached()


@pytest.fixture
def alice(runtime: Runtime, org: list[OrgRow]) -> str:
    """A team leader's account without a password: single sign-on is her only way in."""
    with session_scope(runtime.engine) as session:
        create_user(session, email="Alice@politie.test", role="team_leader", unit_code="T-BIG",
                    password=None)
    return "alice@politie.test"


def _sso(client: TestClient[Any], *, state: str | None = None) -> httpx.Response:
    """Play the browser through the whole flow; Sentimeter's answer to the callback."""
    start = client.get("/login/sso", follow_redirects=False)
    assert start.status_code == 303, start.text
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["location"])
    assert back.path == "/login/sso/callback"
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    if state is not None:
        query["state"] = state
    return client.get("/login/sso/callback?" + urlencode(query), follow_redirects=False)


def _logged_in(client: TestClient[Any]) -> bool:
    return client.get("/dashboard", follow_redirects=False).status_code == 200


def test_an_existing_account_logs_in_with_its_police_account(
        client: TestClient[Any], alice: str, op: Op) -> None:
    response = _sso(client)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    assert _logged_in(client)
    assert op.log == ["authorize S256", "token: pkce ok"]


def test_the_authorisation_request_carries_state_nonce_and_an_s256_challenge(
        client: TestClient[Any], alice: str, op: Op) -> None:
    start = client.get("/login/sso", follow_redirects=False)
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == ["http://testserver/login/sso/callback"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert "openid" in query["scope"][0].split()
    again = client.get("/login/sso", follow_redirects=False)
    assert parse_qs(urlsplit(again.headers["location"]).query)["state"] != query["state"]


def test_an_unknown_claim_is_refused_with_a_clear_page_and_no_account_is_made(
        client: TestClient[Any], alice: str, op: Op) -> None:
    op.subject_email = "stranger@politie.test"
    response = _sso(client)
    assert response.status_code == 403
    assert "not linked to a Sentimeter account" in response.text or \
        "niet gekoppeld" in response.text
    assert not _logged_in(client)
    op.subject_email = "alice@politie.test"
    assert _sso(client).status_code == 303  # alice still can; the stranger got nothing


@pytest.mark.parametrize("misbehaviour", ["nonce", "audience", "signature", "expired"])
def test_an_id_token_that_is_not_genuine_and_fresh_and_ours_is_refused(
        client: TestClient[Any], alice: str, op: Op,
        misbehaviour: str) -> None:
    if misbehaviour == "nonce":
        op.nonce = "a-nonce-from-another-login"
    elif misbehaviour == "audience":
        op.audience = "another-client"
    elif misbehaviour == "signature":
        op.signing_key = op.other_key  # same kid, another key
    else:
        op.expires_in = -120  # beyond the 60 s leeway for clock skew
    response = _sso(client)
    assert response.status_code == 400
    assert "did not work" in response.text or "niet gelukt" in response.text
    assert op.log[-1] == "token: pkce ok"  # the provider was satisfied; Sentimeter was not
    assert not _logged_in(client)


def test_a_callback_whose_state_does_not_match_is_refused_before_the_code_is_used(
        client: TestClient[Any], alice: str, op: Op) -> None:
    response = _sso(client, state="forged-state")
    assert response.status_code == 400
    assert op.log == ["authorize S256"]  # no token request was made
    assert not _logged_in(client)


def test_a_flow_finishes_once_and_not_without_being_started(
        client: TestClient[Any], alice: str, op: Op) -> None:
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 400
    start = client.get("/login/sso", follow_redirects=False)
    back = httpx.get(start.headers["location"], follow_redirects=False).headers["location"]
    path = urlsplit(back)
    callback = f"{path.path}?{path.query}"
    assert client.get(callback, follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert client.get(callback, follow_redirects=False).status_code == 400


def test_a_stolen_code_is_useless_without_the_pkce_verifier_of_its_browser(
        app: Any, client: TestClient[Any], alice: str, op: Op) -> None:
    victim = client.get("/login/sso", follow_redirects=False)
    at_provider = httpx.get(victim.headers["location"], follow_redirects=False)
    stolen = parse_qs(urlsplit(at_provider.headers["location"]).query)["code"][0]
    with TestClient(app=app) as attacker:
        own = attacker.get("/login/sso", follow_redirects=False)
        own_state = parse_qs(urlsplit(own.headers["location"]).query)["state"][0]
        response = attacker.get("/login/sso/callback?" + urlencode(
            {"code": stolen, "state": own_state}), follow_redirects=False)
        assert response.status_code == 400
        assert op.log[-1] == "token: pkce mismatch"
        assert attacker.get("/dashboard", follow_redirects=False).status_code != 200


def test_the_provider_refuses_a_verifier_that_does_not_match_the_challenge(
        client: TestClient[Any], alice: str, op: Op) -> None:
    op.tamper_challenge = True
    assert _sso(client).status_code == 400
    assert op.log[-1] == "token: pkce mismatch"
    assert not _logged_in(client)


def test_the_login_page_offers_the_police_account_only_when_sso_is_configured(
        client: TestClient[Any], settings: Settings) -> None:
    offered = client.get("/login", headers={"accept-language": "en"})
    assert 'href="/login/sso"' in offered.text
    assert "Log in with your police account" in offered.text
    plain = open_runtime(dataclasses.replace(settings, oidc_issuer=""), create=True)
    try:
        with TestClient(app=create_app(runtime=plain)) as off:
            assert 'href="/login/sso"' not in off.get("/login").text
            assert off.get("/login/sso", follow_redirects=False).status_code == 404
            assert off.get("/login/sso/callback?code=x&state=y").status_code == 404
    finally:
        plain.engine.dispose()


def test_an_unreachable_provider_gives_a_clear_page_not_a_server_error(
        settings: Settings) -> None:
    nowhere = open_runtime(dataclasses.replace(settings, oidc_issuer="http://127.0.0.1:9"),
                           create=True)
    try:
        with TestClient(app=create_app(runtime=nowhere)) as client:
            response = client.get("/login/sso", follow_redirects=False)
            assert response.status_code == 502
            assert "did not work" in response.text or "niet gelukt" in response.text
    finally:
        nowhere.engine.dispose()


def test_sso_settings_refuse_a_plain_http_issuer_or_a_missing_client_id(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from sentimeter.settings import SettingsError, settings_from_env

    for name in ("SENTIMETER_DATABASE_URL", "SENTIMETER_MASTER_KEY", "SENTIMETER_MASTER_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SENTIMETER_OIDC_ISSUER", "http://login.example.nl/realms/politie")
    monkeypatch.setenv("SENTIMETER_OIDC_CLIENT_ID", CLIENT_ID)
    with pytest.raises(SettingsError, match="https"):
        settings_from_env()
    monkeypatch.setenv("SENTIMETER_OIDC_ISSUER", "https://login.example.nl/realms/politie/")
    monkeypatch.setenv("SENTIMETER_OIDC_SCOPES", "email profile")
    loaded = settings_from_env()
    assert loaded.oidc_issuer == "https://login.example.nl/realms/politie"
    assert loaded.oidc_scopes == "openid email profile" and loaded.oidc_claim == "email"
    monkeypatch.delenv("SENTIMETER_OIDC_CLIENT_ID")
    with pytest.raises(SettingsError, match="CLIENT_ID"):
        settings_from_env()


# --- binding to the provider's subject (issue #14, point 3) ---------------------------------


def _bindings(runtime: Runtime) -> list[tuple[str, str, int]]:
    from sqlmodel import select

    from sentimeter.models import SsoBinding

    with session_scope(runtime.engine) as db:
        return [(b.issuer, b.subject, b.user_id) for b in db.exec(select(SsoBinding))]


@pytest.mark.parametrize("verified", [None, False, "true"])
def test_an_email_the_provider_did_not_mark_verified_is_refused(
        client: TestClient[Any], alice: str, op: Op, runtime: Runtime, verified: Any) -> None:
    op.email_verified = verified
    assert _sso(client).status_code == 403
    assert not _logged_in(client) and _bindings(runtime) == []


def test_a_look_alike_address_with_a_kelvin_sign_does_not_log_in_as_kate(
        client: TestClient[Any], runtime: Runtime, org: list[OrgRow], op: Op) -> None:
    with session_scope(runtime.engine) as session:
        create_user(session, email="kate@politie.test", role="team_leader", unit_code="T-BIG",
                    password=None)
    op.subject, op.subject_email = "attacker", "\u212aate@politie.test"
    assert _sso(client).status_code == 403
    assert not _logged_in(client) and _bindings(runtime) == []
    op.subject, op.subject_email = "kate-at-idp", "KATE@politie.test"  # the real kate
    assert _sso(client).status_code == 303 and _logged_in(client)


def test_the_first_login_binds_the_subject_and_the_subject_decides_afterwards(
        app: Any, client: TestClient[Any], alice: str, op: Op, runtime: Runtime) -> None:
    from sqlmodel import select

    from sentimeter.models import AuditEvent

    assert _sso(client).status_code == 303
    bound = _bindings(runtime)
    assert [(iss, sub) for iss, sub, _ in bound] == [(op.issuer, "user-1")]
    with session_scope(runtime.engine) as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "sso_bind")).all()
        assert [e.actor for e in events] == [alice] and "sub=user-1" in events[0].detail
    # the provider now reports another address for the same subject: still alice
    op.subject_email = "someone-else@politie.test"
    with TestClient(app=app) as again:
        assert _sso(again).status_code == 303 and _logged_in(again)
    # another subject claiming alice's (verified) address cannot take the account over
    op.subject, op.subject_email = "user-2", "alice@politie.test"
    with TestClient(app=app) as other:
        assert _sso(other).status_code == 403 and not _logged_in(other)
    assert len(_bindings(runtime)) == 1


def test_addresses_that_are_one_after_normalising_are_ambiguous_and_refused(
        client: TestClient[Any], runtime: Runtime, org: list[OrgRow], op: Op) -> None:
    from sentimeter.models import User

    with session_scope(runtime.engine) as session:
        # two stored spellings that fold to one address (e.g. imported before normalising)
        session.add(User(email="stra\u00dfe@politie.test", role="team_leader", unit_code="T-BIG"))
        session.add(User(email="strasse@politie.test", role="team_leader", unit_code="T-BIG"))
    op.subject_email = "strasse@politie.test"
    assert _sso(client).status_code == 403
    assert not _logged_in(client) and _bindings(runtime) == []


def test_a_bare_callback_logs_no_one_out(
        client: TestClient[Any], alice: str, op: Op) -> None:
    assert _sso(client).status_code == 303 and _logged_in(client)
    assert client.get("/login/sso/callback", follow_redirects=False).status_code == 400
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 400
    assert _logged_in(client)
    # starting a flow (e.g. a forged link to /login/sso) does not end the session either
    assert client.get("/login/sso", follow_redirects=False).status_code == 303
    assert _logged_in(client)


ROLE_GROUPS = "admin=sm-beheer,team_leader=sm-leiding,analyst=sm-opgaveteam"


@pytest.mark.parametrize(("groups", "allowed"), [
    (["sm-leiding"], True),
    (["sm-opgaveteam"], False),  # a group for another role does not carry this one
    ([], False),
    (["sm-leiding", "sm-beheer"], False),  # administrator and viewer at once: never
])
def test_with_role_groups_the_providers_groups_decide_the_role(
        runtime: Runtime, alice: str, op: Op, groups: list[str], allowed: bool) -> None:
    op.groups = groups
    app = create_app(runtime=dataclasses.replace(
        runtime, settings=dataclasses.replace(runtime.settings, oidc_role_groups=ROLE_GROUPS)))
    with TestClient(app=app) as client:
        response = _sso(client)
        assert (response.status_code == 303) == allowed, response.status_code
        assert _logged_in(client) == allowed

