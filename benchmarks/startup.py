"""Start-up: seconds from starting `sentimeter serve` to its first 200 on /healthz.

    python -m benchmarks.startup [--warm-runs 5] [--cold-runs 3] [--no-write]

A server that loads the comment scrubber at start (the default) answers /healthz with 503
until deduce's lookup tables are loaded. Three cases, each on an initialised SQLite
database (`sentimeter init`, as after an install):

- warm: the tables were built at install (`make`, `sentimeter init`): the server loads them;
- cold: no built tables (an install that skipped both): the server builds them first. Each
  cold run imports a fresh copy of the deduce package without its cache, so the installed
  tables are never touched;
- lazy: SENTIMETER_WARM_SCRUBBER=false: ready when listening; the first comment pays.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.common import env_for, fresh_settings, write_section
from benchmarks.submission_load import free_port, stop_server
from surveys.deduce_tables import build_tables, package_lookup_dir

COMMAND = "python -m benchmarks.startup"
CLI = Path(sys.executable).with_name("sentimeter")
READY_TIMEOUT = 600.0


def time_to_ready(env: dict[str, str], port: int) -> tuple[float, float]:
    """(seconds to the first HTTP answer, seconds to the first 200) of a fresh server."""
    argv = [str(CLI), "serve", "--port", str(port)]
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,  # noqa: S603
                               stderr=subprocess.PIPE, start_new_session=True)
    listening: float | None = None
    try:
        while time.perf_counter() - started < READY_TIMEOUT:
            if process.poll() is not None:
                err = process.stderr.read().decode()[-2000:] if process.stderr else ""
                raise RuntimeError(f"server exited: {err}")
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code
            except httpx.TransportError:
                time.sleep(0.05)
                continue
            now = time.perf_counter() - started
            listening = now if listening is None else listening
            if status == 200:
                return listening, now
            time.sleep(0.05)
        raise RuntimeError(f"not ready within {READY_TIMEOUT:.0f} s")
    finally:
        stop_server(process)


def run_case(case: str, runs: int, workdir: Path) -> list[tuple[float, float]]:
    results = []
    for run in range(runs):
        with fresh_settings("sqlite", workdir) as settings:
            env = env_for(settings)
            subprocess.run([str(CLI), "init"], env=env, check=True,  # noqa: S603
                           capture_output=True)  # warming is off in env_for: no tables built
            if case != "lazy":
                env["SENTIMETER_WARM_SCRUBBER"] = "true"
            if case == "cold":
                bare = _bare_deduce_copy(workdir / f"cold-{run}")
                env["PYTHONPATH"] = os.pathsep.join(
                    p for p in (str(bare), env.get("PYTHONPATH")) if p)
            result = time_to_ready(env, free_port())
            print(f"{case} run {run + 1}: listening {result[0]:.1f} s, ready {result[1]:.1f} s",
                  flush=True)
            results.append(result)
    return results


def _bare_deduce_copy(target: Path) -> Path:
    """A copy of the installed deduce package without its built tables; returns its parent."""
    package = package_lookup_dir().parent.parent
    shutil.copytree(package, target / "deduce",
                    ignore=shutil.ignore_patterns("lookup_structs.pickle", "__pycache__"))
    return target


def _row(case: str, what: str, results: list[tuple[float, float]]) -> str:
    listening = statistics.median(r[0] for r in results)
    ready = [r[1] for r in results]
    return (f"| {case} | {what} | {len(results)} | {listening:.1f} s | "
            f"**{statistics.median(ready):.1f} s** | {min(ready):.1f}-{max(ready):.1f} s |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-runs", type=int, default=5)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    build_tables(print)  # the warm case needs the installed tables built
    load = os.getloadavg()
    cases = [("warm", "tables built at install", args.warm_runs),
             ("cold", "no tables built: the server builds them", args.cold_runs),
             ("lazy", "SENTIMETER_WARM_SCRUBBER=false", args.warm_runs)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="sentimeter-startup-") as tmp:
        for case, what, runs in cases:
            if runs:
                rows.append(_row(case, what, run_case(case, runs, Path(tmp))))
    section = "\n".join([
        "Seconds from starting `sentimeter serve` (1 worker, SQLite, database initialised) "
        "to the first answer on `/healthz` (listening) and to its first 200 (ready: the "
        "comment scrubber's tables are loaded). Medians of the runs shown.",
        "",
        "| case | tables | runs | listening | ready | ready min-max |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        f"Load average at the start: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min).",
    ])
    print(section)
    if not args.no_write:
        write_section("startup", "Start-up: process start to ready", section, COMMAND)


if __name__ == "__main__":
    main()
