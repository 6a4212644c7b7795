"""Hard caps: a team never gets more codes than it has people, frozen when the round opens."""

from __future__ import annotations

import pytest
from sqlmodel import select

from sentimeter.accounts import create_user
from sentimeter.approvals import ApprovalError, decide
from sentimeter.db import session_scope
from sentimeter.models import AuditEvent, Unit
from sentimeter.runtime import Runtime
from surveys.codes import (
    CapError,
    issue_codes,
    remaining_capacity,
    request_cap_raise,
    set_cap,
)
from surveys.org import OrgRow, import_org
from surveys.rounds import RoundError, create_round, get_round, open_round
from tests.conftest import PASSWORD, SMALL_ORG, Persona, open_round_with_codes


def _headcount(runtime: Runtime, team: str) -> int:
    with session_scope(runtime.engine) as db:
        unit = db.get(Unit, team)
        assert unit is not None
        return unit.headcount


def _set_headcount(runtime: Runtime, team: str, headcount: int, actor: str = "cli:test") -> None:
    row = next(r for r in SMALL_ORG if r[0] == team)
    with session_scope(runtime.engine) as db:
        import_org(db, [OrgRow(*row[:4], headcount)], actor=actor)  # type: ignore[arg-type]


def test_codes_up_to_the_headcount_are_issued_and_one_more_is_refused(
        runtime: Runtime, org: object) -> None:
    people = _headcount(runtime, "T-MID")
    round_id, issued = open_round_with_codes(runtime, codes_per_team={"T-MID": people - 1})
    assert len(issued["T-MID"]) == people - 1
    with session_scope(runtime.engine) as db:
        issue_codes(db, runtime.vault, round_id=round_id, unit_code="T-MID", count=1)
        assert remaining_capacity(db, get_round(db, round_id), "T-MID") == 0
    with session_scope(runtime.engine) as db, pytest.raises(CapError) as refused:
        issue_codes(db, runtime.vault, round_id=round_id, unit_code="T-MID", count=1)
    assert f"has {people} people" in str(refused.value)
    assert f"heeft {people} mensen" in refused.value.text("nl")


def test_a_draft_round_follows_the_headcount_too(runtime: Runtime, org: object) -> None:
    people = _headcount(runtime, "T-SMALL")
    with session_scope(runtime.engine) as db:
        draft = create_round(db, instrument="sentimeter", unit_code="NP")
        with pytest.raises(CapError):
            issue_codes(db, runtime.vault, round_id=draft.id or 0, unit_code="T-SMALL",
                        count=people + 1)


@pytest.mark.parametrize("unit", ["E1-D1-B1", "E1-D1", "NP"])
def test_codes_are_only_for_teams(runtime: Runtime, org: object, unit: str) -> None:
    round_id, _ = open_round_with_codes(runtime)
    with session_scope(runtime.engine) as db, pytest.raises(RoundError, match="not a team"):
        issue_codes(db, runtime.vault, round_id=round_id, unit_code=unit, count=1)


def test_a_headcount_raised_during_the_round_does_not_raise_the_cap_and_is_audited(
        runtime: Runtime, org: object) -> None:
    people = _headcount(runtime, "T-MID")
    round_id, _ = open_round_with_codes(runtime, codes_per_team={"T-MID": people})
    _set_headcount(runtime, "T-MID", people + 10, actor="cli:hr")
    with session_scope(runtime.engine) as db:
        assert remaining_capacity(db, get_round(db, round_id), "T-MID") == 0
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "org.headcount")).one()
    assert event.actor == "cli:hr" and event.target == "unit:T-MID"
    assert f"{people} -> {people + 10}" in event.detail


def test_a_second_administrator_raises_the_cap_up_to_the_new_headcount(
        runtime: Runtime, personas: dict[str, Persona]) -> None:
    people = _headcount(runtime, "T-MID")
    round_id, _ = open_round_with_codes(runtime, codes_per_team={"T-MID": people})
    _set_headcount(runtime, "T-MID", people + 3)
    ada = personas["ada_admin"].email
    with session_scope(runtime.engine) as db:
        create_user(db, email="bram@politie.test", role="admin", unit_code="NP",
                    password=PASSWORD)
        with pytest.raises(RoundError, match="more than"):
            request_cap_raise(db, round_id=round_id, unit_code="T-MID", cap=people + 4,
                              requested_by=ada)
        asked = request_cap_raise(db, round_id=round_id, unit_code="T-MID", cap=people + 3,
                                  requested_by=ada)
        with pytest.raises(ApprovalError):
            decide(db, asked.id or 0, decided_by=ada, approve=True)
        assert remaining_capacity(db, get_round(db, round_id), "T-MID") == 0
        decide(db, asked.id or 0, decided_by="bram@politie.test", approve=True)
        assert remaining_capacity(db, get_round(db, round_id), "T-MID") == 3
        actions = [e.action for e in db.exec(select(AuditEvent))]
    assert "approval.request" in actions and "approval.approved" in actions


def test_a_headcount_lowered_during_the_round_lowers_the_cap(
        runtime: Runtime, org: object) -> None:
    people = _headcount(runtime, "T-BIG")
    round_id, _ = open_round_with_codes(runtime, codes_per_team={"T-BIG": 2})
    _set_headcount(runtime, "T-BIG", 5)
    with session_scope(runtime.engine) as db:
        assert remaining_capacity(db, get_round(db, round_id), "T-BIG") == 3 < people


def test_the_cli_sets_a_cap_directly_but_never_above_the_headcount(
        runtime: Runtime, org: object) -> None:
    people = _headcount(runtime, "T-MID")
    round_id, _ = open_round_with_codes(runtime)
    with session_scope(runtime.engine) as db:
        set_cap(db, round_id=round_id, unit_code="T-MID", cap=2, actor="cli:ops")
        assert remaining_capacity(db, get_round(db, round_id), "T-MID") == 2
        with pytest.raises(RoundError, match="more than"):
            set_cap(db, round_id=round_id, unit_code="T-MID", cap=people + 1, actor="cli:ops")


def test_a_team_added_after_opening_gets_no_codes_until_a_cap_is_set(
        runtime: Runtime, org: object) -> None:
    with session_scope(runtime.engine) as db:
        round_ = create_round(db, instrument="sentimeter", unit_code="NP")
        open_round(db, round_.id or 0)
        round_id = round_.id or 0
    with session_scope(runtime.engine) as db:
        import_org(db, [OrgRow("T-NEW", "E1-D1-B1", "team", "Team Nieuw", 9)], actor="cli:x")
    with session_scope(runtime.engine) as db, pytest.raises(CapError):
        issue_codes(db, runtime.vault, round_id=round_id, unit_code="T-NEW", count=1)


def test_personal_tokens_and_cards_share_the_one_frozen_cap(
        runtime: Runtime, org: object) -> None:
    from surveys import tokens

    people = _headcount(runtime, "T-MID")
    round_id, _ = open_round_with_codes(runtime, codes_per_team={"T-MID": people - 2})
    _set_headcount(runtime, "T-MID", people + 10)  # grew after opening: the cap stays frozen
    with session_scope(runtime.engine) as db:
        key = tokens.issuer_key(db, runtime.vault, round_id, "T-MID")
        key.issued = 1
        db.add(key)
    with session_scope(runtime.engine) as db:
        assert remaining_capacity(db, get_round(db, round_id), "T-MID") == 1
        assert tokens.remaining_capacity(db, round_id, "T-MID") == 1
        with pytest.raises(CapError):
            issue_codes(db, runtime.vault, round_id=round_id, unit_code="T-MID", count=2)
