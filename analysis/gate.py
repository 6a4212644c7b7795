"""The privacy gate: the one door every figure passes through.

For each round the gate computes ONE publication for all audiences together. What it hides
never depends on who asks, so viewers who pool their views learn nothing beyond it.

Every published number counts as what it pins down (ARCHITECTURE.md, "Privacy rules"), so
the gate publishes at two levels only:

* **detail** (status ``published``) -- a unit with at least 10 responses for which every
  unit minus its detailed descendants covers 0 or at least 10 responses. Only detailed
  units show answer-derived figures: exact n, rate band, per item n, mean, share and
  distribution, per scale score and share, comments, cuts. Each item is checked on its own
  with the same rule on (item n, responses), so every residual of option counts, sums,
  favourable counts, item n and skip counts belongs to 0 or at least 10 people. A scale is
  shown only where every item of the scale is shown for that unit (``linked``), again with
  the rule on (scale n, responses). Cuts only inside shown scales of detailed units.
* **band** (status ``banded``) -- a unit with at least k responses, differencing-safe at k,
  that is not detailed: only "5-9" or "10+" responses, nothing derived from the answers.
  Any answer figure of a group under 10, however coarse, can be pinned down by subtracting
  it from the exact figures of the detailed group around it (docs/privacy.md has the
  example), so it gets none.

``suppress`` is the single algorithm behind every level; ``publish`` applies it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from analysis.aggregate import Aggregates, cut_focus
from analysis.publication import (
    CutEntry,
    CutFigures,
    CutScale,
    ItemFigures,
    Publication,
    Reason,
    ScaleFigures,
    UnitEntry,
    UnitStatus,
)
from sentimeter.models import Unit
from surveys.instrument import Instrument, Item
from surveys.org import Tree

DETAIL_MIN = 10
DISTRIBUTION_MIN = DETAIL_MIN
CUT_MIN = 10
COMMENT_MIN = 10
RATE_MIN_INVITED = 5

Measure = Mapping[str, float]


def _residual_ok(value: float, threshold: int) -> bool:
    return value <= 0 or value >= threshold


def suppress(tree: Tree, root: str, measures: Sequence[Measure], candidates: set[str],
             threshold: int) -> tuple[set[str], dict[str, Reason]]:
    """Which candidate units may be shown; reasons for the rest.

    Every measure of a shown unit is at least ``threshold``, and for every shown unit every
    measure of (unit minus its shown descendants) is 0 or at least ``threshold``.

    One bottom-up pass suffices: hiding a descendant adds that descendant's residual (already
    0 or >= threshold) to its ancestors' residuals, which cannot break a residual that was
    fine before; and nothing between a unit and its frontier is shown.
    """
    visible = {u for u in candidates if all(m.get(u, 0) >= threshold for m in measures)}
    reasons: dict[str, Reason] = dict.fromkeys(candidates - visible, "too_few")
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


def rate_band(responses: int, invited: int) -> str | None:
    """Response rate in 10% bands, only where at least 5 were invited."""
    if invited < RATE_MIN_INVITED:
        return None
    low = min(int(10 * responses / invited), 9) * 10
    return f"{low}-{low + 10}%"


def _item_figures(item: Item, counts: Mapping[int, int], n: int) -> ItemFigures:
    favourable = sum(c for v, c in counts.items() if v in item.favourable) / n
    mean = None
    if item.type != "choice":
        mean = round(sum(v * c for v, c in counts.items()) / n, 2)
    categories = {"unfavourable": 0, "neutral": 0, "favourable": 0}
    for value, count in counts.items():
        categories[item.category(value)] += int(count)
    return ItemFigures(id=item.id, status="published", n=n, mean=mean,
                       favourable=round(100 * favourable),
                       counts={str(v): int(counts.get(v, 0)) for v in sorted(item.values)},
                       categories=categories)


def _scale_figures(scale_id: str, n: int, score_sum: float, fav_sum: float) -> ScaleFigures:
    return ScaleFigures(id=scale_id, status="published", n=n, score=round(score_sum / n),
                        favourable=round(100 * fav_sum / n))


Visibility = tuple[set[str], dict[str, Reason]]


def _item_visibility(tree: Tree, root: str, instrument: Instrument, agg: Aggregates,
                     detailed: set[str]) -> dict[str, Visibility]:
    """Per item: detailed units where it is shown (residual rule on item n and responses)."""
    out = {}
    for item in instrument.rated_items:
        n_i = agg.item_n.get(item.id, {})
        out[item.id] = suppress(tree, root, [n_i, agg.responses],
                                {u for u in detailed if n_i.get(u, 0) > 0}, DETAIL_MIN)
    return out


def _scale_visibility(tree: Tree, root: str, instrument: Instrument, agg: Aggregates,
                      detailed: set[str], items: Mapping[str, Visibility]) -> dict[str, Visibility]:
    """Per scale: shown only where every item of the scale is shown for that unit."""
    out = {}
    for scale in instrument.scales:
        n_s = agg.scale_n.get(scale.id, {})
        members = [i.id for i in instrument.scale_items(scale.id) if i.id in items]
        answered = {u for u in detailed if n_s.get(u, 0) > 0}
        whole = {u for u in answered if all(u in items[i][0] for i in members)}
        shown, why = suppress(tree, root, [n_s, agg.responses], whole, DETAIL_MIN)
        why.update(dict.fromkeys(answered - whole, "linked"))
        out[scale.id] = (shown, why)
    return out


def publish(*, tree: Tree, root: str, instrument: Instrument, k: int, agg: Aggregates,
            cut_aggs: Mapping[str, Aggregates], round_id: int = 0,
            over_headcount: frozenset[str] = frozenset(),
            teams: Mapping[str, list[str]] | None = None) -> Publication:
    """The one publication of a closed round.

    ``over_headcount`` teams (more used codes than people) were left out of ``agg`` by the
    caller and are marked; ``teams`` maps every unit to the answering teams below it at
    close (whose comments it would show).
    """
    units = tree.subtree(root)
    responses = agg.responses
    shown, reasons = suppress(tree, root, [responses],
                              {u for u in units if responses.get(u, 0) > 0}, k)
    detailed, _ = suppress(tree, root, [responses],
                           {u for u in shown if responses.get(u, 0) >= DETAIL_MIN}, DETAIL_MIN)
    item_vis = _item_visibility(tree, root, instrument, agg, detailed)
    scale_vis = _scale_visibility(tree, root, instrument, agg, detailed, item_vis)
    entries: dict[str, UnitEntry] = {}
    for code in units:
        unit = tree.units[code]
        n = int(responses.get(code, 0))
        entry = partial(_entry, unit, None if code == root else unit.parent_code)
        if code in over_headcount:
            entries[code] = entry("suppressed", "over_headcount")
        elif n == 0:
            entries[code] = entry("no_data", "no_responses")
        elif code not in shown:
            entries[code] = entry("suppressed", reasons.get(code, "too_few"))
        elif code not in detailed:
            entries[code] = entry("banded", "below_detail",
                                  responses_band="5-9" if n < DETAIL_MIN else "10+")
        else:
            entries[code] = entry(
                "published", None, responses=n, rate_band=rate_band(n, unit.headcount),
                comments=True, comment_teams=sorted((teams or {}).get(code, [])),
                items=_unit_items(code, instrument, agg, item_vis),
                scales=_unit_scales(code, instrument, agg, scale_vis))
    return Publication(round_id=round_id, root=root, k=k, instrument=instrument.id,
                       version=instrument.version, units=entries,
                       cuts=_publish_cuts(tree, root, instrument, agg, cut_aggs, detailed,
                                          scale_vis))


def _entry(unit: Unit, parent: str | None, status: UnitStatus, reason: Reason | None,
           **figures: Any) -> UnitEntry:
    """A unit as it is at close (the frozen tree) with what may be shown of it."""
    return UnitEntry(code=unit.code, name=unit.name, level=unit.level, parent=parent,
                     headcount=int(unit.headcount), status=status, reason=reason, **figures)


def _unit_items(code: str, instrument: Instrument, agg: Aggregates,
                item_vis: Mapping[str, Visibility]) -> list[ItemFigures]:
    rows = []
    for item in instrument.rated_items:
        vis, why = item_vis[item.id]
        if code not in vis:
            rows.append(ItemFigures(id=item.id, status="suppressed",
                                    reason=why.get(code, "no_answers")))
            continue
        rows.append(_item_figures(item, agg.item_counts[item.id][code],
                                  agg.item_n[item.id][code]))
    return rows


def _unit_scales(code: str, instrument: Instrument, agg: Aggregates,
                 scale_vis: Mapping[str, Visibility]) -> list[ScaleFigures]:
    rows = []
    for scale in instrument.scales:
        vis, why = scale_vis.get(scale.id, (set(), {}))
        if code not in vis:
            rows.append(ScaleFigures(id=scale.id, status="suppressed",
                                     reason=why.get(code, "no_answers")))
            continue
        rows.append(_scale_figures(scale.id, agg.scale_n[scale.id][code],
                                   agg.scale_score[scale.id][code],
                                   agg.scale_fav[scale.id][code]))
    return rows


def _publish_cuts(tree: Tree, root: str, instrument: Instrument, agg: Aggregates,
                  cut_aggs: Mapping[str, Aggregates], detailed: set[str],
                  scale_vis: Mapping[str, Visibility]) -> dict[str, CutFigures]:
    """Focus value against the rest of the group; both sides >= 10, differencing-safe.

    Only detailed units, and inside them only scales shown for the unit (cut vs scale).
    """
    cuts: dict[str, CutFigures] = {}
    for item in instrument.cut_items:
        cut = cut_aggs.get(item.id, Aggregates())
        inside = cut.responses
        rest = _subtract(agg.responses, inside)
        # Every detailed unit is a candidate, so a missing entry never tells that nobody
        # chose the focus value; 0 and 1..9 both read "too_few".
        vis, why = suppress(tree, root, [inside, rest], set(detailed), CUT_MIN)
        scales: dict[str, list[CutScale]] = {code: [] for code in vis}
        for scale in instrument.scales:
            s_in = cut.scale_n.get(scale.id, {})
            s_rest = _subtract(agg.scale_n.get(scale.id, {}), s_in)
            scale_shown = scale_vis.get(scale.id, (set(), {}))[0]
            s_vis, _ = suppress(tree, root, [s_in, s_rest],
                                {u for u in vis & scale_shown if s_in.get(u, 0) > 0}, CUT_MIN)
            for code in sorted(vis):
                if code not in s_vis:
                    scales[code].append(CutScale(id=scale.id, status="suppressed"))
                    continue
                inside_fig = _scale_figures(scale.id, int(s_in[code]),
                                            cut.scale_score[scale.id][code],
                                            cut.scale_fav[scale.id][code])
                rest_fig = _scale_figures(
                    scale.id, int(s_rest[code]),
                    agg.scale_score[scale.id][code] - cut.scale_score[scale.id][code],
                    agg.scale_fav[scale.id][code] - cut.scale_fav[scale.id][code])
                scales[code].append(CutScale(id=scale.id, status="published", cut=inside_fig,
                                             rest=rest_fig))
        per_unit: dict[str, CutEntry] = {}
        for code in sorted(detailed):
            if code not in vis:
                per_unit[code] = CutEntry(status="suppressed", reason=why.get(code, "too_few"))
            else:
                per_unit[code] = CutEntry(status="published", responses=int(inside[code]),
                                          rest_responses=int(rest[code]), scales=scales[code])
        cuts[item.id] = CutFigures(item=item.id, focus=cut_focus(item), units=per_unit)
    return cuts
