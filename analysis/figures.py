"""Charts, starters and table rows made from a gated report (never from raw data).

The locale-aware CSV and XLSX exports live in ``analysis.exports``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from analysis import charts
from analysis.starters import ScaleResult, Starter, choose_starters

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NO_DATA_REASONS = ("no_responses", "no_answers", "not_in_round")
TREND_COLUMNS = 3


def item_bars_for(report: dict[str, Any]) -> list[charts.ItemBar]:
    bars = []
    for item in report["items"]:
        if item["suppressed"]:
            bars.append(charts.ItemBar(label=item["text"], distribution=None,
                                       favourable_share=None, suppressed=True))
            continue
        share = item["favourable"] / 100 if item["favourable"] is not None else None
        bars.append(charts.ItemBar(label=item["text"], distribution=item["categories"],
                                   favourable_share=share, suppressed=False,
                                   favourable_answers=item.get("favourable_answers", ""),
                                   reversed=item.get("reversed", False)))
    return bars


CHART_WIDTHS = (360, 600)
"""The statement chart's widths: a phone's, and a desktop's half-page column."""


def items_chart(report: dict[str, Any], lang: str, width: int = CHART_WIDTHS[0]) -> Any:
    width = width if width in CHART_WIDTHS else CHART_WIDTHS[0]
    return charts.item_bars(item_bars_for(report), lang=lang, width=width)


def items_summary(report: dict[str, Any], lang: str) -> str:
    return charts.summary_item_bars(item_bars_for(report), lang=lang)


def starters_for(report: dict[str, Any], lang: str) -> list[Starter]:
    results = [ScaleResult(scale=s["id"], name=s["name"], score=s["score"], change=s["change"])
               for s in report["scales"]]
    return choose_starters(results, lang, seed=int(report["round"]["id"] or 0))


def heat_cells(comparison: dict[str, Any]) -> list[charts.HeatCell]:
    """Comparison rows as heatmap cells: nobody answered is "no data", hidden is "suppressed"."""
    cells = []
    for row in comparison["rows"]:
        if row["suppressed"]:
            state = "no_data" if row["reason"] in NO_DATA_REASONS else "suppressed"
            cells.append(charts.HeatCell(unit=row["unit_name"], scale=row["scale_name"],
                                         score=None, state=state))  # type: ignore[arg-type]
        else:
            cells.append(charts.HeatCell(unit=row["unit_name"], scale=row["scale_name"],
                                         score=row["mean"], state="shown"))
    return cells


def heatmap_chart(comparison: dict[str, Any], lang: str) -> Any:
    return charts.heatmap(heat_cells(comparison), lang=lang)


def heatmap_summary(comparison: dict[str, Any], lang: str) -> str:
    return charts.summary_heatmap(heat_cells(comparison), lang=lang)


def trend_points(trend: dict[str, Any]) -> list[charts.TrendPoint]:
    """Trend rows as chart points; an unpublished round keeps its place with no score."""
    return [charts.TrendPoint(series=p["series_name"], round_label=p["round_label"],
                              order=p["order"], score=p["score"]) for p in trend["points"]]


def trend_chart(trend: dict[str, Any], lang: str) -> Any:
    return charts.trend_multiples(trend_points(trend), lang=lang, columns=TREND_COLUMNS)


def trend_summary(trend: dict[str, Any], lang: str) -> str:
    return charts.summary_trend(trend_points(trend), lang=lang)


def trend_table(trend: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per series with one cell per round (None where the round was not shown)."""
    rows: dict[str, dict[str, Any]] = {}
    for p in trend["points"]:
        row = rows.setdefault(p["series"], {"series": p["series"], "name": p["series_name"],
                                            "scores": {}})
        row["scores"][p["round_id"]] = p["score"]
    return list(rows.values())


def strongest_weakest(report: dict[str, Any], count: int = 3) -> dict[str, list[dict[str, Any]]]:
    """The statements with the highest and lowest share favourable (shown ones only).

    With fewer than two shown statements there is nothing to contrast, so both lists stay
    empty; the lists never overlap.
    """
    shown = [i for i in report["items"] if not i["suppressed"] and i["favourable"] is not None]
    if len(shown) < 2:
        return {"strongest": [], "weakest": []}
    ranked = sorted(shown, key=lambda i: (-i["favourable"], i["id"]))
    take = min(count, len(ranked) // 2)
    return {"strongest": ranked[:take], "weakest": list(reversed(ranked[-take:]))}


def compare_table(comparison: dict[str, Any]) -> list[dict[str, Any]]:
    """The comparison as one row per unit (scales as columns), in tree order.

    ``states`` says per scale whether the cell is "published", "suppressed" or "no_data";
    a unit's ``status`` is "published" when any of its cells is.
    """
    rows: dict[str, dict[str, Any]] = {}
    for r in comparison["rows"]:
        row = rows.setdefault(r["unit"], {"code": r["unit"], "name": r["unit_name"],
                                          "level": comparison["level"], "responses": None,
                                          "scales": {}, "states": {}, "reasons": {}})
        if r["suppressed"]:
            row["reasons"][r["scale"]] = r["reason"]
            row["states"][r["scale"]] = ("no_data" if r["reason"] in NO_DATA_REASONS
                                         else "suppressed")
        else:
            row["scales"][r["scale"]] = r["mean"]
            row["states"][r["scale"]] = "published"
            row["responses"] = max(row["responses"] or 0, r["responses"] or 0)
    for row in rows.values():
        states = set(row["states"].values())
        row["status"] = ("published" if "published" in states
                         else "suppressed" if "suppressed" in states else "no_data")
    return list(rows.values())


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text cells (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return out.getvalue()
