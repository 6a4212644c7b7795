"""Attack: solve for any group below the threshold from everything a round publishes.

Random trees (up to 12 leaf teams), random answer sets with random skips, k = 5; the
attacker collects every published count (units x items x options, scales, comments, cuts;
all roles together, since every role sees a part of the one publication) of the final
publication (nothing of an open round is published), and checks every group it can derive by linear
algebra. The attack fails when every derivable group has 0 or at least k people (10 for
distributions, comments and cuts).
"""

from __future__ import annotations

from typing import Any

import msgspec
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.aggregate import aggregate, cut_frames
from analysis.gate import publish
from analysis.publication import Publication
from sentimeter.models import Unit
from surveys.instrument import Instrument, load_instrument
from surveys.org import Tree
from tests.privacy.attacker import attack

K = 5
LEVELS = ("korps", "eenheid", "district", "team")


@st.composite
def trees(draw: st.DrawFn, max_leaves: int) -> Tree:
    """A korps with up to three levels below it and at most ``max_leaves`` teams."""
    units = [Unit(code="R", parent_code=None, level="korps", name="R", headcount=0)]
    budget = [max_leaves]

    def grow(parent: str, depth: int) -> None:
        width = draw(st.integers(1, 3))
        for i in range(width):
            if budget[0] <= 0:
                return
            code = f"{parent}.{i}"
            leaf = depth == len(LEVELS) - 1 or budget[0] == 1 or draw(st.booleans())
            headcount = draw(st.integers(0, 30))
            units.append(Unit(code=code, parent_code=parent, level=LEVELS[depth], name=code,
                              headcount=headcount))
            if leaf:
                budget[0] -= 1
            else:
                grow(code, depth + 1)
                if not any(u.parent_code == code for u in units):
                    budget[0] -= 1

    grow("R", 1)
    return Tree.from_units(units)


def answers(instrument: Instrument, teams: list[str], sizes: list[int], seed: int,
            skip: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    records: list[dict[str, Any]] = []
    for team, n in zip(teams, sizes, strict=True):
        for _ in range(n):
            record: dict[str, Any] = {"unit_code": team, "batch": None}
            for item in instrument.items:
                if rng.random() >= skip:
                    record[item.id] = int(rng.choice(sorted(item.values)))
            records.append(record)
    frame = pd.DataFrame.from_records(records, columns=["unit_code", "batch",
                                                       *[i.id for i in instrument.items]])
    for item in instrument.items:
        frame[item.id] = frame[item.id].astype("Float64")
    return frame


def publication(tree: Tree, instrument: Instrument, frame: pd.DataFrame) -> Publication:
    agg = aggregate(frame, instrument, tree, "R")
    cut_aggs = {c: aggregate(f, instrument, tree, "R")
                for c, f in cut_frames(frame, instrument).items()}
    return publish(tree=tree, root="R", instrument=instrument, k=K, agg=agg, cut_aggs=cut_aggs)


def leaves(tree: Tree) -> list[str]:
    return [u for u in tree.subtree("R") if not tree.children.get(u) and u != "R"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), skip=st.sampled_from([0.0, 0.15, 0.4]),
       instrument_id=st.sampled_from(["team-thermometer", "sentimeter"]))
def test_no_linear_combination_of_a_final_publication_isolates_a_small_group(
        data: st.DataObject, skip: float, instrument_id: str) -> None:
    tree = data.draw(trees(12))
    teams = leaves(tree)
    sizes = data.draw(st.lists(st.integers(0, 16), min_size=len(teams), max_size=len(teams)))
    instrument = load_instrument(instrument_id)
    frame = answers(instrument, teams, sizes, data.draw(st.integers(0, 2**32 - 1)), skip)
    problems = attack(tree, [(publication(tree, instrument, frame), frame)], instrument)
    assert problems == []


def test_the_attacker_finds_a_leak_in_an_ungated_release() -> None:
    """The attacker is real: publishing every team, however small, is caught."""
    tree = Tree.from_units([
        Unit(code="R", parent_code=None, level="korps", name="R", headcount=0),
        Unit(code="R.0", parent_code="R", level="team", name="a", headcount=9),
        Unit(code="R.1", parent_code="R", level="team", name="b", headcount=9)])
    instrument = load_instrument("sentimeter")
    frame = answers(instrument, ["R.0", "R.1"], [7, 3], 1, 0.0)
    honest = publication(tree, instrument, frame)
    assert attack(tree, [(honest, frame)], instrument) == []
    leaky = publication(tree, instrument, frame)
    leaky = msgspec.structs.replace(leaky, units={
        **leaky.units, "R.0": msgspec.structs.replace(leaky.units["R"], code="R.0")})
    problems = attack(tree, [(leaky, frame)], instrument)
    assert any(p.startswith("responses: 3 < 5") for p in problems)
