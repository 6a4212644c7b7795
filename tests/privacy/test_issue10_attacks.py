"""The five attacks of issue #10 and the k-1 codes attacker of issue #11, rebuilt on a small
org. Each attacker does what the issue describes with everything published; each must fail.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from litestar.testing import TestClient

from analysis.aggregate import aggregate, cut_frames
from analysis.gate import publish
from analysis.publication import Publication
from analysis.release import close_and_publish, current_publication
from analysis.reports import Viewer, unit_comments, unit_report
from sentimeter.db import session_scope
from sentimeter.models import Round, Unit
from sentimeter.runtime import Runtime
from surveys.instrument import Instrument, load_instrument
from surveys.intake import submit
from surveys.org import OrgRow, Tree, import_org
from tests.conftest import Persona, login, open_round_with_codes
from tests.privacy.ip_attacker import attack as ip_attack

INSTRUMENT = load_instrument("sentimeter")
THERMOMETER = load_instrument("team-thermometer")
ANALYST = Viewer(email="bob@politie.test", role="analyst", unit_code="NP")


def _tree(teams: dict[str, int]) -> Tree:
    units = [Unit(code="P", parent_code=None, level="basisteam", name="P", headcount=0)]
    units += [Unit(code=t, parent_code="P", level="team", name=t, headcount=h)
              for t, h in teams.items()]
    return Tree.from_units(units)


def _frame(rows: list[tuple[str, dict[str, int]]],
           instrument: Instrument = INSTRUMENT) -> pd.DataFrame:
    ids = [i.id for i in instrument.items]
    frame = pd.DataFrame([{"unit_code": u, "batch": None, **a} for u, a in rows],
                         columns=["unit_code", "batch", *ids])
    for item_id in ids:
        frame[item_id] = frame[item_id].astype("Float64")
    return frame


def _publish(tree: Tree, frame: pd.DataFrame,
             instrument: Instrument = INSTRUMENT) -> Publication:
    agg = aggregate(frame, instrument, tree, "P")
    cuts = {c: aggregate(f, instrument, tree, "P")
            for c, f in cut_frames(frame, instrument).items()}
    return publish(tree=tree, root="P", instrument=instrument, k=5, agg=agg, cut_aggs=cuts)


def _answers(i: int) -> dict[str, int]:
    """Varied answers (nobody unanimous), person ``i``; every third skips the last item."""
    out = {}
    for j, item in enumerate(INSTRUMENT.rated_items):
        values = sorted(item.values)
        if i % 3 == 2 and j == len(INSTRUMENT.rated_items) - 1:
            continue
        out[item.id] = values[(i * (j + 2) + j) % len(values)]
    return out


def _small_org() -> tuple[Tree, pd.DataFrame]:
    """A basisteam of five teams: 5, 7, 9, 12 and 25 people."""
    sizes = {"A5": 5, "B7": 7, "C9": 9, "D12": 12, "E25": 25}
    rows = [(t, _answers(i + 7 * n)) for n, (t, size) in enumerate(sizes.items())
            for i in range(size)]
    return _tree(dict(sizes)), _frame(rows)


def subtraction_attack(pub: Publication, frame: pd.DataFrame) -> list[str]:
    """Attack 1: (n, mean x n, favourable share x n) of small groups and the parent's
    counts minus the other children's, per item: what could be rebuilt exactly?"""
    found = []
    sizes = frame.groupby("unit_code").size()
    for code, entry in pub.units.items():
        if code == pub.root or sizes.get(code, 0) >= 10:
            continue
        for row in entry.items:
            if row.n is not None or row.mean is not None or row.favourable is not None:
                found.append(f"{code}/{row.id}: n, sum or favourable count of a small group")
        parent = pub.units[pub.root]
        for row in parent.items:
            if row.counts is None:
                continue
            others = [pub.units[c] for c in pub.children(pub.root) if c != code]
            shown = [next(r for r in o.items if r.id == row.id) for o in others
                     if o.status == "published"]
            if len(shown) == len(others) and all(r.counts is not None for r in shown):
                found.append(f"{code}/{row.id}: parent minus siblings is this group")
    return found


def test_attack_1_coarse_figures_of_small_groups_are_not_exact_anymore() -> None:
    tree, frame = _small_org()
    pub = _publish(tree, frame)
    assert pub.units["P"].status == "published"
    assert subtraction_attack(pub, frame) == []
    assert ip_attack(pub, INSTRUMENT, frame) == []


def test_attack_2_a_scale_never_reveals_an_item_hidden_for_the_same_unit() -> None:
    members = [i.id for i in THERMOMETER.scale_items("psych_safety")]
    hidden = members[-1]
    # D: 12 people, only 6 answered ``hidden``; E: 25 answered everything.
    rows = [("D", {i: 4 for i in members if i != hidden or n < 6}) for n in range(12)]
    rows += [("E", dict.fromkeys(members, 2 + n % 3)) for n in range(25)]
    pub = _publish(_tree({"D": 20, "E": 30}), _frame(rows, THERMOMETER), THERMOMETER)
    assert pub.units["D"].status == "published"
    leaks = []
    for code, entry in pub.units.items():
        items = {r.id: r.status for r in entry.items}
        for s in entry.scales:
            covered = [i.id for i in THERMOMETER.scale_items(s.id)]
            if s.status == "published" and any(items.get(i) != "published" for i in covered):
                leaks.append(f"{code}: scale {s.id} shown with a hidden item")
    assert leaks == []
    assert {r.id: r.status for r in pub.units["D"].items}[hidden] == "suppressed"


def test_attack_3_no_skip_count_of_a_group_under_10_can_be_read() -> None:
    tree, frame = _small_org()
    pub = _publish(tree, frame)
    sizes = frame.groupby("unit_code").size()
    for code in ("A5", "B7", "C9"):
        entry = pub.units[code]
        assert sizes[code] < 10 and entry.responses is None
        assert all(r.n is None for r in entry.items)  # neither n nor item n: no skip count
    found = ip_attack(pub, INSTRUMENT, frame)
    assert not any("skips" in f for f in found)


def test_attack_5_across_rounds_a_unit_shown_with_6_then_5_reveals_nothing() -> None:
    tree = _tree({"A": 9, "B": 30})
    big = [("B", _answers(i)) for i in range(12)]
    first = _publish(tree, _frame([("A", _answers(i)) for i in range(6)] + big))
    second = _publish(tree, _frame([("A", _answers(i)) for i in range(5)] + big))
    for pub in (first, second):
        assert pub.units["A"].status == "banded"
        assert pub.units["A"].items == [] and pub.units["A"].responses is None
    # A's answers only ever count inside its base team, a group of at least 10 in both
    # rounds; what differencing two such rounds can and cannot tell is in docs/privacy.md.
    for pub in (first, second):
        assert pub.units["P"].status == "published" and (pub.units["P"].responses or 0) >= 10
        assert pub.units["B"].status != "published"  # P minus B would be A's 5 or 6


def _reorg_round(runtime: Runtime) -> int:
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 14, "T-SMALL": 4})
    with session_scope(runtime.engine) as session:
        for team, n in (("T-BIG", 10), ("T-SMALL", 3)):
            for i in range(n):
                submit(session, runtime.vault, token=codes[team][i], answers={"ps1": 4},
                       comment=f"opmerking {team} nummer-{chr(97 + i)}")
        close_and_publish(session, runtime.vault, round_id)
    return round_id


def test_attack_4_a_reorganisation_changes_nothing_a_closed_round_shows(
        runtime: Runtime, org: list[OrgRow]) -> None:
    round_id = _reorg_round(runtime)
    with session_scope(runtime.engine) as session:
        before = unit_comments(session, runtime.vault, ANALYST, round_id, "E1-D1-B1")
        report_before = unit_report(session, ANALYST, round_id, "E1-D1-B1", "en")
        round_ = session.get(Round, round_id)
        assert round_ is not None
        frozen = current_publication(session, round_)
    assert len(before) == 13
    moved = [OrgRow("T-BIG", "E1-D1-B2", "team", "Team Groot", 20),
             OrgRow("T-NEW", "E1-D1-B1", "team", "Team Nieuw", 9)]
    with session_scope(runtime.engine) as session:
        import_org(session, moved)
    with session_scope(runtime.engine) as session:
        after = unit_comments(session, runtime.vault, ANALYST, round_id, "E1-D1-B1")
        report_after = unit_report(session, ANALYST, round_id, "E1-D1-B1", "en")
        round_ = session.get(Round, round_id)
        assert round_ is not None
        assert current_publication(session, round_) == frozen
    # The old base team still shows all 13 comments of the round, never Team Klein's 3.
    assert sorted(after) == sorted(before) and len(after) == 13
    assert report_after["children"] == report_before["children"]


def test_attack_4_units_added_after_close_are_missing_not_failing(
        client: TestClient[Any], runtime: Runtime, personas: dict[str, Persona]) -> None:
    round_id = _reorg_round(runtime)
    with session_scope(runtime.engine) as session:
        import_org(session, [OrgRow("T-NEW", "E1-D1-B1", "team", "Team Nieuw", 9)])
    login(client, personas["bob_analyst"])
    assert client.get(f"/api/v1/reports/{round_id}/T-NEW").status_code == 404
    assert client.get(f"/api/v1/reports/{round_id}/E1-D1-B1").status_code == 200


def test_a_holder_of_k_minus_1_codes_learns_nothing_before_close_or_of_the_one_other_after(
        runtime: Runtime, org: list[OrgRow]) -> None:
    """Issue #11: 4 codes of Team Middel answered by the attacker, 1 by an officer."""
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-MID": 5, "T-BIG": 12})
    known = {"ps1": 1}
    with session_scope(runtime.engine) as session:
        for token in codes["T-MID"][:4]:
            submit(session, runtime.vault, token=token, answers=known)
        submit(session, runtime.vault, token=codes["T-MID"][4], answers={"ps1": 5})
        for i, token in enumerate(codes["T-BIG"]):
            submit(session, runtime.vault, token=token, answers={"ps1": 1 + i % 5})
        round_ = session.get(Round, round_id)
        assert round_ is not None
        assert current_publication(session, round_) is None  # nothing before close
        open_view = unit_report(session, ANALYST, round_id, "T-MID", "en")
        assert open_view["released"] is False and open_view["responses"] is None
        pub = close_and_publish(session, runtime.vault, round_id)
    mid = pub.units["T-MID"]
    assert mid.status == "banded" and mid.items == [] and mid.responses is None
    # Every detailed group holding Team Middel has at least 10 - 4 = 6 people the attacker
    # does not know, so the officer's answer is mixed with at least 5 others.
    for code in [c for c in pub.ancestors("T-MID") if pub.units[c].status == "published"]:
        assert (pub.units[code].responses or 0) - 4 >= 6
