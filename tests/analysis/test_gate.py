"""The gate on small hand-made trees: suppression, coarsening, cuts, interim snapshots."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.aggregate import aggregate, cut_frames
from analysis.gate import publish, rate_band, suppress
from sentimeter.models import Unit
from surveys.instrument import load_instrument
from surveys.org import Tree

INSTRUMENT = load_instrument("sentimeter")


def _tree(teams: dict[str, int]) -> Tree:
    units = [Unit(code="P", parent_code=None, level="basisteam", name="P", headcount=0)]
    units += [Unit(code=t, parent_code="P", level="team", name=t, headcount=h)
              for t, h in teams.items()]
    return Tree.from_units(units)


def _frame(rows: list[tuple[str, dict[str, int]]]) -> pd.DataFrame:
    ids = [i.id for i in INSTRUMENT.items]
    frame = pd.DataFrame([{"unit_code": u, "batch": None, **a} for u, a in rows],
                         columns=["unit_code", "batch", *ids])
    for item_id in ids:
        frame[item_id] = frame[item_id].astype("Float64")
    return frame


def _publish(tree: Tree, frame: pd.DataFrame, final: bool = True) -> dict[str, Any]:
    agg = aggregate(frame, INSTRUMENT, tree, "P")
    cuts = {c: aggregate(f, INSTRUMENT, tree, "P")
            for c, f in cut_frames(frame, INSTRUMENT).items()}
    return publish(tree=tree, root="P", instrument=INSTRUMENT, k=5, agg=agg, cut_aggs=cuts,
                   codes={"A": (20, 12)}, final=final)


def _item(pub: dict[str, Any], unit: str, item_id: str) -> dict[str, Any]:
    return next(r for r in pub["units"][unit]["items"] if r["id"] == item_id)


def test_a_team_below_k_is_suppressed_and_its_sibling_with_it() -> None:
    tree = _tree({"A": 20, "B": 9, "C": 9})
    visible, reasons = suppress(tree, "P", [{"P": 16, "A": 12, "B": 4}], {"P", "A", "B"}, 5)
    assert visible == {"P"}
    assert reasons == {"B": "too_few", "A": "complementary"}


def test_a_residual_of_zero_lets_every_child_show() -> None:
    tree = _tree({"A": 20, "B": 9})
    visible, _ = suppress(tree, "P", [{"P": 17, "A": 12, "B": 5}], {"P", "A", "B"}, 5)
    assert visible == {"P", "A", "B"}


def test_an_item_some_people_skipped_is_suppressed_on_its_own() -> None:
    rows = [("A", {"mood": 7, "speak": 4}) for _ in range(8)]
    rows += [("A", {"mood": 6}) for _ in range(4)] + [("B", {"mood": 8, "speak": 2})] * 6
    pub = _publish(_tree({"A": 20, "B": 10}), _frame(rows))
    assert _item(pub, "A", "speak")["n"] == 8
    assert _item(pub, "B", "speak")["n"] == 6
    assert _item(pub, "A", "mood")["n"] == 12 and _item(pub, "B", "mood")["n"] == 6


def test_distributions_only_for_groups_of_10_and_coarse_figures_below() -> None:
    rows = [("A", {"speak": 4 if i % 3 else 2}) for i in range(12)]
    rows += [("B", {"speak": 5 if i % 2 else 1}) for i in range(7)]
    pub = _publish(_tree({"A": 20, "B": 8}), _frame(rows))
    whole, a, b = _item(pub, "P", "speak"), _item(pub, "A", "speak"), _item(pub, "B", "speak")
    assert whole["counts"] is not None and whole["n"] == 19
    # A has 12, but the basisteam minus A would be B's 7 answers as a distribution.
    assert a["counts"] is None and b["counts"] is None
    assert b["mean"] == round(b["mean"], 1) and b["favourable"] % 10 == 0
    assert b["mean"] == 2.7 and b["favourable"] == 40  # 3 of 7 = 43% -> 40%


def test_scale_scores_are_coarse_below_10_and_detailed_where_differencing_allows() -> None:
    rows = [("A", {"mood": 7}) for _ in range(10)] + [("B", {"mood": 3}) for _ in range(10)]
    pub = _publish(_tree({"A": 20, "B": 20}), _frame(rows))
    atmosphere = {u: next(s for s in pub["units"][u]["scales"] if s["id"] == "atmosphere")
                  for u in ("P", "A", "B")}
    assert all(s["detailed"] for s in atmosphere.values())
    pub = _publish(_tree({"A": 20, "B": 20}), _frame(rows[:16]))
    b = next(s for s in pub["units"]["B"]["scales"] if s["id"] == "atmosphere")
    assert not b["detailed"] and b["score"] % 5 == 0


def test_rate_bands_need_5_invited_and_come_in_steps_of_10_percent() -> None:
    assert rate_band(4, 4) is None
    assert rate_band(5, 7) == "70-80%"
    assert rate_band(12, 12) == "90-100%"
    pub = _publish(_tree({"A": 4, "B": 30}), _frame([("A", {"mood": 5})] * 5
                                                     + [("B", {"mood": 5})] * 7))
    assert pub["units"]["A"]["rate_band"] is None
    assert pub["units"]["B"]["rate_band"] == "20-30%"
    assert pub["units"]["B"]["responses"] == 7


def test_a_cut_needs_10_on_both_sides_and_the_rest_of_its_parent() -> None:
    rows = [("A", {"mood": 8, "minority": 1}) for _ in range(10)]
    rows += [("A", {"mood": 6, "minority": 2}) for _ in range(10)]
    rows += [("B", {"mood": 5, "minority": 1}) for _ in range(4)]
    rows += [("B", {"mood": 5, "minority": 2}) for _ in range(8)]
    pub = _publish(_tree({"A": 30, "B": 20}), _frame(rows))
    cut = pub["cuts"]["minority"]["units"]
    assert cut["B"]["status"] == "suppressed" and cut["B"]["responses"] is None
    # P's minority (14) minus A's (10) would be B's 4: A is held back, P stays.
    assert cut["A"]["status"] == "suppressed" and cut["A"]["reason"] == "complementary"
    assert cut["P"]["status"] == "published"
    assert (cut["P"]["responses"], cut["P"]["rest_responses"]) == (14, 18)


def test_an_interim_snapshot_has_only_coarse_figures() -> None:
    rows = [("A", {"mood": 7, "speak": 4, "minority": 1}) for _ in range(12)]
    pub = _publish(_tree({"A": 20}), _frame(rows), final=False)
    assert pub["cuts"] == {}
    assert all(not u.get("comments") for u in pub["units"].values())
    speak = _item(pub, "A", "speak")
    assert speak["counts"] is None and speak["n"] == 12
    assert all(not s["detailed"] for s in pub["units"]["A"]["scales"])


def test_the_publication_records_issued_and_used_codes_per_team() -> None:
    pub = _publish(_tree({"A": 20}), _frame([("A", {"mood": 7})] * 5))
    assert pub["codes"] == {"A": {"issued": 20, "used": 12}}


def test_the_privacy_statement_states_the_numbers_the_gate_uses() -> None:
    from pathlib import Path

    from analysis import gate
    from surveys.rounds import K_FLOOR

    text = (Path(__file__).resolve().parents[2] / "docs" / "privacy.md").read_text()
    assert f"**k = {K_FLOOR}**" in text
    assert gate.DISTRIBUTION_MIN == gate.CUT_MIN == gate.COMMENT_MIN == 10
    assert "**Distributions from 10**" in text and "at least 10 people" in text
    assert f"at least {gate.RATE_MIN_INVITED} people were invited" in text
    assert "bands of 10%" in text and "rounded to 10%" in text and "rounded to 5 points" in text
