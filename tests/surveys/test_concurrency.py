"""Simultaneous submissions: a one-time code is used once, and no accepted answer is lost.

Each thread gets its own session and connection, like requests served by different
threads or workers; a barrier releases them together so that the transactions overlap.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable

from sqlalchemy import func
from sqlmodel import Session, select

from sentimeter.models import AccessCode, Response
from sentimeter.runtime import Runtime
from surveys.intake import TokenProblem, submit
from surveys.org import OrgRow
from tests.conftest import open_round_with_codes, random_answers


def _attempt(runtime: Runtime, token: str, seed: int) -> str:
    """One submission in its own transaction: "stored", or the refusal's kind."""
    answers = random_answers("team-thermometer", random.Random(seed))
    with Session(runtime.engine, expire_on_commit=False) as session:
        try:
            submit(session, runtime.vault, token=token, answers=answers)
            session.commit()
        except TokenProblem as problem:
            session.rollback()
            return problem.kind
    return "stored"


def _together(jobs: list[Callable[[], str]]) -> list[str]:
    """Run the jobs in threads released at the same moment; return their outcomes."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(job: Callable[[], str]) -> None:
        barrier.wait()
        try:
            outcome = job()
        except Exception as exc:  # noqa: BLE001 - a crash is an outcome the test reports
            outcome = f"error: {exc!r}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _stored(runtime: Runtime, round_id: int) -> int:
    with Session(runtime.engine) as session:
        return int(session.exec(select(func.count()).select_from(Response)
                                .where(Response.round_id == round_id)).one())


def test_two_simultaneous_submissions_of_one_code_store_exactly_one(
        runtime: Runtime, org: list[OrgRow]) -> None:
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 4})
    for token in codes["T-BIG"]:  # several tries, so an unlucky schedule cannot hide a race
        outcomes = _together([lambda t=token, s=s: _attempt(runtime, t, s) for s in (1, 2)])
        assert sorted(outcomes) == ["stored", "used"], outcomes
    assert _stored(runtime, round_id) == len(codes["T-BIG"])


def test_a_burst_of_submissions_stores_every_accepted_answer_once(
        runtime: Runtime, org: list[OrgRow]) -> None:
    teams = {"T-BIG": 12, "T-MID": 8, "T-E2A": 10}
    round_id, codes = open_round_with_codes(runtime, codes_per_team=teams)
    tokens = [t for team in teams for t in codes[team]]
    # every code twice (some duplicates race each other), in a shuffled order
    jobs_tokens = tokens + tokens[::3]
    random.Random(5).shuffle(jobs_tokens)
    outcomes = _together([lambda t=t, i=i: _attempt(runtime, t, i)
                          for i, t in enumerate(jobs_tokens)])
    counted = Counter(outcomes)
    assert set(counted) <= {"stored", "used"}, counted
    assert counted["stored"] == len(tokens)
    assert _stored(runtime, round_id) == len(tokens)
    with Session(runtime.engine) as session:
        used = session.exec(select(func.count()).select_from(AccessCode)
                            .where(AccessCode.round_id == round_id)
                            .where(AccessCode.used == True)).one()  # noqa: E712
    assert used == len(tokens)
