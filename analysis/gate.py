"""The privacy gate: the one door every figure passes through.

For each round the gate computes ONE publication for all audiences together. What it hides
never depends on who asks, so viewers who pool their views learn nothing beyond it.

Rules (ARCHITECTURE.md, "Privacy rules"):

* primary suppression -- a group (or a group's answers to one item or scale) with fewer
  than k responses is not shown;
* complementary suppression -- for every shown unit, the unit minus its shown descendants
  (the "residual", which anyone can compute by subtraction) covers 0 or at least k
  responses, per measure; otherwise the smallest shown descendant is hidden too;
* coarsening -- answer distributions and comments only for groups of at least 10 (with the
  same differencing rule at 10); below that a mean with one decimal and the share
  favourable rounded to 10%; response rates only where at least 5 were invited, in 10% bands;
* cuts -- one focus value of a self-description item against everyone else, shown only
  where both sides have at least 10 responses, again with the differencing rule on both sides;
* interim snapshots (``final=False``) carry only coarse figures: no distributions, no cuts,
  no comments, so the difference between two snapshots is never a distribution or a cut of
  a small batch (release.py makes every batch difference 0 or at least k people).

``suppress`` is the single algorithm behind every one of these; ``publish`` applies it.
What is hidden depends only on the counts, never on who asks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from analysis.aggregate import Aggregates, cut_focus
from surveys.instrument import Instrument, Item
from surveys.org import Tree

DISTRIBUTION_MIN = 10
CUT_MIN = 10
COMMENT_MIN = 10
RATE_MIN_INVITED = 5

Measure = Mapping[str, float]
ScaleVisibility = tuple[set[str], dict[str, str], set[str]]  # shown, reasons, detailed


def _residual_ok(value: float, threshold: int) -> bool:
    return value <= 0 or value >= threshold


def suppress(tree: Tree, root: str, measures: Sequence[Measure], candidates: set[str],
             threshold: int) -> tuple[set[str], dict[str, str]]:
    """Which candidate units may be shown; reasons for the rest.

    Every measure of a shown unit is at least ``threshold``, and for every shown unit every
    measure of (unit minus its shown descendants) is 0 or at least ``threshold``.

    One bottom-up pass suffices: hiding a descendant adds that descendant's residual (already
    0 or >= threshold) to its ancestors' residuals, which cannot break a residual that was
    fine before; and nothing between a unit and its frontier is shown.
    """
    visible = {u for u in candidates if all(m.get(u, 0) >= threshold for m in measures)}
    reasons = dict.fromkeys(candidates - visible, "too_few")
    below: dict[str, list[str]] = {}
    for unit in reversed(tree.subtree(root)):
        frontier: list[str] = []
        for child in tree.children.get(unit, []):
            frontier.extend([child] if child in visible else below[child])
        while unit in visible and not all(
            _residual_ok(m.get(unit, 0) - sum(m.get(f, 0) for f in frontier), threshold)
            for m in measures
        ):
            smallest = min(frontier, key=lambda f: (measures[0].get(f, 0), f))
            visible.discard(smallest)
            reasons[smallest] = "complementary"
            frontier.remove(smallest)
            frontier.extend(below[smallest])
        below[unit] = frontier
    return visible, reasons


def _subtract(a: Measure, b: Measure) -> dict[str, float]:
    return {u: a.get(u, 0) - b.get(u, 0) for u in a}


def _round_to(value: float, step: float) -> float:
    return float(step * math.floor(value / step + 0.5))


def rate_band(responses: int, invited: int) -> str | None:
    """Response rate in 10% bands, only where at least 5 were invited."""
    if invited < RATE_MIN_INVITED:
        return None
    low = min(int(10 * responses / invited), 9) * 10
    return f"{low}-{low + 10}%"


def _item_figures(item: Item, counts: Mapping[int, int], n: int, detailed: bool) -> dict[str, Any]:
    favourable = sum(c for v, c in counts.items() if v in item.favourable) / n
    mean = None
    if item.type != "choice":
        mean = round(sum(v * c for v, c in counts.items()) / n, 2 if detailed else 1)
    figures: dict[str, Any] = {
        "n": n, "mean": mean,
        "favourable": round(100 * favourable) if detailed else int(_round_to(100 * favourable, 10)),
        "counts": None, "categories": None,
    }
    if detailed:
        figures["counts"] = {str(v): int(counts.get(v, 0)) for v in sorted(item.values)}
        categories = {"unfavourable": 0, "neutral": 0, "favourable": 0}
        for value, count in counts.items():
            categories[item.category(value)] += int(count)
        figures["categories"] = categories
    return figures


def _hidden(reason: str) -> dict[str, Any]:
    return {"status": "suppressed", "reason": reason, "n": None, "mean": None,
            "favourable": None, "counts": None, "categories": None}


def publish(*, tree: Tree, root: str, instrument: Instrument, k: int, agg: Aggregates,
            cut_aggs: Mapping[str, Aggregates], codes: Mapping[str, tuple[int, int]],
            final: bool) -> dict[str, Any]:
    """The one publication of a round (``final``) or of one interim snapshot (coarse only)."""
    units = tree.subtree(root)
    responses: Measure = agg.responses
    shown, reasons = suppress(tree, root, [responses],
                              {u for u in units if responses.get(u, 0) > 0}, k)
    comment_units: set[str] = set()
    if final:
        comment_units, _ = suppress(tree, root, [responses], shown, COMMENT_MIN)
    item_vis = {}
    for item in instrument.rated_items:
        n_i = agg.item_n.get(item.id, {})
        vis, why = suppress(tree, root, [n_i], {u for u in shown if n_i.get(u, 0) > 0}, k)
        detail = suppress(tree, root, [n_i], vis, DISTRIBUTION_MIN)[0] if final else set()
        item_vis[item.id] = (vis, why, detail)
    scale_vis = {}
    for scale in instrument.scales:
        n_s = agg.scale_n.get(scale.id, {})
        vis, why = suppress(tree, root, [n_s], {u for u in shown if n_s.get(u, 0) > 0}, k)
        detail = suppress(tree, root, [n_s], vis, DISTRIBUTION_MIN)[0] if final else set()
        scale_vis[scale.id] = (vis, why, detail)

    published: dict[str, Any] = {}
    for code in units:
        unit = tree.units[code]
        n = int(responses.get(code, 0))
        entry: dict[str, Any] = {"code": code, "name": unit.name, "level": unit.level,
                                 "parent": unit.parent_code if code != root else None}
        if n == 0:
            entry.update(status="no_data", reason="no_responses", responses=None, rate_band=None,
                         items=[], scales=[], comments=False)
        elif code not in shown:
            entry.update(status="suppressed", reason=reasons.get(code, "too_few"), responses=None,
                         rate_band=None, items=[], scales=[], comments=False)
        else:
            entry.update(status="published", reason=None, responses=n,
                         rate_band=rate_band(n, unit.headcount), comments=code in comment_units,
                         items=_unit_items(code, instrument, agg, item_vis),
                         scales=_unit_scales(code, instrument, agg, scale_vis))
        published[code] = entry
    return {
        "root": root, "k": k, "instrument": instrument.id, "version": instrument.version,
        "units": published,
        "cuts": _publish_cuts(tree, root, instrument, agg, cut_aggs, shown, scale_vis)
        if final else {},
        "codes": {u: {"issued": i, "used": s} for u, (i, s) in sorted(codes.items())},
    }


def _unit_items(code: str, instrument: Instrument, agg: Aggregates,
                item_vis: Mapping[str, tuple[set[str], dict[str, str], set[str]]]) -> list[Any]:
    rows = []
    for item in instrument.rated_items:
        vis, why, detail = item_vis[item.id]
        if code not in vis:
            rows.append({"id": item.id, **_hidden(why.get(code, "no_answers"))})
            continue
        counts = agg.item_counts[item.id][code]
        figures = _item_figures(item, counts, agg.item_n[item.id][code], code in detail)
        rows.append({"id": item.id, "status": "published", "reason": None, **figures})
    return rows


def _scale_figures(n: int, score_sum: float, fav_sum: float, detailed: bool) -> dict[str, Any]:
    score = score_sum / n
    favourable = 100 * fav_sum / n
    return {"n": n, "detailed": detailed,
            "score": round(score) if detailed else int(_round_to(score, 5)),
            "favourable": round(favourable) if detailed else int(_round_to(favourable, 10))}


def _unit_scales(code: str, instrument: Instrument, agg: Aggregates,
                 scale_vis: Mapping[str, ScaleVisibility]) -> list[Any]:
    rows = []
    for scale in instrument.scales:
        vis, why, detail = scale_vis.get(scale.id, (set(), {}, set()))
        if code not in vis:
            rows.append({"id": scale.id, "status": "suppressed",
                         "reason": why.get(code, "no_answers"),
                         "n": None, "detailed": False, "score": None, "favourable": None})
            continue
        figures = _scale_figures(agg.scale_n[scale.id][code], agg.scale_score[scale.id][code],
                                 agg.scale_fav[scale.id][code], code in detail)
        rows.append({"id": scale.id, "status": "published", "reason": None, **figures})
    return rows


def _publish_cuts(tree: Tree, root: str, instrument: Instrument, agg: Aggregates,
                  cut_aggs: Mapping[str, Aggregates], shown: set[str],
                  scale_vis: Mapping[str, ScaleVisibility]) -> dict[str, Any]:
    """Focus value against the rest of the group; both sides >= 10, differencing-safe."""
    cuts: dict[str, Any] = {}
    for item in instrument.cut_items:
        cut = cut_aggs.get(item.id, Aggregates())
        inside = cut.responses
        rest = _subtract(agg.responses, inside)
        # Every shown unit is a candidate, so a missing entry never tells that nobody chose
        # the focus value; 0 and 1..9 both read "too_few".
        candidates = set(shown)
        vis, why = suppress(tree, root, [inside, rest], candidates, CUT_MIN)
        per_unit: dict[str, Any] = {}
        for code in sorted(candidates):
            if code not in vis:
                per_unit[code] = {"status": "suppressed", "reason": why.get(code, "too_few"),
                                  "responses": None, "rest_responses": None, "scales": []}
                continue
            per_unit[code] = {"status": "published", "reason": None,
                              "responses": int(inside[code]), "rest_responses": int(rest[code]),
                              "scales": []}
        for scale in instrument.scales:
            s_in = cut.scale_n.get(scale.id, {})
            s_all = agg.scale_n.get(scale.id, {})
            s_rest = _subtract(s_all, s_in)
            scale_shown = scale_vis.get(scale.id, (set(), {}, set()))[0]
            s_vis, _ = suppress(tree, root, [s_in, s_rest],
                                {u for u in vis & scale_shown if s_in.get(u, 0) > 0}, CUT_MIN)
            for code in sorted(vis):
                if code not in s_vis:
                    per_unit[code]["scales"].append({"id": scale.id, "status": "suppressed"})
                    continue
                inside_fig = _scale_figures(s_in[code], cut.scale_score[scale.id][code],
                                            cut.scale_fav[scale.id][code], True)
                rest_fig = _scale_figures(
                    int(s_rest[code]),
                    agg.scale_score[scale.id][code] - cut.scale_score[scale.id][code],
                    agg.scale_fav[scale.id][code] - cut.scale_fav[scale.id][code], True)
                per_unit[code]["scales"].append({"id": scale.id, "status": "published",
                                                 "cut": inside_fig, "rest": rest_fig})
        cuts[item.id] = {"item": item.id, "focus": cut_focus(item), "units": per_unit}
    return cuts
