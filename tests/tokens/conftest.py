"""Shared pieces of the personal-token tests: a key pool and an officer that fetches tokens.

Generating a 3072-bit RSA key costs up to a second on this machine, so issuer keys come from
a pool made once per test process (still real 3072-bit keys, each (round, team) of a test
gets its own).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from litestar.testing import TestClient

from sentimeter import blind_rsa
from sentimeter.db import session_scope
from sentimeter.runtime import Runtime
from surveys.tokens import import_roster
from tests.tokens import client as browser

_POOL: list[rsa.RSAPrivateKey] = []
_GENERATE = blind_rsa.generate_key


@pytest.fixture(autouse=True)
def key_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    counter = itertools.count()

    def pooled() -> rsa.RSAPrivateKey:
        index = next(counter)
        while len(_POOL) <= index:
            _POOL.append(_GENERATE())
        return _POOL[index]

    monkeypatch.setattr("surveys.tokens.blind_rsa.generate_key", pooled)
    yield


def enrol_link(runtime: Runtime, officer: str, team: str) -> str:
    with session_scope(runtime.engine) as db:
        [(_, secret)] = import_roster(db, db, runtime.vault, [(officer, team)])
    return f"/s/token/enrol/{secret}"


@dataclass
class Fetched:
    status: int
    body: dict[str, Any]
    token: str | None


def fetch_token(client: TestClient[Any], round_id: int, team: str) -> Fetched:
    """What token.js does: read the published key, blind, ask for a signature, unblind."""
    page = client.get(f"/s/token/{round_id}/get")
    assert page.status_code in (200, 409), page.text
    keys = client.get("/s/token/keys").json()["keys"]
    entry = next(k for k in keys if k["round"] == round_id and k["team"] == team)
    pending = browser.start_token(browser.unb64(entry["spki"]))
    reply = client.post(f"/s/token/{round_id}/sign",
                        json={"blinded": browser.b64(pending.blinded)})
    body = reply.json()
    token = pending.finish(browser.unb64(body["blind_sig"])) if reply.status_code == 200 else None
    return Fetched(status=reply.status_code, body=body, token=token)


def answer(client: TestClient[Any], round_id: int, team: str, token: str,
           answers: dict[str, int]) -> Any:
    form = {"token": token, **{k: str(v) for k, v in answers.items()}}
    return client.post(f"/s/token/answer/{round_id}/{team}", data=form, follow_redirects=False)
