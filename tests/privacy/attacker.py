"""An attacker who holds everything published and solves linear systems on counts.

Every published count is a sum over *cells*: a cell is one leaf team (and one release
step of that team, for a sequence of releases). For each measure (responses, an item's answers, a
scale's respondents, the two sides of a cut, ...) and each threshold (k for counts and
coarse figures, 10 for distributions, comments and cuts) we collect the indicator vectors of
every published figure. A group of cells is derivable iff its 0/1 vector lies in the row
space of those vectors; the attack succeeds if a derivable group covers 1..threshold-1
people. Cells that every published vector treats alike form an atom, so it suffices to try
every union of atoms.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.aggregate import cut_focus
from analysis.publication import Publication
from surveys.instrument import Instrument
from surveys.org import Tree

Cell = tuple[str, int]  # (leaf team, release step)
Family = tuple[str, int]  # (measure, threshold)
MAX_ATOMS = 16


def leaf_sizes(frame: pd.DataFrame, instrument: Instrument) -> dict[str, dict[str, int]]:
    """The true size of every measure per leaf team (what the attacker wants to isolate)."""
    sizes: dict[str, dict[str, int]] = defaultdict(dict)
    for team, rows in frame.groupby("unit_code"):
        team = str(team)
        sizes["responses"][team] = len(rows)
        for item in instrument.items:
            sizes[f"item:{item.id}"][team] = int(rows[item.id].notna().sum())
        scale_any = {}
        for scale in instrument.scales:
            ids = [i.id for i in instrument.scale_items(scale.id)]
            scale_any[scale.id] = rows[ids].notna().any(axis=1)
            sizes[f"scale:{scale.id}"][team] = int(scale_any[scale.id].sum())
        for item in instrument.cut_items:
            inside = rows[item.id] == cut_focus(item)
            inside = inside.fillna(False).astype(bool)
            sizes[f"cut:{item.id}:in"][team] = int(inside.sum())
            sizes[f"cut:{item.id}:rest"][team] = int((~inside).sum())
            for scale in instrument.scales:
                answered = scale_any[scale.id]
                name = f"cut:{item.id}:scale:{scale.id}"
                sizes[f"{name}:in"][team] = int((inside & answered).sum())
                sizes[f"{name}:rest"][team] = int((~inside & answered).sum())
    return sizes


def published_units(publication: Publication) -> dict[Family, set[str]]:
    """Per (measure, threshold): the units whose count (or figures) the publication shows.

    A banded unit counts as showing its exact n at k: more than it shows, so the linear
    attacker is stronger than the real one.
    """
    k = publication.k
    shown: dict[Family, set[str]] = defaultdict(set)
    for code, entry in publication.units.items():
        if entry.status not in ("published", "banded"):
            continue
        shown[("responses", k)].add(code)
        if entry.status != "published":
            continue
        shown[("responses", 10)].add(code)
        for row in entry.items:
            if row.status == "published":
                shown[(f"item:{row.id}", 10)].add(code)
        for scale in entry.scales:
            if scale.status == "published":
                shown[(f"scale:{scale.id}", 10)].add(code)
    for cut_id, cut in publication.cuts.items():
        for code, cut_entry in cut.units.items():
            if cut_entry.status != "published":
                continue
            shown[(f"cut:{cut_id}:in", 10)].add(code)
            shown[(f"cut:{cut_id}:rest", 10)].add(code)
            for row in cut_entry.scales:
                if row.status == "published":
                    shown[(f"cut:{cut_id}:scale:{row.id}:in", 10)].add(code)
                    shown[(f"cut:{cut_id}:scale:{row.id}:rest", 10)].add(code)
    return shown


def leaves_of(tree: Tree, code: str) -> set[str]:
    return {u for u in tree.subtree(code) if not tree.children.get(u)}


def derivable_small_groups(rows: Sequence[Iterable[Cell]], sizes: Mapping[Cell, int],
                           threshold: int) -> list[tuple[list[Cell], int]]:
    """Unions of cells in the row space of ``rows`` that cover 1..threshold-1 people."""
    cells = sorted({c for row in rows for c in row})
    if not cells:
        return []
    index = {c: i for i, c in enumerate(cells)}
    matrix = np.zeros((len(rows), len(cells)))
    for r, row in enumerate(rows):
        for cell in row:
            matrix[r, index[cell]] = 1.0
    patterns: dict[tuple[float, ...], list[int]] = defaultdict(list)
    for j in range(len(cells)):
        patterns[tuple(matrix[:, j])].append(j)
    atoms = list(patterns.values())
    assert len(atoms) <= MAX_ATOMS, f"{len(atoms)} atoms: keep the generated cases smaller"
    rank = int(np.linalg.matrix_rank(matrix))
    # x lies in the row space iff it is orthogonal to the null space (cells x (cells - rank)).
    null = np.linalg.svd(matrix)[2][rank:].T
    combos = ((np.arange(1, 2 ** len(atoms))[:, None] >> np.arange(len(atoms))) & 1).astype(float)
    atom_cells = np.zeros((len(atoms), len(cells)))
    for a, members in enumerate(atoms):
        atom_cells[a, members] = 1.0
    vectors = combos @ atom_cells
    in_space = np.all(np.abs(vectors @ null) < 1e-7, axis=1) if null.size else \
        np.ones(len(vectors), dtype=bool)
    size_vec = np.array([sizes.get(c, 0) for c in cells], dtype=float)
    totals = vectors @ size_vec
    found = []
    for v, total in zip(vectors[in_space], totals[in_space], strict=True):
        if 0 < total < threshold:
            found.append(([cells[j] for j in np.flatnonzero(v)], int(total)))
    return found


def attack(tree: Tree, releases: Sequence[tuple[Publication, pd.DataFrame]],
           instrument: Instrument) -> list[str]:
    """Everything the attacker can isolate below its threshold from a sequence of releases.

    ``releases`` are (publication, frame it was computed from) in time order: interim
    snapshots and then the final publication, or only the final one. The frames grow by
    whole cells, so cell (team, t) holds what step t added for that team.
    """
    rows: dict[Family, list[list[Cell]]] = defaultdict(list)
    sizes: dict[str, dict[Cell, int]] = defaultdict(dict)
    previous: dict[str, dict[str, int]] = defaultdict(dict)
    for step, (publication, frame) in enumerate(releases):
        current = leaf_sizes(frame, instrument)
        for measure, per_team in current.items():
            for team, n in per_team.items():
                sizes[measure][(team, step)] = n - previous[measure].get(team, 0)
        previous = defaultdict(dict, {m: dict(v) for m, v in current.items()})
        for family, units in published_units(publication).items():
            for code in units:
                rows[family].append([(leaf, s) for leaf in leaves_of(tree, code)
                                     for s in range(step + 1)])
    problems = []
    for (measure, threshold), vectors in rows.items():
        for cells, total in derivable_small_groups(vectors, sizes[measure], threshold):
            problems.append(f"{measure}: {total} < {threshold} people in {cells}")
    return problems
