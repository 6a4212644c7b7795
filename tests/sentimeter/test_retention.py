"""`sentimeter retention run`: old rounds' answers become unreadable, their figures stay."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from analysis.decrypt import RoundUnreadable, load_answers
from analysis.release import close_and_publish
from sentimeter.db import session_scope
from sentimeter.models import DataKey, Response, Round, utcnow
from sentimeter.runtime import Runtime
from sentimeter.settings import Settings
from surveys.instrument import load_instrument
from tests.conftest import Persona, answer_all, login, open_round_with_codes, run_cli


def _closed_round(runtime: Runtime, *, days_ago: int) -> tuple[int, list[bytes]]:
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 6})
    answer_all(runtime, codes, "team-thermometer", {"T-BIG": 6})
    with session_scope(runtime.engine) as db:
        close_and_publish(db, runtime.vault, round_id)
        round_ = db.get(Round, round_id)
        assert round_ is not None
        round_.closed_at = utcnow() - timedelta(days=days_ago)
        db.add(round_)
        wrapped = [k.wrapped for k in db.exec(select(DataKey).where(DataKey.round_id == round_id))]
    return round_id, wrapped


def test_retention_shreds_old_rounds_and_keeps_their_publication(
        settings: Settings, runtime: Runtime, client: TestClient[Any],
        personas: dict[str, Persona]) -> None:
    old_id, old_keys = _closed_round(runtime, days_ago=40)
    recent_id, _ = _closed_round(runtime, days_ago=5)
    result = run_cli(settings, "retention", "run", "--older-than", "30", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["shredded"] == [old_id]
    runtime.vault.forget(old_id)
    with Session(runtime.engine) as db:
        old = db.get(Round, old_id)
        assert old is not None and old.keys_destroyed_at is not None
        assert db.exec(select(DataKey).where(DataKey.round_id == old_id)).first() is None
        assert db.exec(select(Response).where(Response.round_id == old_id)).first() is not None
        with pytest.raises(RoundUnreadable):
            load_answers(db, runtime.vault, old, load_instrument("team-thermometer"))
        recent = db.get(Round, recent_id)
        assert recent is not None and recent.keys_destroyed_at is None
        instrument = load_instrument("team-thermometer")
        assert len(load_answers(db, runtime.vault, recent, instrument)) == 6
    login(client, personas["alice_team_leader"])
    report = client.get(f"/api/v1/reports/{old_id}/T-BIG").json()
    # the publication outlives the keys: Team Groot's 6 answers still read as the band "5-9"
    assert report["released"] is True and report["responses_band"] == "5-9"
    if runtime.engine.dialect.name == "sqlite":
        raw = settings.data_dir.joinpath("sentimeter.db").read_bytes()
        assert all(key not in raw for key in old_keys), "wrapped key bytes left on disk"


def test_retention_uses_the_configured_period_by_default(
        settings: Settings, runtime: Runtime, personas: dict[str, Persona]) -> None:
    _closed_round(runtime, days_ago=settings.retention_days - 1)
    result = run_cli(settings, "retention", "run", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["shredded"] == []
