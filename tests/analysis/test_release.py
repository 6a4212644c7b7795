"""Release timing: nothing while a round is open, one publication computed at close and
frozen, reads never write, late answers refused, settings frozen once open."""

from __future__ import annotations

import pytest
from sqlmodel import select

from analysis.publication import Publication
from analysis.release import close_and_publish, current_publication
from sentimeter.db import session_scope
from sentimeter.models import Publication as StoredPublication
from sentimeter.models import Round
from sentimeter.runtime import Runtime
from surveys.intake import TokenProblem, submit
from surveys.org import OrgRow, import_org
from surveys.rounds import RoundError, close_round, update_round
from tests.conftest import answer_all, open_round_with_codes

INSTRUMENT = "team-thermometer"


def _publication(runtime: Runtime, round_id: int) -> Publication | None:
    with session_scope(runtime.engine) as session:
        round_ = session.get(Round, round_id)
        assert round_ is not None
        return current_publication(session, round_)


def _close(runtime: Runtime, round_id: int) -> Publication:
    with session_scope(runtime.engine) as session:
        return close_and_publish(session, runtime.vault, round_id)


def test_nothing_is_released_while_a_round_is_open(
        runtime: Runtime, org: list[OrgRow]) -> None:
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 20})
    answer_all(runtime, codes, INSTRUMENT, {"T-BIG": 20})
    assert _publication(runtime, round_id) is None
    with session_scope(runtime.engine) as session:
        assert session.exec(select(StoredPublication)).all() == []


def test_the_interim_snapshot_machinery_is_gone() -> None:
    import analysis.release as release
    from sentimeter.cli import round_group

    for name in ("take_snapshot", "released_frame", "publication_history"):
        assert not hasattr(release, name)
    assert "snapshot" not in round_group.commands
    assert all(p.name != "interim" for p in round_group.commands["create"].params)


def test_reading_a_closed_round_never_writes(runtime: Runtime, org: list[OrgRow]) -> None:
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 12})
    answer_all(runtime, codes, INSTRUMENT, {"T-BIG": 10})
    with session_scope(runtime.engine) as session:
        close_round(session, round_id)  # closed without publishing (not the normal path)
    assert _publication(runtime, round_id) is None
    with session_scope(runtime.engine) as session:
        assert session.exec(select(StoredPublication)).all() == []


def test_a_late_answer_is_refused_and_the_publication_stays_frozen(
        runtime: Runtime, org: list[OrgRow]) -> None:
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 12})
    answer_all(runtime, codes, INSTRUMENT, {"T-BIG": 10})
    published = _close(runtime, round_id)
    with pytest.raises(TokenProblem) as refused, session_scope(runtime.engine) as session:
        submit(session, runtime.vault, token=codes["T-BIG"][11], answers={"ps1": 4})
    assert refused.value.kind == "closed"
    again = _publication(runtime, round_id)
    assert again is not None
    assert again.units == published.units


def test_settings_are_frozen_once_a_round_opens(runtime: Runtime, org: list[OrgRow]) -> None:
    round_id, _ = open_round_with_codes(runtime)
    for change in ({"k": 9}, {"name": "Other"}):
        with pytest.raises(RoundError, match="frozen"), session_scope(runtime.engine) as session:
            update_round(session, round_id, **change)
    with session_scope(runtime.engine) as session:
        round_ = session.get(Round, round_id)
        assert round_ is not None and round_.k == 5


def test_a_team_with_more_answers_than_people_is_not_published_nor_counted(
        runtime: Runtime, org: list[OrgRow]) -> None:
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 12, "T-MID": 12})
    answer_all(runtime, codes, INSTRUMENT, {"T-BIG": 12, "T-MID": 11})
    with session_scope(runtime.engine) as session:  # the organisation says Team Groot is 10
        import_org(session, [OrgRow("T-BIG", "E1-D1-B1", "team", "Team Groot", 10)])
    published = _close(runtime, round_id)
    big = published.units["T-BIG"]
    assert big.status == "suppressed" and big.reason == "over_headcount"
    assert big.items == [] and big.responses is None
    assert published.units["E1-D1-B1"].responses == 11  # Team Groot's answers count nowhere
    assert "T-BIG" not in published.units["E1-D1-B1"].comment_teams
