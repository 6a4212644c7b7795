"""An integer-programming attacker: every published figure, with its rounding, as a constraint.

The unknowns are what the attacker wants: per leaf team its responses and, per item and
option, how many chose it (skips are responses minus answers). Every figure of the
publication becomes a linear constraint over the teams below the unit as it was at close:
exact counts as equalities, a rounded mean or share as the interval its rounding allows,
an n band as bounds, and even the *reasons* of hidden figures ("too few" means 1..k-1,
"complementary" means at least the threshold) as bounds. For every group of fewer than 10
people (a unit whose true n is 1..9) the attacker then minimises and maximises each
quantity it could learn -- responses (below k), option counts, skip counts, sums of
answers, favourable counts -- with scipy's MILP solver (HiGHS). Equal minimum and maximum
means the quantity is pinned down: a leak.

What is not a leak: a quantity pinned only because a detailed group around it answered
unanimously (ARCHITECTURE.md: if everyone gives the same answer, the result says so).
Scale scores are not modelled (person-level means are not linear in the counts); the gate
shows a scale only where all its items are shown, and the linear attacker covers scale n.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from analysis.publication import ItemFigures, Publication
from surveys.instrument import Instrument, Item

BIG = 10_000


@dataclass
class Coarse:
    """Figures of a group as an old-style gate showed them (for the control)."""

    responses: int
    items: dict[str, tuple[int, float | None, int]]  # item -> (n, mean 1 dec., fav % to 10)


@dataclass
class Model:
    """Variables and constraints of one attack."""

    teams: list[str]
    instrument: Instrument
    index: dict[tuple[str, ...], int] = field(default_factory=dict)
    rows: list[tuple[dict[int, float], float, float]] = field(default_factory=list)

    def var(self, *key: str) -> int:
        return self.index.setdefault(key, len(self.index))

    def n(self, team: str) -> int:
        return self.var("n", team)

    def c(self, team: str, item: str, value: int) -> int:
        return self.var("c", team, item, str(value))

    def add(self, coeffs: Mapping[int, float], low: float, high: float) -> None:
        self.rows.append((dict(coeffs), low, high))


def _sum(model: Model, teams: Iterable[str], var: str, *rest: str) -> dict[int, float]:
    return {model.var(var, t, *rest): 1.0 for t in teams}


def item_counts(model: Model, teams: Iterable[str], item: Item,
                weight: Mapping[int, float] | None = None) -> dict[int, float]:
    """Sum over ``teams`` and the item's options of weight(option) x count."""
    out: dict[int, float] = {}
    for t in teams:
        for v in item.values:
            w = 1.0 if weight is None else weight.get(v, 0.0)
            if w:
                out[model.c(t, item.id, v)] = w
    return out


def build(publication: Publication, instrument: Instrument, leaves: Mapping[str, list[str]],
          coarse: Mapping[str, Coarse] | None = None) -> Model:
    """Every figure of ``publication`` (and of ``coarse``) as constraints on team counts."""
    teams = sorted({t for ts in leaves.values() for t in ts})
    model = Model(teams=teams, instrument=instrument)
    items = instrument.rated_items
    for t in teams:
        model.add({model.n(t): 1.0}, 0, BIG)
        for item in items:  # answers of an item never exceed the team's responses
            model.add({**item_counts(model, [t], item), model.n(t): -1.0}, -BIG, 0)
    k = publication.k
    for code, entry in publication.units.items():
        under = leaves[code]
        n_vars = _sum(model, under, "n")
        if entry.status == "no_data":
            model.add(n_vars, 0, 0)
        elif entry.status == "banded":
            model.add(n_vars, k, 9 if entry.responses_band == "5-9" else BIG)
        elif entry.reason == "too_few":
            model.add(n_vars, 1, k - 1)
        elif entry.reason == "complementary":
            model.add(n_vars, k, BIG)
        if entry.status != "published":
            continue
        model.add(n_vars, entry.responses or 0, entry.responses or 0)
        for row in entry.items:
            item = instrument.item(row.id)
            if row.status == "published" and row.counts is not None:
                for value, count in row.counts.items():
                    model.add(item_counts(model, under, item, {int(value): 1.0}), count, count)
            elif row.reason == "too_few":
                model.add(item_counts(model, under, item), 1, 9)
            elif row.reason == "complementary":
                model.add(item_counts(model, under, item), 10, BIG)
            elif row.reason == "no_answers":
                model.add(item_counts(model, under, item), 0, 0)
    for code, fig in (coarse or {}).items():
        _add_coarse(model, leaves[code], fig)
    for item in instrument.cut_items:  # cut sizes: the focus option's count, and the rest
        cut = publication.cuts.get(item.id)
        for code, cut_entry in (cut.units.items() if cut else []):
            if cut_entry.status == "published" and cut_entry.responses is not None:
                inside = item_counts(model, leaves[code], item, {cut.focus: 1.0}) if cut else {}
                model.add(inside, cut_entry.responses, cut_entry.responses)
    return model


def _add_coarse(model: Model, under: list[str], fig: Coarse) -> None:
    model.add(_sum(model, under, "n"), fig.responses, fig.responses)
    for item_id, (n, mean, fav) in fig.items.items():
        item = model.instrument.item(item_id)
        answered = item_counts(model, under, item)
        model.add(answered, n, n)
        if mean is not None:  # one decimal: the sum lies within n * 0.05 of mean * n
            model.add(item_counts(model, under, item, {v: float(v) for v in item.values}),
                      (mean - 0.05) * n, (mean + 0.05) * n)
        favourable = item_counts(model, under, item, dict.fromkeys(item.favourable, 1.0))
        model.add(favourable, (fav - 5) / 100 * n, (fav + 5) / 100 * n)


class Solver:
    """The constraint matrix of a model, built once; min and max of any linear objective."""

    def __init__(self, model: Model) -> None:
        self.size = len(model.index)
        matrix = np.zeros((len(model.rows), self.size))
        for i, (coeffs, _, _) in enumerate(model.rows):
            for j, w in coeffs.items():
                matrix[i, j] = w
        low = np.array([r[1] for r in model.rows], dtype=float)
        high = np.array([r[2] for r in model.rows], dtype=float)
        self.constraints = LinearConstraint(matrix, low - 1e-9, high + 1e-9)

    def range(self, objective: Mapping[int, float]) -> tuple[float, float]:
        cost = np.zeros(self.size)
        for j, w in objective.items():
            cost[j] = w
        found = []
        for sign in (1.0, -1.0):
            result = milp(sign * cost, constraints=self.constraints,
                          integrality=np.ones(self.size), bounds=Bounds(0, BIG))
            assert result.success, result.message
            found.append(sign * result.fun)
        return found[0], found[1]


def quantities(model: Model, publication: Publication, code: str, under: list[str],
               true_n: int) -> dict[str, dict[int, float]]:
    """What the attacker tries to pin for the group ``code``, minus unanimity consequences.

    The smallest group around ``code`` whose counts are derivable is the remainder of its
    nearest detailed ancestor minus that ancestor's detailed descendants (10 or more
    people). Where nobody in that remainder chose an option (or skipped), no part of it
    did either: that is the published distribution of a group of >= 10, not a leak.
    """
    wanted: dict[str, dict[int, float]] = {}
    if true_n < publication.k:
        wanted["responses"] = _sum(model, under, "n")
    for item in model.instrument.rated_items:
        rest = _remainder(publication, code, item.id)
        counts, skips_left = rest if rest is not None else ({}, 1)
        known = rest is not None
        answered = item_counts(model, under, item)
        if not known or skips_left > 0:
            skips = {j: -w for j, w in answered.items()}
            for t in under:
                skips[model.n(t)] = 1.0
            wanted[f"{item.id}: skips"] = skips
        for value in item.values:
            if not known or counts.get(value, 0) > 0:
                wanted[f"{item.id}: option {value}"] = item_counts(model, under, item,
                                                                   {value: 1.0})
        if not known or sum(1 for c in counts.values() if c) > 1:
            wanted[f"{item.id}: sum"] = item_counts(model, under, item,
                                                    {v: float(v) for v in item.values})
        if not known or any(counts.get(v, 0) for v in item.favourable):
            wanted[f"{item.id}: favourable"] = item_counts(
                model, under, item, dict.fromkeys(item.favourable, 1.0))
    return wanted


def _item_row(publication: Publication, code: str, item_id: str) -> ItemFigures | None:
    entry = publication.units[code]
    if entry.status != "published":
        return None
    row = next((r for r in entry.items if r.id == item_id), None)
    return row if row is not None and row.status == "published" else None


def _remainder(publication: Publication, code: str,
               item_id: str) -> tuple[dict[int, int], int] | None:
    """Option counts and skips of the derivable remainder around ``code`` (None: none)."""
    anc = next((a for a in [code, *publication.ancestors(code)]
                if _item_row(publication, a, item_id) is not None), None)
    if anc is None:
        return None
    top = _item_row(publication, anc, item_id)
    assert top is not None and top.counts is not None
    counts = {int(v): c for v, c in top.counts.items()}
    responses = publication.units[anc].responses or 0
    answered = top.n or 0
    stack = publication.children(anc)
    while stack:
        child = stack.pop()
        row = _item_row(publication, child, item_id)
        if row is None:
            stack.extend(publication.children(child))
            continue
        for v, c in (row.counts or {}).items():
            counts[int(v)] -= c
        responses -= publication.units[child].responses or 0
        answered -= row.n or 0
    return counts, responses - answered


def leaves_at_close(publication: Publication) -> dict[str, list[str]]:
    """Per unit, the leaf teams below it in the tree stored in the publication."""
    codes = list(publication.units)
    has_child = {u.parent for u in publication.units.values() if u.parent}
    leaf = [c for c in codes if c not in has_child]
    return {c: [t for t in leaf if publication.is_within(t, c)] for c in codes}


def attack(publication: Publication, instrument: Instrument, frame: pd.DataFrame,
           coarse: Mapping[str, Coarse] | None = None) -> list[str]:
    """Everything pinned about a group of fewer than 10 people."""
    leaves = leaves_at_close(publication)
    model = build(publication, instrument, leaves, coarse)
    solver = Solver(model)
    sizes = frame.groupby("unit_code").size().to_dict()
    found = []
    for code, under in leaves.items():
        true_n = sum(int(sizes.get(t, 0)) for t in under)
        if not 0 < true_n < 10:
            continue
        wanted = quantities(model, publication, code, under, true_n)
        group = exact_group(publication, leaves, code)
        around = quantities(model, publication, code, group, true_n) if group else {}
        for name, objective in wanted.items():
            low, high = solver.range(objective)
            if abs(high - low) < 1e-6 and not _unanimous_around(solver, around.get(name), low):
                found.append(f"{code} (n={true_n}) {name} = {low:g}")
    return found


def exact_group(publication: Publication, leaves: Mapping[str, list[str]],
                code: str) -> list[str]:
    """The teams of the smallest group around ``code`` whose size is published exactly: the
    nearest ancestor with exact responses minus its descendants with exact responses (those
    not holding ``code``). Empty when there is none."""
    anc = next((a for a in publication.ancestors(code)
                if publication.units[a].responses is not None), None)
    if anc is None:
        return []
    removed: set[str] = set()
    stack = list(publication.children(anc))
    while stack:
        child = stack.pop()
        if code in [child, *publication.ancestors(code)]:
            stack.extend(publication.children(child))
        elif publication.units[child].responses is not None:
            removed.update(leaves[child])
        else:
            stack.extend(publication.children(child))
    return [t for t in leaves[anc] if t not in removed]


def _unanimous_around(solver: Solver, objective: Mapping[int, float] | None,
                      value: float) -> bool:
    """A count pinned at 0 is no leak when the same count is 0 for the whole exactly known
    group around it: that group holds 10 or more people (exact sizes are published only for
    detailed groups, and their differences are 0 or at least 10), so "nobody there chose it"
    is the published unanimity of a big enough group (ARCHITECTURE.md), not a fact about few."""
    if objective is None or abs(value) > 1e-6:
        return False
    low, high = solver.range(objective)
    return abs(high) < 1e-6
