"""`sentimeter tick`: rounds open and close on time, and a round is closed exactly once
even when several ticks run at the same moment."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

from sqlmodel import select

from analysis.schedule import TickResult, run_due
from sentimeter.db import session_scope
from sentimeter.models import AuditEvent, Publication, RoundTeam
from sentimeter.runtime import Runtime
from surveys.rounds import create_round, get_round
from tests.conftest import answer_all, open_round_with_codes

TICKS = 4


def _scheduled_round(runtime: Runtime) -> int:
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 6})
    answer_all(runtime, codes, "team-thermometer", {"T-BIG": 6})
    with session_scope(runtime.engine) as db:
        round_ = get_round(db, round_id)
        round_.closes_at = round_.opened_at + timedelta(days=7)  # type: ignore[operator]
        db.add(round_)
    return round_id


def test_concurrent_ticks_close_and_publish_a_due_round_once(
        runtime: Runtime, org: object) -> None:
    round_id = _scheduled_round(runtime)
    later = get_round_closes(runtime, round_id) + timedelta(minutes=1)
    barrier = threading.Barrier(TICKS)
    results: list[TickResult] = []
    errors: list[BaseException] = []

    def tick() -> None:
        barrier.wait()
        try:
            results.append(run_due(runtime.engine, runtime.vault, actor="cli:cron", now=later))
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=tick) for _ in range(TICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(len(r.closed) for r in results) == [0] * (TICKS - 1) + [1]
    with session_scope(runtime.engine) as db:
        assert get_round(db, round_id).state == "closed"
        finals = db.exec(select(Publication).where(Publication.round_id == round_id)
                         .where(Publication.kind == "final")).all()
        closes = db.exec(select(AuditEvent).where(AuditEvent.action == "round.close")).all()
    assert len(finals) == 1
    assert [(e.actor, e.target) for e in closes] == [("cli:cron", f"round:{round_id}")]


def get_round_closes(runtime: Runtime, round_id: int) -> Any:
    with session_scope(runtime.engine) as db:
        return get_round(db, round_id).closes_at


def test_a_round_before_its_closing_time_stays_open(runtime: Runtime, org: object) -> None:
    round_id = _scheduled_round(runtime)
    earlier = get_round_closes(runtime, round_id) - timedelta(minutes=1)
    assert run_due(runtime.engine, runtime.vault, actor="cli:cron", now=earlier).closed == []
    with session_scope(runtime.engine) as db:
        assert get_round(db, round_id).state == "open"


def test_a_draft_opens_at_its_time_with_frozen_caps(runtime: Runtime, org: object) -> None:
    with session_scope(runtime.engine) as db:
        draft = create_round(db, instrument="sentimeter", unit_code="E1-D1-B2")
        draft.opens_at = draft.created_at + timedelta(hours=1)
        db.add(draft)
        round_id, opens = draft.id or 0, draft.opens_at
    done = run_due(runtime.engine, runtime.vault, actor="cli:cron",
                   now=opens + timedelta(seconds=1))
    assert done.opened == [round_id]
    with session_scope(runtime.engine) as db:
        assert get_round(db, round_id).state == "open"
        frozen = {t.unit_code for t in db.exec(select(RoundTeam)
                                               .where(RoundTeam.round_id == round_id))}
    assert frozen == {"T-B2A", "T-B2B"}


def test_the_tick_command_reports_what_it_did(runtime: Runtime, org: object, cli: Any) -> None:
    round_id = _scheduled_round(runtime)
    with session_scope(runtime.engine) as db:
        round_ = get_round(db, round_id)
        round_.closes_at = round_.opened_at  # due now
        db.add(round_)
    result = cli("tick", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["closed"] == [round_id]
    again = cli("tick", "--json")
    assert json.loads(again.output)["closed"] == []
