"""Submission load: accepted answers per second and latency under a burst, with wrk.

For each backend (SQLite, PostgreSQL) and worker count (1, 2) a fresh database gets a
synthetic force, one open Sentimeter round and enough one-time codes that every request
carries a distinct valid code. ``sentimeter serve --workers N`` runs in its own process
group; wrk (a separate process, from Debian's packages) fires POST /api/v1/responses.
After each run the stored row count must equal the number of 201s. The same load against a
bare Litestar endpoint (``benchmarks.floor_app``) gives the framework's floor. Finally the
intake path is profiled in-process (cProfile) to show where a request's time goes.

    python -m benchmarks.submission_load [--duration 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func
from sqlmodel import Session, col, select

from benchmarks.common import env_for, fresh_settings, pg_available, synthetic_force, write_section
from sentimeter.db import session_scope
from sentimeter.models import AccessCode, Response
from sentimeter.runtime import Runtime, open_runtime
from sentimeter.settings import Settings
from surveys.codes import issue_codes
from surveys.instrument import load_instrument
from surveys.intake import submit
from surveys.org import import_org
from surveys.rounds import create_round, open_round

COMMAND = "python -m benchmarks.submission_load"
HERE = Path(__file__).resolve().parent
INSTRUMENT = "sentimeter"


@dataclass
class Result:
    label: str
    backend: str
    workers: int
    accepted: int
    other: int
    exhausted: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    socket_errors: int
    stored: int | None  # rows stored over warm-up + run
    used: int | None  # codes marked used over warm-up + run
    received_201: int | None  # 201s wrk saw over warm-up + run
    in_flight: int = 0  # requests wrk abandoned unanswered when it stopped (<= connections)

    @property
    def accepted_per_s(self) -> float:
        return self.accepted / self.seconds

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds


def ensure_wrk() -> str:
    """wrk from Debian's packages; installed on first use (benchmark set-up, not tests)."""
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (apt-get install -y wrk)", flush=True)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True)
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers_body() -> str:
    """A complete, valid Sentimeter answer (the same for every request)."""
    instrument = load_instrument(INSTRUMENT)
    return json.dumps({item.id: sorted(item.values)[len(item.values) // 2]
                       for item in instrument.items}, separators=(",", ":"))


def prepare(runtime: Runtime, count: int) -> tuple[int, list[str]]:
    """A force of at least 20,000, one open round on it, and about ``count`` codes spread over
    its teams (never more than a team's headcount: the cap of issue #11, so the force grows
    with ``count``)."""
    org = synthetic_force(max(20_000, 2 * count))
    with session_scope(runtime.engine) as session:
        import_org(session, org)
    teams = [row for row in org if row.level == "team"]
    tokens: list[str] = []
    with session_scope(runtime.engine) as session:
        round_ = create_round(session, instrument=INSTRUMENT, unit_code="NP", k=5)
        assert round_.id is not None
        open_round(session, round_.id)
        round_id = round_.id
    per_team = -(-count // len(teams))
    for start in range(0, len(teams), 100):
        with session_scope(runtime.engine) as session:
            for team in teams[start:start + 100]:
                if min(per_team, team.headcount) < 1:
                    continue
                tokens += issue_codes(session, runtime.vault, round_id=round_id,
                                      unit_code=team.code,
                                      count=min(per_team, team.headcount))
    return round_id, tokens


def start_server(argv: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,  # noqa: S603
                               stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read().decode()[-2000:]}"
                               if process.stderr else "server exited")
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.3)
    stop_server(process)
    raise RuntimeError("server did not start within 90 s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def run_wrk(wrk: str, port: int, tokens: list[str], body_file: Path, *, duration: int,
            connections: int, threads: int = 2) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(tokens) + "\n")
        token_file = handle.name
    try:
        done = subprocess.run(  # noqa: S603
            [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
             "-s", str(HERE / "submit.lua"), f"http://127.0.0.1:{port}/api/v1/responses",
             "--", token_file, str(threads), str(body_file)],
            capture_output=True, text=True, check=True, timeout=duration + 60)
    finally:
        os.unlink(token_file)
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRKJSON "))
    figures: dict[str, Any] = json.loads(line.removeprefix("WRKJSON "))
    return figures


def stored_and_used(settings: Settings, round_id: int) -> tuple[int, int]:
    """Rows stored and codes used for the round (equal when nothing was lost or doubled)."""
    runtime = open_runtime(settings, migrate=False)
    try:
        with Session(runtime.engine) as session:
            stored = session.exec(select(func.count()).select_from(Response)
                                  .where(Response.round_id == round_id)).one()
            used = session.exec(select(func.count()).select_from(AccessCode)
                                .where(AccessCode.round_id == round_id)
                                .where(col(AccessCode.used))).one()
            return int(stored), int(used)
    finally:
        runtime.engine.dispose()


def sentimeter_run(wrk: str, backend: str, workers: int, body_file: Path, args: Any) -> Result:
    """One measured run against a fresh database (after a short warm-up)."""
    budget = args.duration * 4000 + 4000  # more codes than the server can possibly take
    with tempfile.TemporaryDirectory() as tmp, fresh_settings(backend, Path(tmp)) as settings:
        runtime = open_runtime(settings)
        round_id, tokens = prepare(runtime, budget)
        runtime.engine.dispose()
        port = free_port()
        cli = str(Path(sys.executable).with_name("sentimeter"))
        server = start_server([cli, "serve", "--port", str(port), "--workers", str(workers)],
                              env_for(settings), port)
        try:
            warm = run_wrk(wrk, port, tokens[:2000], body_file, duration=2,
                           connections=args.connections)
            rest = tokens[2000:]
            figures = run_wrk(wrk, port, rest, body_file, duration=args.duration,
                              connections=args.connections)
        finally:
            stop_server(server)
        stored, used = stored_and_used(settings, round_id)
    result = _result(f"Sentimeter, {backend}", backend, workers, figures)
    result.stored, result.used = stored, used
    result.received_201 = warm["accepted"] + figures["accepted"]
    return result


def floor_run(wrk: str, workers: int, body_file: Path, args: Any) -> Result:
    port = free_port()
    server = start_server([sys.executable, "-m", "benchmarks.floor_app", "--port", str(port),
                           "--workers", str(workers)], dict(os.environ), port)
    try:
        tokens = [f"FLOOR{i:05d}" for i in range(args.duration * 30000)]
        run_wrk(wrk, port, tokens[:20000], body_file, duration=2, connections=args.connections)
        figures = run_wrk(wrk, port, tokens, body_file, duration=args.duration,
                          connections=args.connections)
    finally:
        stop_server(server)
    return _result("bare Litestar (floor)", "-", workers, figures)


def _result(label: str, backend: str, workers: int, f: dict[str, Any]) -> Result:
    return Result(label=label, backend=backend, workers=workers, accepted=f["accepted"],
                  other=f["other"], exhausted=f["exhausted"], requests=f["requests"],
                  seconds=f["duration_us"] / 1e6, p50_ms=f["p50_us"] / 1000,
                  p99_ms=f["p99_us"] / 1000, socket_errors=f["socket_errors"], stored=None,
                  used=None, received_201=None)


def profile_intake(backend: str, count: int = 1500) -> str:
    """cProfile of ``submit`` + commit, in-process, one request after another."""
    body = json.loads(answers_body())
    with tempfile.TemporaryDirectory() as tmp, fresh_settings(backend, Path(tmp)) as settings:
        runtime = open_runtime(settings)
        _, tokens = prepare(runtime, count + 100)
        for token in tokens[:100]:  # warm caches (data keys, pepper, instrument)
            with session_scope(runtime.engine) as session:
                submit(session, runtime.vault, token=token, answers=body)
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        for token in tokens[100:100 + count]:
            with session_scope(runtime.engine) as session:
                submit(session, runtime.vault, token=token, answers=body)
        profiler.disable()
        per_request = (time.perf_counter() - start) / count * 1000
        runtime.engine.dispose()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(18)
    lines = [x for x in out.getvalue().splitlines()[4:] if x.strip()]
    return (f"{backend}: {per_request:.2f} ms per submission in-process (profiled, so slower "
            "than unprofiled)\n\n```\n" + "\n".join(lines) + "\n```")


def _stored_verdict(r: Result, connections: int) -> str:
    """Stored rows equal used codes; the 201s seen differ only by answers in flight at the
    moment wrk stopped (at most one per connection, twice: warm-up and run)."""
    assert r.stored is not None and r.received_201 is not None
    in_flight = r.stored - r.received_201
    ok = r.stored == r.used and 0 <= in_flight <= 2 * connections
    return (f"{'yes' if ok else 'NO'}: {r.stored:,} rows = {r.used:,} used codes; "
            f"{r.received_201:,} 201s seen + {in_flight} in flight at cut-off")


def report(results: list[Result], profiles: list[str], args: Any) -> str:
    floors = {r.workers: r for r in results if r.backend == "-"}
    lines = [f"wrk: 2 threads, {args.connections} connections, {args.duration} s after a 2 s "
             "warm-up, on the same 2-core machine as the server; every request a distinct "
             "valid one-time code for a 7-item Sentimeter answer. Targets (2 workers): "
             ">= 1,000 accepted/s, p99 < 100 ms, >= 50% of the floor.", "",
             "| server | backend | workers | accepted/s | p50 ms | p99 ms | non-201 | "
             "stored == accepted | share of floor | targets |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        floor = floors.get(r.workers)
        share = r.accepted_per_s / floor.accepted_per_s if floor and r.backend != "-" else None
        stored = "-" if r.stored is None else _stored_verdict(r, args.connections)
        verdict = ""
        if r.backend != "-" and r.workers == 2:
            missed = [name for name, ok in (("rate", r.accepted_per_s >= 1000),
                                            ("p99", r.p99_ms < 100),
                                            ("floor", share is not None and share >= 0.5))
                      if not ok]
            verdict = "met" if not missed else "MISSED: " + ", ".join(missed)
        lines.append(f"| {r.label} | {r.backend} | {r.workers} | {r.accepted_per_s:,.0f} | "
                     f"{r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.other + r.socket_errors} | {stored} | "
                     f"{'' if share is None else f'{share:.0%}'} | {verdict} |")
    lines += ["", "Where a request's time goes (cProfile of the intake function, cumulative):",
              ""] + [p + "\n" for p in profiles]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args(argv)
    wrk = ensure_wrk()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and not pg_available():
        print("PostgreSQL not reachable; skipping it")
        backends.remove("postgresql")
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        body_file = Path(tmp) / "answers.json"
        body_file.write_text(answers_body())
        for workers in (1, 2):
            results.append(floor_run(wrk, workers, body_file, args))
            print(results[-1], flush=True)
            for backend in backends:
                results.append(sentimeter_run(wrk, backend, workers, body_file, args))
                print(results[-1], flush=True)
    profiles = [profile_intake(backend) for backend in backends]
    section = report(results, profiles, args)
    print(section)
    command = COMMAND + "".join(f" --{k} {v}" for k, v in (("duration", args.duration),
                                                             ("connections", args.connections),
                                                             ("backend", args.backend))
                                if v != parser.get_default(k))
    write_section("submission_load", "Submission load", section, command)


if __name__ == "__main__":
    main()
