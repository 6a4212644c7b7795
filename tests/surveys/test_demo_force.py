"""The synthetic force must look like the real one and behave like real answers."""

from __future__ import annotations

import csv
import random
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.demo_force import (
    CSV_HEADER,
    LEVELS,
    OrgRow,
    generate_force,
    synthetic_answers,
    team_climate,
    write_org_csv,
)


@dataclass(frozen=True)
class FakeItem:
    id: str
    type: str
    values: frozenset[int]
    favourable: frozenset[int]
    cut: bool = False


def agree(item_id: str, favourable: frozenset[int] = frozenset({4, 5})) -> FakeItem:
    return FakeItem(item_id, "agree5", frozenset(range(1, 6)), favourable)


ITEMS: list[FakeItem] = [
    *(agree(f"a{i}") for i in range(14)),
    agree("workload", frozenset({1, 2})),
    FakeItem("mood", "scale10", frozenset(range(11)), frozenset(range(7, 11))),
    FakeItem("seen", "choice", frozenset({1, 2}), frozenset({2})),
    FakeItem("minority", "choice", frozenset({1, 2, 3}), frozenset(), cut=True),
]


@pytest.fixture(scope="module")
def force() -> list[OrgRow]:
    return generate_force()


def children_of(rows: list[OrgRow]) -> dict[str, list[OrgRow]]:
    children: dict[str, list[OrgRow]] = defaultdict(list)
    for r in rows:
        if r.parent_code is not None:
            children[r.parent_code].append(r)
    return children


def assert_well_formed(rows: list[OrgRow], people: int) -> None:
    """Shared structural invariants for a force of any size."""
    assert rows[0] == OrgRow("NP", None, "korps", "Nationale Politie", people)
    seen: dict[str, OrgRow] = {}
    for r in rows:
        assert r.code not in seen, f"duplicate code {r.code}"
        if r.parent_code is not None:
            parent = seen[r.parent_code]  # KeyError: child listed before its parent
            assert LEVELS.index(parent.level) == LEVELS.index(r.level) - 1
        seen[r.code] = r
    children = children_of(rows)
    for r in rows:
        if r.level == "team":
            assert 3 <= r.headcount <= 40
            assert r.code not in children
        else:
            assert children[r.code], f"{r.code} has no children"
            assert r.headcount == sum(c.headcount for c in children[r.code])
    teams = sum(r.headcount for r in rows if r.level == "team")
    assert abs(teams - people) <= 0.02 * people
    assert sum(r.level == "eenheid" for r in rows) == 14


def test_a_full_force_is_a_well_formed_tree(force: list[OrgRow]) -> None:
    assert_well_formed(force, 65_000)


def test_a_full_force_has_realistic_numbers_of_units(force: list[OrgRow]) -> None:
    levels = Counter(r.level for r in force)
    assert levels["korps"] == 1
    assert levels["eenheid"] == 14
    assert 35 <= levels["district"] <= 45
    assert 150 <= levels["basisteam"] <= 190
    assert 2_500 <= levels["team"] <= 6_500


def test_team_sizes_are_skewed_with_small_and_large_teams(force: list[OrgRow]) -> None:
    sizes = [r.headcount for r in force if r.level == "team"]

    def share(lo: int, hi: int) -> float:
        return sum(lo <= s <= hi for s in sizes) / len(sizes)

    assert share(3, 4) >= 0.03, "too few tiny teams to show suppression"
    assert share(8, 20) >= 0.5
    assert share(31, 40) >= 0.02


def test_the_fourteen_units_carry_their_real_names(force: list[OrgRow]) -> None:
    names = {r.name for r in force if r.level == "eenheid"}
    assert {"Amsterdam", "Landelijke Eenheid", "Politieacademie", "Limburg"} <= names
    assert any(r.name.startswith("Basisteam Utrecht") for r in force)


def test_a_small_force_keeps_every_unit_with_a_full_chain() -> None:
    rows = generate_force(people=2_000)
    assert_well_formed(rows, 2_000)
    full = Counter(r.level for r in generate_force())
    small = Counter(r.level for r in rows)
    assert small["district"] < full["district"]
    assert small["basisteam"] < full["basisteam"]
    assert small["team"] < full["team"]


@settings(max_examples=25, deadline=None)
@given(people=st.integers(min_value=100, max_value=150_000), seed=st.integers(0, 2**32))
def test_any_size_and_seed_gives_a_well_formed_force(people: int, seed: int) -> None:
    assert_well_formed(generate_force(people=people, seed=seed), people)


def test_it_refuses_a_force_too_small_to_hold_every_unit() -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_force(people=50)


def test_the_same_seed_gives_the_same_force_and_another_seed_does_not(
    force: list[OrgRow],
) -> None:
    assert generate_force(seed=7) == force
    assert generate_force(seed=8) != force


def test_generating_a_full_force_is_fast() -> None:
    start = time.process_time()
    generate_force(people=65_000, seed=3)
    assert time.process_time() - start < 0.5


def test_the_csv_has_the_import_header_and_round_trips(force: list[OrgRow], tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    write_org_csv(force, path)
    with path.open(encoding="utf-8", newline="") as fh:
        assert fh.readline().strip() == "code,parent_code,level,name,headcount"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == CSV_HEADER
        back = [
            OrgRow(d["code"], d["parent_code"] or None, d["level"], d["name"], int(d["headcount"]))
            for d in reader
        ]
    assert back == force


def test_answers_use_only_allowed_values_and_known_items() -> None:
    by_id = {i.id: i for i in ITEMS}
    for answers in synthetic_answers(ITEMS, 2_000, rng=random.Random(1), climate=0.3):
        for item_id, value in answers.items():
            assert value in by_id[item_id].values


def test_nobody_skips_every_rated_item_even_when_skipping_is_common() -> None:
    rated = {i.id for i in ITEMS if not i.cut}
    few = [agree("x"), agree("y"), ITEMS[-1]]
    for items in (ITEMS, few):
        for answers in synthetic_answers(items, 3_000, rng=random.Random(2), skip_rate=0.9):
            assert answers.keys() & (rated | {"x", "y"})


def test_items_are_skipped_at_roughly_the_requested_rate() -> None:
    n = 4_000
    answers = synthetic_answers(ITEMS, n, rng=random.Random(3), skip_rate=0.2)
    skipped = sum(i.id not in a for a in answers for i in ITEMS if not i.cut)
    assert skipped / (n * (len(ITEMS) - 1)) == pytest.approx(0.2, abs=0.02)


def test_cut_items_are_answered_by_most_with_a_minority_saying_yes() -> None:
    answers = synthetic_answers(ITEMS, 4_000, rng=random.Random(4))
    given_ = [a["minority"] for a in answers if "minority" in a]
    assert len(given_) / 4_000 == pytest.approx(0.85, abs=0.03)
    assert given_.count(1) / len(given_) == pytest.approx(0.15, abs=0.03)


def favourable_share(answers: list[dict[str, int]], item: FakeItem) -> float:
    values = [a[item.id] for a in answers if item.id in a]
    return sum(v in item.favourable for v in values) / len(values)


@pytest.mark.parametrize("item", [ITEMS[0], ITEMS[14], ITEMS[15], ITEMS[16]], ids=lambda i: i.id)
def test_a_better_climate_gives_more_favourable_answers(item: FakeItem) -> None:
    shares = [
        favourable_share(synthetic_answers(ITEMS, 2_000, rng=random.Random(5), climate=c), item)
        for c in (-0.8, 0.0, 0.8)
    ]
    assert shares[0] + 0.1 < shares[1] < shares[2] - 0.1


def test_a_persons_answers_hang_together() -> None:
    answers = synthetic_answers(ITEMS, 3_000, rng=random.Random(6))
    pairs = [(a["a0"], a["a1"]) for a in answers if "a0" in a and "a1" in a]
    assert statistics.correlation(*zip(*pairs, strict=True)) > 0.2


def test_the_same_rng_seed_gives_the_same_answers() -> None:
    first = synthetic_answers(ITEMS, 500, rng=random.Random(9), climate=-0.2)
    assert first == synthetic_answers(ITEMS, 500, rng=random.Random(9), climate=-0.2)
    assert first != synthetic_answers(ITEMS, 500, rng=random.Random(10), climate=-0.2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"climate": 1.5}, "climate"), ({"skip_rate": 1.0}, "skip_rate")],
)
def test_it_refuses_out_of_range_settings(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        synthetic_answers(ITEMS, 1, rng=random.Random(0), **kwargs)


def test_it_refuses_an_unknown_item_type() -> None:
    odd = FakeItem("odd", "slider", frozenset({1, 2}), frozenset({2}))
    with pytest.raises(ValueError, match="odd"):
        synthetic_answers([odd], 1, rng=random.Random(0))


def test_answering_for_the_whole_force_is_fast() -> None:
    start = time.process_time()
    synthetic_answers(ITEMS, 65_000, rng=random.Random(7))
    assert time.process_time() - start < 3.0


def test_team_climate_is_stable_bounded_and_some_teams_are_clearly_worse(
    force: list[OrgRow],
) -> None:
    codes = [r.code for r in force if r.level == "team"]
    climates = [team_climate(c, 7) for c in codes]
    assert all(-0.8 <= c <= 0.8 for c in climates)
    assert climates == [team_climate(c, 7) for c in codes]
    assert climates != [team_climate(c, 8) for c in codes]
    worse = sum(c <= -0.4 for c in climates) / len(climates)
    assert 0.03 <= worse <= 0.2
    assert statistics.pstdev(climates) > 0.15


def test_it_works_with_the_real_team_thermometer() -> None:
    instrument = pytest.importorskip("surveys.instrument")
    items = instrument.load_instrument("team-thermometer").items
    answers = synthetic_answers(items, 200, rng=random.Random(8))
    for a in answers:
        assert a
        for item in items:
            assert item.id not in a or a[item.id] in item.values


def test_people_who_say_they_are_a_minority_answer_less_favourably() -> None:
    answers = synthetic_answers(ITEMS, 6_000, rng=random.Random(11))
    yes = [a for a in answers if a.get("minority") == 1]
    no = [a for a in answers if a.get("minority") == 2]
    assert favourable_share(yes, ITEMS[0]) < favourable_share(no, ITEMS[0]) - 0.05
