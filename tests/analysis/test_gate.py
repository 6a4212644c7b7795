"""The gate on small hand-made trees: suppression, detail and bands, linked measures, cuts."""

from __future__ import annotations

import pandas as pd

from analysis.aggregate import aggregate, cut_frames
from analysis.gate import publish, rate_band, suppress
from analysis.publication import ItemFigures, Publication, ScaleFigures, decode, encode
from sentimeter.models import Unit
from surveys.instrument import Instrument, load_instrument
from surveys.org import Tree

INSTRUMENT = load_instrument("sentimeter")
THERMOMETER = load_instrument("team-thermometer")


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


def _item(pub: Publication, unit: str, item_id: str) -> ItemFigures:
    return next(r for r in pub.units[unit].items if r.id == item_id)


def _scale(pub: Publication, unit: str, scale_id: str) -> ScaleFigures:
    return next(s for s in pub.units[unit].scales if s.id == scale_id)


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
    rows = [("A", {"mood": 7, "speak": 4}) for _ in range(10)]
    rows += [("A", {"mood": 6}) for _ in range(4)] + [("B", {"mood": 8, "speak": 2})] * 10
    pub = _publish(_tree({"A": 20, "B": 10}), _frame(rows))
    assert _item(pub, "A", "speak").n == 10
    assert _item(pub, "B", "speak").n == 10
    assert _item(pub, "A", "mood").n == 14 and _item(pub, "B", "mood").n == 10


def test_an_item_half_a_team_skipped_is_hidden_there_and_for_a_sibling() -> None:
    # C: 10 responses, only 5 answered "speak". P's "speak" minus A's and B's would be C's 5
    # answers (and C's 5 skips), so B (the smaller sibling) is hidden for "speak" too.
    rows = [("A", {"mood": 7, "speak": 4}) for _ in range(12)]
    rows += [("B", {"mood": 5, "speak": 2}) for _ in range(10)]
    rows += [("C", {"mood": 5, "speak": 3}) for _ in range(5)] + [("C", {"mood": 5})] * 5
    pub = _publish(_tree({"A": 20, "B": 20, "C": 20}), _frame(rows))
    assert all(pub.units[u].status == "published" for u in "PABC")
    assert _item(pub, "C", "speak").reason == "too_few"
    assert _item(pub, "B", "speak").reason == "complementary"
    assert _item(pub, "A", "speak").status == _item(pub, "P", "speak").status == "published"
    assert _item(pub, "B", "mood").status == "published"


def test_groups_of_5_to_9_get_only_an_n_band_and_nothing_from_the_answers() -> None:
    rows = [("A", {"speak": 4 if i % 3 else 2, "mood": 6}) for i in range(12)]
    rows += [("B", {"speak": 5 if i % 2 else 1, "mood": 7}) for i in range(7)]
    pub = _publish(_tree({"A": 20, "B": 8}), _frame(rows))
    assert pub.units["P"].status == "published" and _item(pub, "P", "speak").n == 19
    for unit in ("A", "B"):
        entry = pub.units[unit]
        # A has 12, but P minus A would be B's 7 answers: A is banded too.
        assert entry.status == "banded" and entry.reason == "below_detail"
        assert entry.responses is None and entry.rate_band is None
        assert entry.items == [] and entry.scales == [] and not entry.comments
    assert pub.units["A"].responses_band == "10+"
    assert pub.units["B"].responses_band == "5-9"


def test_a_scale_is_shown_only_where_every_item_of_it_is_shown() -> None:
    members = [i.id for i in THERMOMETER.scale_items("psych_safety")]
    hidden = members[-1]
    full = dict.fromkeys(members, 4)
    part = {i: 4 for i in members if i != hidden}
    rows = [("A", full) for _ in range(10)] + [("B", full) for _ in range(7)]
    rows += [("B", part) for _ in range(5)]
    pub = _publish(_tree({"A": 20, "B": 20}), _frame(rows, THERMOMETER), THERMOMETER)
    assert pub.units["B"].status == "published"
    assert _item(pub, "B", hidden).status == "suppressed"
    scale = _scale(pub, "B", "psych_safety")
    assert scale.status == "suppressed" and scale.reason == "linked"
    assert _scale(pub, "P", "psych_safety").status == "published"


def test_scale_scores_are_whole_points_where_shown() -> None:
    rows = [("A", {"mood": 7}) for _ in range(10)] + [("B", {"mood": 3}) for _ in range(10)]
    pub = _publish(_tree({"A": 20, "B": 20}), _frame(rows))
    for unit in ("P", "A", "B"):
        shown = _scale(pub, unit, "atmosphere")
        if shown.status == "published":
            assert isinstance(shown.score, int) and shown.n is not None and shown.n >= 10


def test_rate_bands_need_5_invited_and_come_in_steps_of_10_percent() -> None:
    assert rate_band(4, 4) is None
    assert rate_band(5, 7) == "70-80%"
    assert rate_band(12, 12) == "90-100%"
    pub = _publish(_tree({"A": 4, "B": 50}), _frame([("A", {"mood": 5})] * 10
                                                     + [("B", {"mood": 5})] * 12))
    assert pub.units["A"].rate_band is None
    assert pub.units["B"].rate_band == "20-30%"
    assert pub.units["B"].responses == 12


def test_a_cut_needs_10_on_both_sides_and_the_rest_of_its_parent() -> None:
    rows = [("A", {"mood": 8, "minority": 1}) for _ in range(10)]
    rows += [("A", {"mood": 6, "minority": 2}) for _ in range(10)]
    rows += [("B", {"mood": 5, "minority": 1}) for _ in range(4)]
    rows += [("B", {"mood": 5, "minority": 2}) for _ in range(8)]
    pub = _publish(_tree({"A": 30, "B": 20}), _frame(rows))
    cut = pub.cuts["minority"].units
    assert cut["B"].status == "suppressed" and cut["B"].responses is None
    # P's minority (14) minus A's (10) would be B's 4: A is held back, P stays.
    assert cut["A"].status == "suppressed" and cut["A"].reason == "complementary"
    assert cut["P"].status == "published"
    assert (cut["P"].responses, cut["P"].rest_responses) == (14, 18)


def test_the_publication_carries_the_tree_at_close_and_survives_a_round_trip() -> None:
    tree = _tree({"A": 20, "B": 30})
    pub = _publish(tree, _frame([("A", {"mood": 7})] * 10 + [("B", {"mood": 5})] * 10))
    assert pub.units["A"].parent == "P" and pub.units["B"].headcount == 30
    assert pub.children("P") == ["A", "B"] and pub.is_within("B", "P")
    assert decode(encode(pub)) == pub


def test_the_privacy_statement_states_the_numbers_the_gate_uses() -> None:
    from pathlib import Path

    from analysis import gate
    from surveys.rounds import K_FLOOR

    text = (Path(__file__).resolve().parents[2] / "docs" / "privacy.md").read_text()
    assert f"**k = {K_FLOOR}**" in text
    assert gate.DETAIL_MIN == gate.CUT_MIN == gate.COMMENT_MIN == 10
    assert "**Figures from 10**" in text and "at least 10 people" in text
    assert f"at least {gate.RATE_MIN_INVITED} people were invited" in text
    assert "bands of 10%" in text and '"5-9"' in text
