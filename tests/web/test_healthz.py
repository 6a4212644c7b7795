"""/healthz tells a load balancer to wait while the comment scrubber loads, and a comment that
arrives during the load waits for it and is stored scrubbed, never a 500."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient
from sqlmodel import select

from analysis.decrypt import load_comments
from sentimeter.db import session_scope
from sentimeter.models import Response, Round
from sentimeter.runtime import Runtime
from surveys import deduce_tables
from surveys.deduce_tables import TableLoader
from surveys.instrument import load_instrument
from tests.conftest import open_round_with_codes
from web.app import create_app


@dataclass
class _Found:
    annotations: list[Any]


class _NoNames:
    """Stands in for deduce: finds nothing, so only the pattern pass scrubs."""

    def deidentify(self, text: str) -> _Found:
        return _Found([])


@pytest.fixture
def slow_tables(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """This process's scrubber tables, loading until the returned event is set."""
    release = threading.Event()

    def build() -> _NoNames:
        assert release.wait(20)
        return _NoNames()

    monkeypatch.setattr(deduce_tables, "_TABLES", TableLoader(build))
    yield release
    release.set()


def _warming(runtime: Runtime) -> Runtime:
    return replace(runtime, settings=replace(runtime.settings, warm_scrubber=True))


def test_healthz_says_not_ready_while_the_scrubber_loads_then_ready(
        runtime: Runtime, slow_tables: threading.Event) -> None:
    with TestClient(app=create_app(runtime=_warming(runtime))) as client:
        loading = client.get("/healthz")
        assert loading.status_code == 503
        assert loading.json() == {"status": "not ready", "scrubber": "loading"}
        slow_tables.set()
        deduce_tables.warm_up().join(5)
        ready = client.get("/healthz")
        assert ready.status_code == 200 and ready.json() == {"status": "ok"}


def test_healthz_is_ready_at_once_when_the_scrubber_loads_on_first_comment(
        runtime: Runtime, slow_tables: threading.Event) -> None:
    """SENTIMETER_WARM_SCRUBBER=false (tests, benchmarks): nothing loads at start to wait for."""
    assert not runtime.settings.warm_scrubber
    with TestClient(app=create_app(runtime=runtime)) as client:
        reply = client.get("/healthz")
    assert reply.status_code == 200 and reply.json() == {"status": "ok"}
    assert deduce_tables.state() == "idle"


def test_healthz_stays_not_ready_when_the_load_failed(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    def build() -> None:
        raise MemoryError

    monkeypatch.setattr(deduce_tables, "_TABLES", TableLoader(build))
    with TestClient(app=create_app(runtime=_warming(runtime))) as client:
        deduce_tables.warm_up().join(5)
        reply = client.get("/healthz")
    assert reply.status_code == 503
    assert reply.json() == {"status": "not ready", "scrubber": "failed"}


def test_a_comment_sent_while_the_scrubber_loads_waits_and_is_stored_scrubbed(
        runtime: Runtime, org: object, slow_tables: threading.Event) -> None:
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 2})
    replies: list[httpx.Response] = []
    with TestClient(app=create_app(runtime=_warming(runtime))) as client:
        form = {"ps1": "4", "comment": "Bel me op 06-12345678 als het weer zo druk is."}
        sender = threading.Thread(target=lambda: replies.append(
            client.post(f"/s/{codes['T-BIG'][0]}", data=form, follow_redirects=False)))
        sender.start()
        time.sleep(0.5)
        assert replies == [] and sender.is_alive()  # waiting for the tables, not refused
        assert client.get("/healthz").status_code == 503
        slow_tables.set()
        sender.join(10)
        assert client.get("/healthz").status_code == 200
    assert [r.status_code for r in replies] == [303]
    with session_scope(runtime.engine) as db:
        round_ = db.get(Round, round_id)
        assert round_ is not None
        comments = load_comments(db, runtime.vault, round_,
                                 load_instrument(round_.instrument, round_.version))
        answers = db.exec(select(Response)).all()
    assert comments == [("T-BIG", "Bel me op [TELEFOONNUMMER] als het weer zo druk is.")]
    assert len(answers) == 1
