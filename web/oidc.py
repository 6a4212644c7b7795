"""Single sign-on through OpenID Connect: authorisation code flow with PKCE, state and nonce.

The police's identity provider vouches for who someone is; Sentimeter still decides what they
may see, because the ID token only names an existing account and never creates one: the first
login finds it by a verified ``SENTIMETER_OIDC_CLAIM`` (the e-mail address by default) and
binds it to the token's ``iss`` + ``sub``, which decide from then on
(``sentimeter/sso_binding.py``). Everything the flow must remember
between the redirect to the provider and the way back (state, nonce, PKCE verifier) travels in
the encrypted session cookie, so any worker can finish a flow another one started. Token
checks are joserfc's (signature against the provider's JWKS, ``iss``, ``aud``, ``exp``,
``nonce``); nothing here does cryptography by hand.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from sentimeter.settings import Settings

CALLBACK_PATH = "/login/sso/callback"
DISCOVERY_TTL = 300  # seconds; short, so a key rotation at the provider is picked up soon
FLOW_SECONDS = 600  # how long a started login may take at the provider
LEEWAY = 60  # clock skew tolerated on exp/iat
HTTP_TIMEOUT = 10.0
# Asymmetric signatures only: "none" and HMAC-with-the-client-secret are never accepted.
SAFE_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                   "ES256", "ES384", "ES512", "EdDSA")


class SsoError(Exception):
    """The sign-on failed; ``reason`` is a short code for the page and the log (no secrets)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Provider:
    """What the discovery document says about the provider, as far as we use it."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    auth_methods: tuple[str, ...]
    algorithms: tuple[str, ...]


_lock = threading.Lock()
_providers: dict[str, tuple[float, Provider]] = {}
_key_sets: dict[str, tuple[float, KeySet]] = {}


def enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def redirect_uri(settings: Settings) -> str:
    """Registered at the provider; built from the public address, never from the request."""
    return settings.public_url + CALLBACK_PATH


def forget_cached() -> None:
    """Drop cached discovery documents and key sets (tests; a provider that moved)."""
    with _lock:
        _providers.clear()
        _key_sets.clear()


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=HTTP_TIMEOUT, follow_redirects=False)
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SsoError("provider_unreachable") from exc
    if not isinstance(data, dict):
        raise SsoError("provider_unreachable")
    return data


def provider(settings: Settings) -> Provider:
    """The provider's discovery document, cached per process for ``DISCOVERY_TTL`` seconds."""
    issuer = settings.oidc_issuer.rstrip("/")
    with _lock:
        cached = _providers.get(issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    doc = _get_json(issuer + "/.well-known/openid-configuration")
    # OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer we asked.
    if str(doc.get("issuer", "")).rstrip("/") != issuer:
        raise SsoError("issuer_mismatch")
    endpoints = [doc.get(name) for name in ("authorization_endpoint", "token_endpoint",
                                            "jwks_uri")]
    if not all(isinstance(url, str) and url for url in endpoints):
        raise SsoError("discovery_incomplete")
    offered = doc.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = tuple(alg for alg in SAFE_ALGORITHMS if alg in offered)
    if not algorithms:
        raise SsoError("no_safe_algorithm")
    found = Provider(issuer=str(doc["issuer"]), authorization_endpoint=str(endpoints[0]),
                     token_endpoint=str(endpoints[1]), jwks_uri=str(endpoints[2]),
                     auth_methods=tuple(doc.get("token_endpoint_auth_methods_supported")
                                        or ["client_secret_basic"]),
                     algorithms=algorithms)
    with _lock:
        _providers[issuer] = (time.monotonic() + DISCOVERY_TTL, found)
    return found


def _key_set(prov: Provider, *, refresh: bool = False) -> KeySet:
    with _lock:
        cached = _key_sets.get(prov.jwks_uri)
    if cached and cached[0] > time.monotonic() and not refresh:
        return cached[1]
    try:
        keys = KeySet.import_key_set(_get_json(prov.jwks_uri))  # type: ignore[arg-type]
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise SsoError("bad_jwks") from exc
    with _lock:
        _key_sets[prov.jwks_uri] = (time.monotonic() + DISCOVERY_TTL, keys)
    return keys


def _challenge(verifier: str) -> str:
    """PKCE S256 (RFC 7636, 4.2): base64url of the SHA-256 of the verifier, unpadded."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def start(settings: Settings) -> tuple[str, dict[str, Any]]:
    """The provider's authorisation URL, and the flow to keep in the session until the return."""
    prov = provider(settings)
    flow = {"state": secrets.token_urlsafe(32), "nonce": secrets.token_urlsafe(32),
            "verifier": secrets.token_urlsafe(64), "exp": int(time.time()) + FLOW_SECONDS}
    params = {"response_type": "code", "client_id": settings.oidc_client_id,
              "redirect_uri": redirect_uri(settings), "scope": settings.oidc_scopes,
              "state": flow["state"], "nonce": flow["nonce"],
              "code_challenge": _challenge(str(flow["verifier"])),
              "code_challenge_method": "S256"}
    separator = "&" if "?" in prov.authorization_endpoint else "?"
    return prov.authorization_endpoint + separator + urlencode(params), flow


def _check_flow(flow: Any, state: str) -> dict[str, Any]:
    """The flow this browser started: present, unexpired, and the same ``state`` came back."""
    if not isinstance(flow, dict) or not all(
            isinstance(flow.get(name), str) for name in ("state", "nonce", "verifier")):
        raise SsoError("no_flow")
    if int(flow.get("exp", 0)) < time.time():
        raise SsoError("flow_expired")
    if not state or not secrets.compare_digest(state.encode(), str(flow["state"]).encode()):
        raise SsoError("state_mismatch")
    return flow


def _exchange(settings: Settings, prov: Provider, code: str, verifier: str) -> str:
    """Trade the code (and the PKCE verifier) for tokens at the token endpoint; the ID token."""
    form = {"grant_type": "authorization_code", "code": code,
            "redirect_uri": redirect_uri(settings), "code_verifier": verifier}
    auth: httpx.BasicAuth | None = None
    secret = settings.oidc_client_secret
    if secret and "client_secret_basic" in prov.auth_methods:
        auth = httpx.BasicAuth(settings.oidc_client_id, secret)
    else:
        form["client_id"] = settings.oidc_client_id
        if secret:
            form["client_secret"] = secret
    try:
        response = httpx.post(prov.token_endpoint, data=form, auth=auth, timeout=HTTP_TIMEOUT,
                              headers={"Accept": "application/json"}, follow_redirects=False)
        body = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as exc:
        raise SsoError("provider_unreachable") from exc
    if not isinstance(body, dict):
        raise SsoError("token_refused")
    id_token = body.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise SsoError("no_id_token")
    return id_token


def validate_id_token(settings: Settings, prov: Provider, id_token: str, *,
                      nonce: str) -> dict[str, Any]:
    """The claims of a genuine ID token for us, from this login; SsoError otherwise."""
    try:
        try:
            token = jwt.decode(id_token, _key_set(prov), algorithms=list(prov.algorithms))
        except InvalidKeyIdError:
            # An unknown kid: the provider may have rotated its keys since we cached them.
            token = jwt.decode(id_token, _key_set(prov, refresh=True),
                               algorithms=list(prov.algorithms))
        registry = JWTClaimsRegistry(
            leeway=LEEWAY,
            iss={"essential": True, "value": prov.issuer},
            aud={"essential": True, "value": settings.oidc_client_id},
            exp={"essential": True}, iat={"essential": True}, sub={"essential": True},
            nonce={"essential": True, "value": nonce})
        registry.validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise SsoError(f"bad_id_token:{type(exc).__name__}") from exc
    claims = dict(token.claims)
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != settings.oidc_client_id:
        raise SsoError("bad_id_token:azp")  # OIDC Core 3.1.3.7, points 4 and 5
    return claims


def finish(settings: Settings, flow: Any, *, code: str, state: str,
           error: str = "") -> dict[str, Any]:
    """Complete the flow from the provider's redirect back; the validated ID-token claims."""
    checked = _check_flow(flow, state)
    if error:
        raise SsoError("provider_error")
    if not code:
        raise SsoError("no_code")
    prov = provider(settings)
    id_token = _exchange(settings, prov, code, str(checked["verifier"]))
    return validate_id_token(settings, prov, id_token, nonce=str(checked["nonce"]))
