"""Attack: pin down a count, a sum, a skip count or an option count of a group under 10.

The integer-programming attacker (tests/privacy/ip_attacker.py) takes every figure of a
round's publication with its rounding interval and tries, for every group of fewer than k
and every group under the detail threshold, to pin each quantity it could learn. Against
the gate it must find nothing, on random trees, answers and skips; against an old-style
publication (exact n, mean to one decimal and share to 10% for groups of 5-9) it must.
"""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.publication import Publication
from sentimeter.models import Unit
from surveys.instrument import Instrument, load_instrument
from surveys.org import Tree
from tests.privacy.ip_attacker import Coarse, attack, leaves_at_close
from tests.privacy.test_linear_attacker import answers, leaves, publication, trees

INSTRUMENT = load_instrument("sentimeter")


def old_style(pub: Publication, frame: pd.DataFrame, instrument: Instrument) -> dict[str, Coarse]:
    """What the first gate showed for groups of 5-9: exact n, mean to .1, share to 10%."""
    coarse = {}
    for code, under in leaves_at_close(pub).items():
        if pub.units[code].status != "banded":
            continue
        rows = frame[frame["unit_code"].isin(under)]
        figures: dict[str, tuple[int, float | None, int]] = {}
        for item in instrument.rated_items:
            answered = rows[item.id].dropna().astype(int)
            if answered.empty:
                continue
            share = 100 * answered.isin(list(item.favourable)).mean()
            mean = None if item.type == "choice" else round(float(answered.mean()), 1)
            figures[item.id] = (len(answered), mean, int(10 * math.floor(share / 10 + 0.5)))
        coarse[code] = Coarse(responses=len(rows), items=figures)
    return coarse


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), skip=st.sampled_from([0.0, 0.2]))
def test_the_ip_attacker_pins_nothing_about_a_group_under_10(data: st.DataObject,
                                                            skip: float) -> None:
    tree = data.draw(trees(4))
    teams = leaves(tree)
    sizes = data.draw(st.lists(st.integers(0, 14), min_size=len(teams), max_size=len(teams)))
    frame = answers(INSTRUMENT, teams, sizes, data.draw(st.integers(0, 2**32 - 1)), skip)
    pub = publication(tree, INSTRUMENT, frame)
    assert attack(pub, INSTRUMENT, frame) == []


def _two_teams() -> tuple[Tree, list[str]]:
    tree = Tree.from_units([
        Unit(code="R", parent_code=None, level="korps", name="R", headcount=0),
        Unit(code="R.0", parent_code="R", level="team", name="a", headcount=9),
        Unit(code="R.1", parent_code="R", level="team", name="b", headcount=12),
        Unit(code="R.2", parent_code="R", level="team", name="c", headcount=12)])
    return tree, ["R.0", "R.1", "R.2"]


def test_the_ip_attacker_catches_the_old_style_publication_of_groups_of_5_to_9() -> None:
    tree, teams = _two_teams()
    frame = answers(INSTRUMENT, teams, [6, 7, 8], 7, 0.2)
    pub = publication(tree, INSTRUMENT, frame)
    assert {pub.units[t].status for t in teams} == {"banded"}
    assert attack(pub, INSTRUMENT, frame) == []
    found = attack(pub, INSTRUMENT, frame, old_style(pub, frame, INSTRUMENT))
    assert any("skips" in f for f in found)
    assert any("option" in f or "favourable" in f or "sum" in f for f in found)
