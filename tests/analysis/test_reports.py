"""Reports, trends and unit tables read only the stored publication, within the viewer's scope."""

from __future__ import annotations

from typing import Any

import pytest

from analysis import release
from analysis.overview import sort_rows, subtree_units
from analysis.reports import ReportDenied, Viewer, compare, unit_report
from analysis.trends import level_trend, unit_trend
from sentimeter.db import session_scope
from sentimeter.runtime import Runtime
from tests.conftest import REPORT_COUNTS, ReportWorld

ANALYST = Viewer("bob@politie.test", "analyst", "NP")
BASISTEAM_LEADER = Viewer("bea@politie.test", "unit_leader", "E1-D1-B1")
DISTRICT_LEADER = Viewer("dave@politie.test", "unit_leader", "E1-D1")
TEAM_LEADER = Viewer("alice@politie.test", "team_leader", "T-BIG")


@pytest.fixture
def runtime(report_world: ReportWorld) -> Runtime:
    return report_world.runtime


@pytest.fixture
def two_rounds(report_world: ReportWorld, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Two closed rounds; any attempt to decrypt answers again fails the test."""

    def no_decrypting(*_: Any, **__: Any) -> Any:
        raise AssertionError("a closed round was decrypted again for a report")

    monkeypatch.setattr(release, "load_answers", no_decrypting)
    return report_world.round_ids


def test_a_unit_trend_has_every_closed_round_and_a_gap_where_the_unit_was_hidden(
        runtime: Runtime, two_rounds: list[int]) -> None:
    with session_scope(runtime.engine) as db:
        big = unit_trend(db, BASISTEAM_LEADER, two_rounds[1], "T-BIG", "en")
        mid = unit_trend(db, BASISTEAM_LEADER, two_rounds[1], "T-MID", "en")
    assert [r["id"] for r in big["rounds"]] == two_rounds
    assert {p["round_id"] for p in big["points"] if p["score"] is not None} == set(two_rounds)
    assert all(p["score"] is None and p["reason"] == "complementary" for p in mid["points"])


def test_a_trend_stops_at_the_round_being_viewed(runtime: Runtime,
                                                 two_rounds: list[int]) -> None:
    with session_scope(runtime.engine) as db:
        first = unit_trend(db, ANALYST, two_rounds[0], "T-BIG", "en")
    assert [r["id"] for r in first["rounds"]] == two_rounds[:1]


def test_a_team_leader_gets_no_trend_of_another_team(runtime: Runtime,
                                                     two_rounds: list[int]) -> None:
    with session_scope(runtime.engine) as db, pytest.raises(ReportDenied):
        unit_trend(db, TEAM_LEADER, two_rounds[1], "T-B2A", "en")


def test_the_change_since_the_previous_round_is_the_difference_of_two_published_scores(
        runtime: Runtime, two_rounds: list[int]) -> None:
    with session_scope(runtime.engine) as db:
        now = unit_report(db, TEAM_LEADER, two_rounds[1], "T-BIG", "en")
        before = unit_report(db, TEAM_LEADER, two_rounds[0], "T-BIG", "en")
    old = {s["id"]: s["score"] for s in before["scales"]}
    for scale in now["scales"]:
        if scale["suppressed"] or old[scale["id"]] is None:
            assert scale["change"] is None
        else:
            assert scale["change"] == scale["score"] - old[scale["id"]]


def test_a_level_trend_of_a_unit_leader_covers_only_their_subtree(
        runtime: Runtime, two_rounds: list[int]) -> None:
    with session_scope(runtime.engine) as db:
        trend = level_trend(db, BASISTEAM_LEADER, two_rounds[1], "team", None, "en")
    assert {p["series"] for p in trend["points"]} == {"T-BIG", "T-MID", "T-SMALL", "T-TINY"}
    hidden = {p["series"] for p in trend["points"] if p["score"] is None}
    assert {"T-MID", "T-SMALL", "T-TINY"} <= hidden


def test_the_comparison_rows_carry_no_figures_where_suppressed(
        runtime: Runtime, two_rounds: list[int]) -> None:
    with session_scope(runtime.engine) as db:
        result = compare(db, ANALYST, two_rounds[1], "team", "en")
    rows = result["rows"]
    assert {"unit", "scale", "responses", "mean", "favourable", "suppressed",
            "reason"} <= set(rows[0])
    hidden = [r for r in rows if r["suppressed"]]
    assert {r["unit"] for r in hidden} >= {"T-MID", "T-SMALL"}
    for row in hidden:
        assert row["responses"] is None and row["mean"] is None and row["favourable"] is None
        assert row["reason"]
    for row in rows:
        if not row["suppressed"]:
            assert row["responses"] >= 5 and 0 <= row["mean"] <= 100


def test_a_district_leader_compares_only_units_in_the_district(
        runtime: Runtime, two_rounds: list[int]) -> None:
    with session_scope(runtime.engine) as db:
        basisteams = compare(db, DISTRICT_LEADER, two_rounds[1], "basisteam")
        eenheden = compare(db, DISTRICT_LEADER, two_rounds[1], "eenheid")
    assert {r["unit"] for r in basisteams["rows"]} == {"E1-D1-B1", "E1-D1-B2"}
    assert eenheden["rows"] == []


def test_team_leaders_may_not_compare(runtime: Runtime, two_rounds: list[int]) -> None:
    with session_scope(runtime.engine) as db, pytest.raises(ReportDenied):
        compare(db, TEAM_LEADER, two_rounds[1], "team")


def test_the_subtree_table_lists_every_unit_below_with_its_depth(
        runtime: Runtime, two_rounds: list[int]) -> None:
    with session_scope(runtime.engine) as db:
        table = subtree_units(db, DISTRICT_LEADER, two_rounds[1], "E1-D1", "en")
    depth = {r["code"]: r["depth"] for r in table["rows"]}
    assert depth["E1-D1"] == 0 and depth["E1-D1-B1"] == 1 and depth["T-BIG"] == 2
    assert "E2" not in depth and "T-E2A" not in depth
    mid = next(r for r in table["rows"] if r["code"] == "T-MID")
    assert mid["status"] == "suppressed" and mid["responses"] is None and mid["scales"] == {}


def test_a_team_leader_gets_no_subtree_table(runtime: Runtime, two_rounds: list[int]) -> None:
    with session_scope(runtime.engine) as db, pytest.raises(ReportDenied):
        subtree_units(db, TEAM_LEADER, two_rounds[1], "T-BIG")


def test_a_unit_leader_gets_no_subtree_table_outside_their_unit(
        runtime: Runtime, two_rounds: list[int]) -> None:
    with session_scope(runtime.engine) as db, pytest.raises(ReportDenied):
        subtree_units(db, BASISTEAM_LEADER, two_rounds[1], "E1-D1-B2")


@pytest.mark.parametrize("descending", [False, True])
def test_hidden_values_sort_last_in_either_direction(descending: bool) -> None:
    rows = [{"name": "A", "level": "team", "responses": None, "scales": {}},
            {"name": "B", "level": "team", "responses": 12, "scales": {"x": 70}},
            {"name": "C", "level": "team", "responses": 30, "scales": {"x": 40}}]
    by_scale = [r["name"] for r in sort_rows(rows, "x", descending)]
    assert by_scale == (["B", "C", "A"] if descending else ["C", "B", "A"])
    assert [r["name"] for r in sort_rows(rows, "responses", descending)][-1] == "A"


def test_reports_of_a_closed_round_are_read_from_the_stored_publication(
        runtime: Runtime, two_rounds: list[int]) -> None:
    """The fixture makes decrypting fail: every view of a closed round still works."""
    with session_scope(runtime.engine) as db:
        report = unit_report(db, ANALYST, two_rounds[1], "NP", "en")
        assert compare(db, ANALYST, two_rounds[1], "eenheid")["rows"]
    assert report["responses"] == sum(REPORT_COUNTS.values())
