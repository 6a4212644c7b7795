"""Raw counts for every unit of a round's tree, computed once from the decrypted frame.

These numbers are *ungated*: they never leave ``analysis/`` and are never stored. The gate
turns them into the publication.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd

from surveys.instrument import Instrument, Item
from surveys.org import Tree


@dataclass
class Aggregates:
    """Counts per unit (the unit's whole subtree) of one set of responses."""

    responses: dict[str, int] = field(default_factory=dict)
    item_n: dict[str, dict[str, int]] = field(default_factory=dict)
    item_counts: dict[str, dict[str, dict[int, int]]] = field(default_factory=dict)
    scale_n: dict[str, dict[str, int]] = field(default_factory=dict)
    scale_score: dict[str, dict[str, float]] = field(default_factory=dict)  # sums of 0-100
    scale_fav: dict[str, dict[str, float]] = field(default_factory=dict)  # sums of shares


def item_score(item: Item, value: int) -> float:
    """A value on a 0-100 scale where 100 is the most favourable end."""
    if item.type == "choice":
        return 100.0 if value in item.favourable else 0.0
    low, high = min(item.values), max(item.values)
    position = (value - low) / (high - low)
    reversed_ = max(item.favourable) < (low + high) / 2
    return round(100.0 * (1 - position if reversed_ else position), 4)


def ancestor_pairs(tree: Tree, root: str, codes: list[str]) -> pd.DataFrame:
    """(unit_code, anc) for each code and every ancestor up to ``root`` (itself included)."""
    rows: list[tuple[str, str]] = []
    for code in codes:
        if code not in tree.units:
            continue
        chain = [code, *tree.ancestors(code)]
        if root not in chain:
            continue
        rows.extend((code, anc) for anc in chain[: chain.index(root) + 1])
    return pd.DataFrame(rows, columns=["unit_code", "anc"])


def _roll_up(team_level: pd.DataFrame, pairs: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    merged = team_level.merge(pairs, on="unit_code")
    return merged.drop(columns="unit_code").groupby(["anc", *keys], sort=False).sum()


def aggregate(frame: pd.DataFrame, instrument: Instrument, tree: Tree, root: str) -> Aggregates:
    """Counts of every unit under ``root`` from one row per response."""
    result = Aggregates()
    pairs = ancestor_pairs(tree, root, sorted(frame["unit_code"].unique().tolist()))
    if frame.empty or pairs.empty:
        return result
    sizes = frame.groupby("unit_code").size().rename("n").reset_index()
    result.responses = {str(k): int(v) for k, v in _roll_up(sizes, pairs, [])["n"].items()}
    _add_items(result, frame, instrument, pairs)
    _add_scales(result, frame, instrument, pairs)
    return result


def _add_items(result: Aggregates, frame: pd.DataFrame, instrument: Instrument,
               pairs: pd.DataFrame) -> None:
    ids = [item.id for item in instrument.items]
    long = frame.melt(id_vars=["unit_code"], value_vars=ids, var_name="item",
                      value_name="value").dropna(subset=["value"])
    for item in instrument.items:
        result.item_n[item.id] = {}
        result.item_counts[item.id] = {}
    if long.empty:
        return
    long["value"] = long["value"].astype(int)
    team = long.groupby(["unit_code", "item", "value"]).size().rename("count").reset_index()
    rolled = _roll_up(team, pairs, ["item", "value"])["count"]
    for key, count in rolled.items():
        anc, item_id, value = cast(tuple[str, str, int], key)
        per_unit = result.item_counts[str(item_id)].setdefault(str(anc), {})
        per_unit[int(value)] = int(count)
    for item_id, per_unit_counts in result.item_counts.items():
        result.item_n[item_id] = {u: sum(c.values()) for u, c in per_unit_counts.items()}


def person_scale_scores(frame: pd.DataFrame, instrument: Instrument) -> dict[str, pd.DataFrame]:
    """Per scale: each respondent's mean 0-100 score and favourable share (NaN if skipped).

    Plain numpy on purpose: this runs for every round, snapshot and cut, and pandas'
    per-column ``map`` costs far more than the arithmetic.
    """
    out: dict[str, pd.DataFrame] = {}
    for scale in instrument.scales:
        items = instrument.scale_items(scale.id)
        if not items:
            continue
        values = [frame[i.id].to_numpy(dtype=float, na_value=np.nan) for i in items]
        scores = np.column_stack([_lookup(v, _score_map(i)) for v, i in zip(values, items,
                                                                          strict=True)])
        favs = np.column_stack([_lookup(v, _fav_map(i)) for v, i in zip(values, items,
                                                                       strict=True)])
        answered = np.isfinite(scores).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[scale.id] = pd.DataFrame({
                "score": np.nansum(scores, axis=1) / answered,
                "fav": np.nansum(favs, axis=1) / answered,
            }, index=frame.index)
    return out


def _lookup(values: np.ndarray, mapping: Mapping[float, float]) -> np.ndarray:
    """``mapping`` applied to an array of raw answers; NaN where skipped."""
    result = np.full(values.shape, np.nan)
    for raw, mapped in mapping.items():
        result[values == raw] = mapped
    return result


def _score_map(item: Item) -> Mapping[float, float]:
    return {float(v): item_score(item, v) for v in item.values}


def _fav_map(item: Item) -> Mapping[float, float]:
    return {float(v): 1.0 if v in item.favourable else 0.0 for v in item.values}


def _add_scales(result: Aggregates, frame: pd.DataFrame, instrument: Instrument,
                pairs: pd.DataFrame) -> None:
    """Respondents, score sums and favourable sums per scale, rolled up in one merge."""
    columns: dict[str, np.ndarray] = {}
    for scale_id, person in person_scale_scores(frame, instrument).items():
        score = person["score"].to_numpy(dtype=float)
        answered = np.isfinite(score)
        columns[f"n|{scale_id}"] = answered.astype(int)
        columns[f"score|{scale_id}"] = np.where(answered, score, 0.0)
        columns[f"fav|{scale_id}"] = np.where(answered, person["fav"].to_numpy(dtype=float), 0.0)
    if not columns:
        return
    wide = pd.DataFrame(columns).assign(unit_code=frame["unit_code"].to_numpy())
    team = wide.groupby("unit_code").sum().reset_index()
    rolled: dict[str, dict[str, float]] = {
        str(c): {str(u): float(v) for u, v in per_unit.items()}
        for c, per_unit in _roll_up(team, pairs, []).to_dict().items()}
    for scale_id in {c.split("|", 1)[1] for c in columns}:
        counts = rolled[f"n|{scale_id}"]
        units = [u for u, n in counts.items() if n > 0]
        result.scale_n[scale_id] = {u: int(counts[u]) for u in units}
        result.scale_score[scale_id] = {u: rolled[f"score|{scale_id}"][u] for u in units}
        result.scale_fav[scale_id] = {u: rolled[f"fav|{scale_id}"][u] for u in units}


def cut_focus(item: Item) -> int:
    """The one value of a cut item that is compared with everyone else (its first option)."""
    return item.options[0].value


def cut_frames(frame: pd.DataFrame, instrument: Instrument) -> dict[str, pd.DataFrame]:
    """Per cut item, the responses that chose its focus value."""
    return {item.id: frame[frame[item.id] == cut_focus(item)] for item in instrument.cut_items}
