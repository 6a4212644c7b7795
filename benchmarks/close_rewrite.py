"""Cost of the storage rewrite at close and of the compaction after it, at force scale.

One open round per instrument with one padded sealed answer per person of the synthetic
force (65,000 by default; every fifth with a comment), written in bulk with the real vault
and layout (``pack_open``), plus one used code each. Then each round is closed as
``close_and_publish`` closes it, timed step by step: ``close_round`` (the state),
``rewrite_closed_round`` (open, re-seal, split comments, shuffle, tally),
the commit, and the compaction that runs after the commit. The Sentimeter round is closed
while the Team Thermometer round is still open, so its compaction also carries the other
round's rows, as a real installation would.

    python -m benchmarks.close_rewrite [--backend sqlite|postgresql|both] [--people 65000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from analysis.storage_close import rewrite_closed_round
from benchmarks.common import fresh_settings, pg_available, synthetic_force, write_section
from sentimeter.models import AccessCode, Response, random_id
from sentimeter.runtime import Runtime, open_runtime
from sentimeter.vault import response_aad
from surveys.demo_force import _ItemTable, _person, team_climate
from surveys.instrument import load_instrument
from surveys.org import OrgRow, import_org
from surveys.rounds import close_round, create_round, open_round
from surveys.sealed import pack_open

COMMAND = "python -m benchmarks.close_rewrite"
INSTRUMENTS = ("sentimeter", "team-thermometer")
CHUNK = 5000


def seed_open_round(runtime: Runtime, instrument_id: str, teams: list[OrgRow],
                    seed: int) -> tuple[int, int]:
    """An open round with one padded answer and one used code per person; (round, comments)."""
    instrument = load_instrument(instrument_id)
    rng = random.Random(seed)
    tables = [_ItemTable(item) for item in instrument.items]
    cuts, rated = [t for t in tables if t.cut], [t for t in tables if not t.cut]
    comments = 0
    with Session(runtime.engine, expire_on_commit=False) as session:
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
            for _ in range(team.headcount):
                answers = _person(cuts, rated, rng, climate, 0.05)
                comment = None
                if instrument.comment.enabled and rng.random() < 0.2:
                    comment = "Het overleg in ons team kan beter. " * rng.randint(1, 8)
                    comments += 1
                rid = random_id()
                aad = response_aad(instrument=instrument.id, version=instrument.version,
                                   round_id=round_id, unit_code=team.code, rid=f"r:{rid}")
                rows.append({"id": rid, "round_id": round_id, "unit_code": team.code,
                             "batch": None, "sealed": runtime.vault.seal(
                                 key, pack_open(instrument, answers, comment), aad)})
        rng.shuffle(rows)
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            session.execute(insert(Response), chunk)
            session.execute(insert(AccessCode), [
                {"code_hash": f"{round_id}-{r['id']}", "round_id": round_id,
                 "unit_code": r["unit_code"], "used": True} for r in chunk])
        session.commit()
    return round_id, comments


def database_bytes(engine: Engine) -> int:
    if engine.dialect.name == "sqlite":
        path = Path(str(engine.url.database))
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    with engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r'")).scalar_one())


def close_timed(runtime: Runtime, round_id: int) -> dict[str, Any]:
    """Close one round as ``close_and_publish`` does, timing each storage step."""
    timings: dict[str, Any] = {"bytes_before": database_bytes(runtime.engine)}
    session = Session(runtime.engine, expire_on_commit=False)
    try:
        start = time.perf_counter()
        round_ = close_round(session, round_id)
        timings["close_round_s"] = time.perf_counter() - start
        start = time.perf_counter()
        done = rewrite_closed_round(session, runtime.vault, round_)
        timings["rewrite_s"] = time.perf_counter() - start
        timings["rewritten"] = done
        start = time.perf_counter()
        session.commit()  # the compaction runs in the after-commit hook
        timings["commit_and_compaction_s"] = time.perf_counter() - start
        compaction = session.info.get("compaction")
        timings["compaction"] = compaction
    finally:
        session.close()
    timings["bytes_after"] = database_bytes(runtime.engine)
    return timings


def run(backend: str, people: int) -> str:
    with tempfile.TemporaryDirectory() as tmp, fresh_settings(backend, Path(tmp)) as settings:
        runtime = open_runtime(settings, create=True)
        org = synthetic_force(people)
        with Session(runtime.engine) as session:
            import_org(session, org)
            session.commit()
        teams = [row for row in org if row.level == "team"]
        seeded = []
        for index, instrument_id in enumerate(INSTRUMENTS):
            start = time.perf_counter()
            round_id, comments = seed_open_round(runtime, instrument_id, teams, seed=index + 1)
            seeded.append((instrument_id, round_id, comments, time.perf_counter() - start))
        lines = [f"### {backend}", "",
                 "| round | answers | comments | close_round | rewrite | commit + compaction "
                 "| compaction steps | database before -> after |",
                 "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
        for instrument_id, round_id, _, _ in seeded:
            t = close_timed(runtime, round_id)
            done, compaction = t["rewritten"], t["compaction"]
            steps = ", ".join(f"{k} {v:.1f} s" for k, v in compaction.seconds.items()) \
                if compaction else "did not run"
            if compaction and compaction.warnings:
                steps += " (" + "; ".join(compaction.warnings) + ")"
            lines.append(
                f"| {instrument_id} | {done.responses:,} | {done.comments:,} "
                f"| {t['close_round_s']:.1f} s | {t['rewrite_s']:.1f} s "
                f"| {t['commit_and_compaction_s']:.1f} s | {steps} "
                f"| {t['bytes_before'] / 1e6:,.0f} MB -> {t['bytes_after'] / 1e6:,.0f} MB |")
        seeding = ", ".join(f"{i} {s:.0f} s" for i, _, _, s in seeded)
        lines += ["", f"Seeding (not part of the close): {seeding}."]
        runtime.engine.dispose()
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--people", type=int, default=65000)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and not pg_available():
        backends.remove("postgresql")
    intro = (
        f"{args.people:,} people, one round per instrument. Each close: `close_round` "
        "(the state), the rewrite (open every answer, re-seal ratings under new ids at the "
        "closed size, split out and pad comments, shuffle, replace codes by tallies), then "
        "after the commit the compaction (SQLite: truncating WAL checkpoint, VACUUM, "
        "checkpoint; PostgreSQL: VACUUM FULL of response, comment, access_code, code_tally "
        "and CHECKPOINT). Answering waits while the compaction holds its lock.")
    for backend in backends:  # one section per backend, so each can be re-run alone
        body = "\n\n".join([intro, run(backend, args.people)])
        command = f"{COMMAND} --backend {backend} --people {args.people}"
        write_section(f"close_rewrite_{backend}",
                      f"Close: storage rewrite and compaction ({backend})", body, command)
        print(body)

if __name__ == "__main__":
    main()
