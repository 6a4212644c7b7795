"""Force-scale analysis: aggregate one closed round of 65,000 answers; serve the comparison.

A synthetic force (``generate_force``: 14 eenheden, ~40 districts, ~170 basisteams, teams
of 3-40) gets 26 Sentimeter rounds and 4 Team Thermometer rounds. Sealed rows are written
in bulk with the real vault (data key per round and team, real AAD), because pushing two
million answers through HTTP would measure the intake, not the analysis. What is measured
is the real path: ``compute_publication`` (decrypt + aggregate + gate) and
``close_and_publish``; then the comparison API and the unit page from stored publications.

    python -m benchmarks.force_scale [--backend sqlite|postgresql] [--people 65000]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import logging
import pstats
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from analysis.release import close_and_publish, compute_publication
from benchmarks.common import fresh_settings, pg_available, synthetic_force, write_section
from sentimeter.accounts import create_user
from sentimeter.db import session_scope
from sentimeter.models import AccessCode, Response, Round, random_id
from sentimeter.runtime import Runtime, open_runtime
from sentimeter.vault import response_aad
from surveys.demo_force import _ItemTable, _person, team_climate
from surveys.instrument import load_instrument
from surveys.org import OrgRow, import_org
from surveys.rounds import create_round, open_round

COMMAND = "python -m benchmarks.force_scale"
ROUNDS = (("sentimeter", 26), ("team-thermometer", 4))
PASSWORD = "bench-password-123"  # noqa: S105 - a throw-away benchmark account


def seed_round(runtime: Runtime, instrument_id: str, teams: list[OrgRow], seed: int) -> int:
    """An open round with one sealed answer (and one used code) per person of every team."""
    instrument = load_instrument(instrument_id)
    rng = random.Random(seed)
    tables = [_ItemTable(item) for item in instrument.items]
    with session_scope(runtime.engine) as session:
        round_ = create_round(session, instrument=instrument_id, unit_code="NP", k=5)
        assert round_.id is not None
        open_round(session, round_.id)
        round_id = round_.id
        rows: list[dict[str, Any]] = []
        for team in teams:
            key = runtime.vault.data_key(session, round_id=round_id, unit_code=team.code,
                                         create=True)
            assert key is not None
            climate = team_climate(team.code, seed)
            for answers in _answers(tables, team.headcount, rng, climate):
                rid = random_id()
                aad = response_aad(instrument=instrument.id, version=instrument.version,
                                   round_id=round_id, unit_code=team.code, rid=f"r:{rid}")
                blob = runtime.vault.seal(key, json.dumps({"a": answers}).encode(), aad)
                rows.append({"id": rid, "round_id": round_id, "unit_code": team.code,
                             "sealed": blob, "batch": None})
        session.execute(insert(Response), rows)
        session.execute(insert(AccessCode), [
            {"code_hash": f"{round_id}-{r['id']}", "round_id": round_id,
             "unit_code": r["unit_code"], "used": True} for r in rows])
    return round_id


def _answers(tables: list[_ItemTable], n: int, rng: random.Random,
             climate: float) -> list[dict[str, int]]:
    """``synthetic_answers`` without rebuilding its per-item tables for every team (speed)."""
    cuts = [t for t in tables if t.cut]
    rated = [t for t in tables if not t.cut]
    return [_person(cuts, rated, rng, climate, 0.05) for _ in range(n)]


def _profile_top(call: Any, lines: int = 12) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    call()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    return "\n".join(line for line in out.getvalue().splitlines()[4:] if line.strip())


def measure_aggregation(runtime: Runtime, round_id: int) -> dict[str, Any]:
    """Time and peak memory of decrypt + aggregate + gate of one round (3 runs, median)."""
    times: list[float] = []
    with Session(runtime.engine, expire_on_commit=False) as session:
        round_ = session.get(Round, round_id)
        assert round_ is not None
        compute_publication(session, runtime.vault, round_)  # warm caches
        for _ in range(3):
            gc.collect()
            start = time.perf_counter()
            compute_publication(session, runtime.vault, round_)
            times.append(time.perf_counter() - start)
        gc.collect()
        tracemalloc.start()
        compute_publication(session, runtime.vault, round_)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        profile = _profile_top(lambda: compute_publication(session, runtime.vault, round_))
        session.rollback()
    return {"median_s": statistics.median(times), "runs": times, "peak_bytes": peak,
            "max_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "profile": profile}


def close_all(runtime: Runtime, round_ids: list[int]) -> dict[int, float]:
    seconds: dict[int, float] = {}
    for round_id in round_ids:
        with session_scope(runtime.engine) as session:
            start = time.perf_counter()
            close_and_publish(session, runtime.vault, round_id)
        seconds[round_id] = time.perf_counter() - start
    return seconds


def measure_serving(runtime: Runtime, round_id: int, unit_code: str) -> dict[str, float]:
    """Median seconds per request of the comparison API per level and the unit page."""
    from litestar.testing import TestClient

    from web.app import create_app

    with session_scope(runtime.engine) as session:
        create_user(session, email="analist@politie.test", role="analyst", unit_code="NP",
                    password=PASSWORD)
    paths = {f"GET /api/v1/compare/{{id}}?level={level}":
             f"/api/v1/compare/{round_id}?level={level}"
             for level in ("eenheid", "district", "basisteam", "team")}
    paths["GET /compare?round={id}&level=eenheid (page)"] = \
        f"/compare?round={round_id}&level=eenheid"
    paths["GET /dashboard/{id}/NP (unit page)"] = f"/dashboard/{round_id}/NP"
    paths[f"GET /dashboard/{{id}}/{unit_code} (team page)"] = f"/dashboard/{round_id}/{unit_code}"
    results: dict[str, float] = {}
    app = create_app(runtime=runtime)
    with TestClient(app=app) as client:
        client.get("/login")
        login = client.post("/api/v1/auth/login",
                            json={"email": "analist@politie.test", "password": PASSWORD},
                            headers={"x-csrftoken": client.cookies.get("csrftoken") or ""})
        assert login.status_code == 200, login.text
        for label, path in paths.items():
            first = client.get(path)
            if first.status_code != 200:
                results[f"{label} -> HTTP {first.status_code}"] = float("nan")
                continue
            times = []
            for _ in range(5):
                start = time.perf_counter()
                client.get(path)
                times.append(time.perf_counter() - start)
            results[label] = statistics.median(times)
            if results[label] >= 0.5:
                PROFILES[label] = _profile_request(app, client.cookies, path)
    return results


PROFILES: dict[str, str] = {}


def _profile_request(app: Any, cookies: Any, path: str) -> str:
    """cProfile of one request across threads: a fresh client, so that its event loop and
    worker threads start after the profiling hook is set (handlers run in worker threads)."""
    import threading

    from litestar.testing import TestClient

    profiles: list[cProfile.Profile] = []

    def hook(*_: Any) -> None:  # first event in a new thread: hand over to a real profiler
        profiler = cProfile.Profile()
        profiles.append(profiler)
        profiler.enable()

    threading.setprofile(hook)
    try:
        with TestClient(app=app, cookies=cookies) as fresh:
            fresh.get(path)
    finally:
        threading.setprofile(None)
    out = io.StringIO()
    for profiler in profiles:
        profiler.create_stats()
    stats = pstats.Stats(*profiles, stream=out)
    stats.sort_stats("cumulative").print_stats(r"(analysis|web|surveys|sentimeter|json|jinja|"
                                                r"altair|vl_convert)", 14)
    return "\n".join(line for line in out.getvalue().splitlines()[4:] if line.strip())


def run(backend: str, people: int, rounds: tuple[tuple[str, int], ...] = ROUNDS) -> str:
    with tempfile.TemporaryDirectory() as tmp, fresh_settings(backend, Path(tmp)) as settings:
        runtime = open_runtime(settings)
        org = synthetic_force(people)
        with session_scope(runtime.engine) as session:
            import_org(session, org)
        teams = [row for row in org if row.level == "team"]
        levels = {lvl: sum(1 for r in org if r.level == lvl)
                  for lvl in ("eenheid", "district", "basisteam", "team")}
        print(f"[{backend}] force: {people} people, {levels}", flush=True)
        start = time.perf_counter()
        round_ids: list[tuple[str, int]] = []
        seed = 0
        for instrument_id, count in rounds:
            for _ in range(count):
                seed += 1
                round_ids.append((instrument_id, seed_round(runtime, instrument_id, teams, seed)))
        seeding = time.perf_counter() - start
        print(f"[{backend}] seeded {len(round_ids)} rounds in {seeding:.0f} s", flush=True)
        last_senti = max(r for i, r in round_ids if i == "sentimeter")
        last_tt = max(r for i, r in round_ids if i == "team-thermometer")
        agg = {}
        for name, rid in (("sentimeter", last_senti), ("team-thermometer", last_tt)):
            agg[name] = measure_aggregation(runtime, rid)
            print(f"[{backend}] aggregate {name}: {agg[name]['median_s']:.2f} s, peak "
                  f"{agg[name]['peak_bytes'] / 2**20:.0f} MiB", flush=True)
        closing = close_all(runtime, [r for _, r in round_ids])
        print(f"[{backend}] closed {len(closing)} rounds, median "
              f"{statistics.median(closing.values()):.2f} s", flush=True)
        big_team = max(teams, key=lambda t: t.headcount).code
        serving = measure_serving(runtime, last_tt, big_team)
        runtime.engine.dispose()
    return report(backend, people, levels, len(round_ids), seeding, agg, closing, serving)


def report(backend: str, people: int, levels: dict[str, int], rounds: int, seeding: float,
           agg: dict[str, dict[str, Any]], closing: dict[int, float],
           serving: dict[str, float]) -> str:
    lines = [f"### {backend}", "",
             f"Force: {people:,} people; {levels['eenheid']} eenheden, {levels['district']} "
             f"districts, {levels['basisteam']} basisteams, {levels['team']} teams; "
             f"{rounds} rounds seeded with one answer per person in {seeding:.0f} s.", "",
             "| measure | value | target |", "| --- | --- | --- |"]
    for name, figures in agg.items():
        ok = figures["median_s"] < 10 and figures["peak_bytes"] < 2**30
        lines.append(f"| aggregate one closed {name} round of {people:,} answers "
                     f"(decrypt+aggregate+gate, median of 3) | {figures['median_s']:.2f} s "
                     f"(runs {', '.join(f'{t:.2f}' for t in figures['runs'])}) | < 10 s "
                     f"{'met' if ok else 'MISSED'} |")
        lines.append(f"| peak Python memory of that ({name}, tracemalloc) | "
                     f"{figures['peak_bytes'] / 2**20:.0f} MiB | < 1 GiB |")
    lines.append(f"| process max RSS (whole benchmark) | "
                 f"{max(f['max_rss_bytes'] for f in agg.values()) / 2**20:.0f} MiB | |")
    lines.append(f"| close_and_publish per round (close, shuffle rows, publish), median | "
                 f"{statistics.median(closing.values()):.2f} s | |")
    for label, seconds in serving.items():
        verdict = "" if seconds != seconds else ("met" if seconds < 0.5 else "MISSED")
        value = "n/a" if seconds != seconds else f"{seconds * 1000:.0f} ms"
        lines.append(f"| {label} | {value} | < 0.5 s {verdict} |")
    lines += ["", f"Profile of one Team Thermometer aggregation ({backend}, cProfile, "
              "cumulative):", "", "```", agg["team-thermometer"]["profile"], "```", ""]
    for label, profile in PROFILES.items():
        lines += [f"Profile of the slow request {label} ({backend}, cProfile over all threads, "
                  "cumulative, application frames):", "", "```", profile, "```", ""]
    PROFILES.clear()
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--people", type=int, default=65_000)
    parser.add_argument("--rounds", default="26,4",
                        help="Sentimeter and Team Thermometer rounds to seed (default 26,4)")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and not pg_available():
        print("PostgreSQL not reachable; skipping it")
        backends.remove("postgresql")
    sections = []
    for backend in backends:
        senti, thermo = (int(n) for n in args.rounds.split(","))
        section = run(backend, args.people,
                      (("sentimeter", max(1, senti)), ("team-thermometer", max(1, thermo))))
        print(section, flush=True)
        sections.append(section)
    command = COMMAND + ("" if args.backend == "both" else f" --backend {args.backend}") + \
        ("" if args.people == 65_000 else f" --people {args.people}") + \
        ("" if args.rounds == "26,4" else f" --rounds {args.rounds}")
    write_section("force_scale", "Force-scale analysis", "\n".join(sections), command)


if __name__ == "__main__":
    main()
