"""Stateless processes: two real servers on one database serve one user interchangeably.

Sessions are signed cookies and the CSRF and session secrets live (wrapped) in the
database, so whichever process answers, a login, a CSRF token and a used code count the
same. The servers are real ``sentimeter serve`` subprocesses on free ports.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from sentimeter.runtime import Runtime
from sentimeter.settings import Settings
from tests.conftest import PASSWORD, PG_URL, Persona, open_round_with_codes, random_answers

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTIMETER_")}
    env["SENTIMETER_DATA_DIR"] = str(settings.data_dir)
    env["SENTIMETER_COOKIE_SECURE"] = "false"  # plain http on localhost in the test
    env["SENTIMETER_LOG_LEVEL"] = "warning"
    if settings.database_url:
        env["SENTIMETER_DATABASE_URL"] = settings.database_url
        env["SENTIMETER_MASTER_KEY"] = settings.master_key
    return env


def _wait_healthy(base: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"server exited: {error}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base} did not answer /healthz within {timeout} s")


@contextmanager
def servers(settings: Settings, count: int, workers: int = 1) -> Iterator[list[str]]:
    """Start ``count`` ``sentimeter serve`` processes; yield their base URLs."""
    cli = str(Path(sys.executable).with_name("sentimeter"))
    started: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        for _ in range(count):
            port = _free_port()
            process = subprocess.Popen(  # noqa: S603
                [cli, "serve", "--port", str(port), "--workers", str(workers)],
                env=_env(settings), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                start_new_session=True)
            started.append((f"http://127.0.0.1:{port}", process))
        for base, process in started:
            _wait_healthy(base, process)
        yield [base for base, _ in started]
    finally:
        for _, process in started:
            os.killpg(process.pid, 15)
        for _, process in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()


def _send(client: httpx.Client, base: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """A request to one server with the shared cookie jar (as a browser behind a balancer)."""
    return client.request(method, f"{base}{path}", **kwargs)


def test_two_servers_serve_one_user_alternately(
        settings: Settings, runtime: Runtime, personas: dict[str, Persona]) -> None:
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 3})
    alice = personas["alice_team_leader"]
    with servers(settings, 2) as (one, two), httpx.Client(timeout=10) as client:
        _send(client, one, "GET", "/login")
        token = client.cookies.get("csrftoken")
        assert token
        # the CSRF token from server one is accepted by server two
        login = _send(client, two, "POST", "/api/v1/auth/login", headers={"x-csrftoken": token},
                      json={"email": alice.email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        # the session made by server two is honoured by server one
        dashboard = _send(client, one, "GET", "/dashboard", follow_redirects=False)
        assert dashboard.status_code == 200, dashboard.status_code
        report = _send(client, two, "GET", f"/api/v1/reports/{round_id}/T-BIG")
        assert report.status_code == 200, report.text
        # logging out on one server ends the session on both
        out = _send(client, one, "POST", "/api/v1/auth/logout", headers={"x-csrftoken": token})
        assert out.status_code == 200, out.text
        assert _send(client, two, "GET", "/dashboard", follow_redirects=False).status_code == 303
        # an answer stored by one server makes its code used on the other
        code = codes["T-BIG"][0]
        answers = random_answers("team-thermometer", random.Random(3))
        stored = httpx.post(f"{one}/api/v1/responses", json={"token": code, "answers": answers})
        assert stored.status_code == 201, stored.text
        again = httpx.post(f"{two}/api/v1/responses", json={"token": code, "answers": answers})
        assert again.status_code == 409, again.text
        assert httpx.get(f"{two}/api/v1/surveys/{code}").status_code == 409
        assert httpx.get(f"{one}/api/v1/surveys/{codes['T-BIG'][1]}").status_code == 200


def test_serve_with_two_workers_answers_healthz(settings: Settings, runtime: Runtime,
                                               backend: str) -> None:
    if backend == "sqlite" and PG_URL:
        pytest.skip("runs once, on PostgreSQL when available (slow to start)")
    with servers(settings, 1, workers=2) as (base,):
        statuses = {httpx.get(f"{base}/healthz", timeout=5).status_code for _ in range(10)}
    assert statuses == {200}
