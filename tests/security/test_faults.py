"""Faults: a failing database, a killed server, a wrong key, a full disk."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient
from sqlalchemy import event
from sqlmodel import Session, select

from sentimeter.db import make_engine
from sentimeter.models import AccessCode, Response
from sentimeter.runtime import Runtime, open_runtime
from sentimeter.settings import Settings
from sentimeter.vault import KeyError_, generate_master_key
from surveys.codes import find_code
from tests.conftest import cli_env, open_round_with_codes, run_cli, set_headcount
from web.app import create_app


def _read_only_app(runtime: Runtime) -> Any:
    """The same database reached through an engine that can read but not write."""
    engine = make_engine(runtime.settings.sqlalchemy_url)

    def read_only(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA query_only=ON")
        else:
            cursor.execute("SET default_transaction_read_only = on")
            dbapi_connection.commit()
        cursor.close()

    event.listen(engine, "connect", read_only)
    return create_app(runtime=dataclasses.replace(runtime, engine=engine))


def test_a_failing_database_keeps_the_answers_in_the_form_and_writes_nothing(
        runtime: Runtime, org: object) -> None:
    _, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 1})
    token = codes["T-BIG"][0]
    with TestClient(app=create_app(runtime=runtime)):
        pass  # installation secrets exist before the database turns read-only
    with TestClient(app=_read_only_app(runtime)) as client:
        response = client.post(f"/s/{token}", data={"ps1": "4", "ps2": "2",
                                                    "comment": "Graag meer overleg"})
        assert response.status_code == 503
        assert "Graag meer overleg" in response.text
        assert response.text.count("checked") >= 2  # both answers still chosen
        api = client.post("/api/v1/responses", json={"token": token, "answers": {"ps1": 4}})
        assert api.status_code == 503
    with Session(runtime.engine) as db:
        assert db.exec(select(Response)).first() is None
        assert all(not c.used for c in db.exec(select(AccessCode)))


def test_a_wrong_or_missing_master_key_stops_start_up_and_touches_nothing(
        settings: Settings, runtime: Runtime, org: object, tmp_path: Path) -> None:
    open_round_with_codes(runtime, codes_per_team={"T-BIG": 1})  # something sealed to protect
    runtime.engine.dispose()
    url = settings.database_url or settings.sqlalchemy_url
    db_file = settings.data_dir / "sentimeter.db"
    before = hashlib.sha256(db_file.read_bytes()).hexdigest() if not settings.database_url else ""
    wrong = dataclasses.replace(settings, database_url=url,
                                master_key=generate_master_key().serialise())
    with pytest.raises(KeyError_, match="wrong key|does not unwrap|wrapped with"):
        open_runtime(wrong)
    result = run_cli(wrong, "init")
    assert result.exit_code == 2 and "error:" in result.output
    missing = dataclasses.replace(settings, database_url=url, master_key="",
                                  master_key_file=str(tmp_path / "gone.key"))
    with pytest.raises(KeyError_, match="does not exist"):
        open_runtime(missing, create=True)
    if before:
        assert hashlib.sha256(db_file.read_bytes()).hexdigest() == before


def test_a_full_disk_gives_a_clear_error_and_loses_no_earlier_answer(
        runtime: Runtime, org: object) -> None:
    if runtime.engine.dialect.name != "sqlite":
        pytest.skip("page limits are an SQLite feature")
    set_headcount(runtime, "T-BIG", 60)  # codes never exceed a team's people
    _, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 60})
    with TestClient(app=create_app(runtime=runtime)):
        pass
    engine = make_engine(runtime.settings.sqlalchemy_url)
    with engine.connect() as connection:
        connection.exec_driver_sql("VACUUM")  # no free pages left to fill
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
    engine.dispose()

    def tiny_disk(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    event.listen(engine, "connect", tiny_disk)
    statuses = []
    with TestClient(app=create_app(runtime=dataclasses.replace(runtime, engine=engine))) as c:
        for token in codes["T-BIG"]:
            response = c.post("/api/v1/responses", json={
                "token": token, "answers": {"ps1": 3}, "comment": "x" * 1500})
            statuses.append(response.status_code)
            if response.status_code != 201:
                assert response.status_code == 503, response.text
                break
    assert statuses[-1] == 503, statuses
    with Session(runtime.engine) as db:
        assert len(db.exec(select(Response)).all()) == statuses.count(201)
        used = sum(1 for c in db.exec(select(AccessCode)) if c.used)
        assert used == statuses.count(201)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_every_acknowledged_answer_survives_a_sigkill(
        settings: Settings, runtime: Runtime, org: object) -> None:
    set_headcount(runtime, "T-BIG", 400)  # codes never exceed a team's people
    _, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 400})
    runtime.engine.dispose()
    port = _free_port()
    env = {**os.environ, **cli_env(settings), "SENTIMETER_LOG_LEVEL": "warning"}
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", "from sentimeter.cli import main; main()", "serve",
         "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        acknowledged: list[str] = []
        lock = threading.Lock()
        tokens = list(codes["T-BIG"])

        def burst() -> None:
            with httpx.Client(base_url=base, timeout=5) as http:
                while True:
                    with lock:
                        if not tokens:
                            return
                        token = tokens.pop()
                    try:
                        response = http.post("/api/v1/responses",
                                             json={"token": token, "answers": {"ps1": 4}})
                    except httpx.HTTPError:
                        return
                    if response.status_code == 201:
                        with lock:
                            acknowledged.append(token)

        workers = [threading.Thread(target=burst) for _ in range(4)]
        for worker in workers:
            worker.start()
        while len(acknowledged) < 30:
            time.sleep(0.02)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        for worker in workers:
            worker.join(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
    after = open_runtime(settings)
    try:
        with Session(after.engine) as db:
            stored = len(db.exec(select(Response)).all())
            used = sum(1 for c in db.exec(select(AccessCode)) if c.used)
            lost = [t for t in acknowledged
                    if not (code := find_code(db, after.vault, t)) or not code.used]
    finally:
        after.engine.dispose()
    assert len(acknowledged) >= 30
    assert stored >= len(acknowledged)  # at most the in-flight ones more
    assert stored == used and lost == []
