"""Raw counts and scale sums per unit, rolled up the tree (ungated; never leaves analysis/)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.aggregate import aggregate, item_score, person_scale_scores
from sentimeter.models import Unit
from surveys.instrument import load_instrument
from surveys.org import Tree

INSTRUMENT = load_instrument("team-thermometer")
TREE = Tree.from_units([
    Unit(code="P", parent_code=None, level="basisteam", name="P", headcount=0),
    Unit(code="A", parent_code="P", level="team", name="A", headcount=5),
    Unit(code="B", parent_code="P", level="team", name="B", headcount=5)])


def _frame(rows: list[tuple[str, dict[str, int]]]) -> pd.DataFrame:
    ids = [i.id for i in INSTRUMENT.items]
    frame = pd.DataFrame([{"unit_code": u, "batch": None, **a} for u, a in rows],
                         columns=["unit_code", "batch", *ids])
    for item_id in ids:
        frame[item_id] = frame[item_id].astype("Float64")
    return frame


def test_a_persons_scale_score_is_the_mean_of_the_items_they_answered() -> None:
    frame = _frame([("A", {"ps1": 5, "ps2": 1}), ("A", {"ps3": 4}), ("B", {"in1": 2})])
    scores = person_scale_scores(frame, INSTRUMENT)["psych_safety"]
    expected = (item_score(INSTRUMENT.item("ps1"), 5) + item_score(INSTRUMENT.item("ps2"), 1)) / 2
    assert scores["score"].iloc[0] == pytest.approx(expected)
    assert scores["score"].iloc[1] == pytest.approx(item_score(INSTRUMENT.item("ps3"), 4))
    assert pd.isna(scores["score"].iloc[2])


def test_counts_roll_up_to_every_ancestor_and_skips_are_not_counted() -> None:
    frame = _frame([("A", {"ps1": 5}), ("A", {"ps1": 4, "in1": 2}), ("B", {"in1": 2})])
    agg = aggregate(frame, INSTRUMENT, TREE, "P")
    assert agg.responses == {"A": 2, "B": 1, "P": 3}
    assert agg.item_n["ps1"] == {"A": 2, "P": 2}
    assert agg.item_counts["in1"]["P"] == {2: 2}
    assert agg.scale_n["psych_safety"] == {"A": 2, "P": 2}
    assert agg.scale_n["inclusion"] == {"A": 1, "B": 1, "P": 2}
    assert agg.scale_score["psych_safety"]["P"] == pytest.approx(100 + 75)
