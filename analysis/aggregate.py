"""Raw counts for every unit of a round's tree, computed once from the decrypted frame.

These numbers are *ungated*: they never leave ``analysis/`` and are never stored. The gate
turns them into the publication.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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
    for (anc, item_id, value), count in rolled.items():
        per_unit = result.item_counts[str(item_id)].setdefault(str(anc), {})
        per_unit[int(value)] = int(count)
    for item_id, per_unit_counts in result.item_counts.items():
        result.item_n[item_id] = {u: sum(c.values()) for u, c in per_unit_counts.items()}


def person_scale_scores(frame: pd.DataFrame, instrument: Instrument) -> dict[str, pd.DataFrame]:
    """Per scale: each respondent's mean 0-100 score and favourable share (NaN if skipped)."""
    out: dict[str, pd.DataFrame] = {}
    for scale in instrument.scales:
        items = instrument.scale_items(scale.id)
        if not items:
            continue
        scores = pd.DataFrame({i.id: frame[i.id].map(_score_map(i)) for i in items})
        favs = pd.DataFrame({i.id: frame[i.id].map(_fav_map(i)) for i in items})
        out[scale.id] = pd.DataFrame({
            "score": scores.astype(float).mean(axis=1, skipna=True),
            "fav": favs.astype(float).mean(axis=1, skipna=True),
        })
    return out


def _score_map(item: Item) -> Mapping[float, float]:
    return {float(v): item_score(item, v) for v in item.values}


def _fav_map(item: Item) -> Mapping[float, float]:
    return {float(v): 1.0 if v in item.favourable else 0.0 for v in item.values}


def _add_scales(result: Aggregates, frame: pd.DataFrame, instrument: Instrument,
                pairs: pd.DataFrame) -> None:
    for scale_id, person in person_scale_scores(frame, instrument).items():
        person = person.assign(unit_code=frame["unit_code"].to_numpy())
        person = person[np.isfinite(person["score"].to_numpy(dtype=float))]
        team = person.groupby("unit_code").agg(n=("score", "size"), score=("score", "sum"),
                                               fav=("fav", "sum")).reset_index()
        rolled = _roll_up(team, pairs, [])
        result.scale_n[scale_id] = {str(u): int(v) for u, v in rolled["n"].items()}
        result.scale_score[scale_id] = {str(u): float(v) for u, v in rolled["score"].items()}
        result.scale_fav[scale_id] = {str(u): float(v) for u, v in rolled["fav"].items()}


def cut_focus(item: Item) -> int:
    """The one value of a cut item that is compared with everyone else (its first option)."""
    return item.options[0].value


def cut_frames(frame: pd.DataFrame, instrument: Instrument) -> dict[str, pd.DataFrame]:
    """Per cut item, the responses that chose its focus value."""
    return {item.id: frame[frame[item.id] == cut_focus(item)] for item in instrument.cut_items}
