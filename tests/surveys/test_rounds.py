"""Rounds: k never below 5, draft -> open -> closed only, settings frozen once open."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from sentimeter.db import session_scope
from sentimeter.models import Round
from sentimeter.runtime import Runtime
from surveys.rounds import RoundError, close_round, create_round, open_round, update_round


def _draft(runtime: Runtime, **kwargs: Any) -> int:
    with session_scope(runtime.engine) as session:
        created = create_round(session, instrument="team-thermometer", unit_code="NP", **kwargs)
        assert created.id is not None and created.state == "draft"
        return created.id


def test_k_below_five_is_refused(runtime: Runtime, org: object) -> None:
    for k in (4, 0, -5):
        with session_scope(runtime.engine) as session, \
                pytest.raises(RoundError, match="at least 5"):
            create_round(session, instrument="sentimeter", unit_code="NP", k=k)


def test_k_below_the_organisations_minimum_is_refused(runtime: Runtime, org: object) -> None:
    with session_scope(runtime.engine) as session, pytest.raises(RoundError, match="at least 8"):
        create_round(session, instrument="sentimeter", unit_code="NP", k=6, k_min=8)


def test_a_new_round_is_a_draft_with_k_five_by_default(runtime: Runtime, org: object) -> None:
    round_id = _draft(runtime)
    with session_scope(runtime.engine) as session:
        round_ = session.get(Round, round_id)
        assert round_ is not None
        assert (round_.k, round_.state, round_.instrument, round_.version) == \
            (5, "draft", "team-thermometer", 1)


def test_unknown_instrument_unit_or_backwards_schedule_is_refused(
        runtime: Runtime, org: object) -> None:
    now = datetime.now(UTC)
    with session_scope(runtime.engine) as session:
        with pytest.raises(RoundError, match="Unknown instrument"):
            create_round(session, instrument="nope", unit_code="NP")
        with pytest.raises(RoundError, match="Unknown unit"):
            create_round(session, instrument="sentimeter", unit_code="NOPE")
        with pytest.raises(RoundError, match="close after it opens"):
            create_round(session, instrument="sentimeter", unit_code="NP", opens_at=now,
                         closes_at=now - timedelta(days=1))


def test_a_round_goes_from_draft_to_open_to_closed_and_no_other_way(
        runtime: Runtime, org: object) -> None:
    round_id = _draft(runtime)
    with session_scope(runtime.engine) as session:
        with pytest.raises(RoundError, match="only an open round can be closed"):
            close_round(session, round_id)
        assert open_round(session, round_id).state == "open"
        with pytest.raises(RoundError, match="only a draft can be opened"):
            open_round(session, round_id)
        assert close_round(session, round_id).state == "closed"
        with pytest.raises(RoundError, match="only a draft can be opened"):
            open_round(session, round_id)
        with pytest.raises(RoundError, match="only an open round can be closed"):
            close_round(session, round_id)
    with session_scope(runtime.engine) as session:
        stored = session.get(Round, round_id)
        assert stored is not None and stored.state == "closed"
        assert stored.opened_at is not None and stored.closed_at is not None


def test_a_draft_may_still_change(runtime: Runtime, org: object) -> None:
    round_id = _draft(runtime)
    with session_scope(runtime.engine) as session:
        changed = update_round(session, round_id, k=7, name="Voorjaar")
        assert (changed.k, changed.name) == (7, "Voorjaar")
        with pytest.raises(RoundError, match="at least 5"):
            update_round(session, round_id, k=3)
        with pytest.raises(RoundError, match="cannot be changed"):
            update_round(session, round_id, unit_code="E2")


def test_settings_are_frozen_once_the_round_is_open(runtime: Runtime, org: object) -> None:
    round_id = _draft(runtime)
    with session_scope(runtime.engine) as session:
        open_round(session, round_id)
    for change in ({"k": 9}, {"name": "x"}, {"interim": True},
                   {"closes_at": datetime(2030, 1, 1, tzinfo=UTC)}):
        with session_scope(runtime.engine) as session, pytest.raises(RoundError, match="frozen"):
            update_round(session, round_id, **change)
    with session_scope(runtime.engine) as session:
        stored = session.get(Round, round_id)
        assert stored is not None and stored.k == 5 and stored.interim is False
        assert stored.closes_at is None


def test_the_cli_creates_opens_and_closes_a_round(runtime: Runtime, org: object, cli: Any) -> None:
    result = cli("round", "create", "--instrument", "team-thermometer", "--unit", "E1", "--k", "6",
                 "--opens", "2030-03-01T09:00", "--closes", "2030-03-15T17:00", "--name", "Maart",
                 "--json")
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert isinstance(created["id"], int) and created["k"] == 6 and created["state"] == "draft"
    assert cli("round", "open", str(created["id"])).exit_code == 0
    assert cli("round", "open", str(created["id"])).exit_code != 0
    closed = cli("round", "close", str(created["id"]), "--json")
    assert closed.exit_code == 0, closed.output
    assert json.loads(closed.stdout) == {"id": created["id"], "state": "closed"}
    with session_scope(runtime.engine) as session:
        stored = session.get(Round, created["id"])
        assert stored is not None and stored.state == "closed" and stored.name == "Maart"


def test_the_cli_refuses_a_bad_round_with_a_message(
        runtime: Runtime, org: object, cli: Any) -> None:
    for flag, value, message in [("--k", "4", "k must be at least 5"),
                                 ("--opens", "next tuesday", "not an ISO date-time"),
                                 ("--unit", "NOPE", "Unknown unit")]:
        options = {"--instrument": "sentimeter", "--unit": "NP", flag: value}
        result = cli("round", "create", *[x for pair in options.items() for x in pair])
        assert result.exit_code != 0, flag
        assert message in result.output, result.output
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Round)).first() is None


def test_opening_an_unknown_round_fails_with_a_message(runtime: Runtime, cli: Any) -> None:
    result = cli("round", "open", "999")
    assert result.exit_code != 0 and "There is no round 999" in result.stderr
