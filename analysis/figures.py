"""Charts, starters and CSV rows made from a gated report (never from raw data)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from analysis import charts
from analysis.starters import ScaleResult, Starter, choose_starters

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def item_bars_for(report: dict[str, Any]) -> list[charts.ItemBar]:
    bars = []
    for item in report["items"]:
        if item["suppressed"]:
            bars.append(charts.ItemBar(label=item["text"], distribution=None,
                                       favourable_share=None, suppressed=True))
            continue
        share = item["favourable"] / 100 if item["favourable"] is not None else None
        bars.append(charts.ItemBar(label=item["text"], distribution=item["categories"],
                                   favourable_share=share, suppressed=False))
    return bars


def items_chart(report: dict[str, Any], lang: str) -> Any:
    return charts.item_bars(item_bars_for(report), lang=lang)


def items_summary(report: dict[str, Any], lang: str) -> str:
    return charts.summary_item_bars(item_bars_for(report), lang=lang)


def starters_for(report: dict[str, Any], lang: str) -> list[Starter]:
    results = [ScaleResult(scale=s["id"], name=s["name"], score=s["score"], change=s["change"])
               for s in report["scales"]]
    return choose_starters(results, lang, seed=int(report["round"]["id"] or 0))


def heat_cells(comparison: dict[str, Any]) -> list[charts.HeatCell]:
    cells = []
    for row in comparison["rows"]:
        if row["suppressed"]:
            state = "no_data" if row["reason"] in ("no_responses", "no_answers") else "suppressed"
            cells.append(charts.HeatCell(unit=row["unit_name"], scale=row["scale_name"],
                                         score=None, state=state))  # type: ignore[arg-type]
        else:
            cells.append(charts.HeatCell(unit=row["unit_name"], scale=row["scale_name"],
                                         score=row["score"], state="shown"))
    return cells


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


def report_csv(report: dict[str, Any]) -> str:
    """Exactly what the unit page shows: suppressed cells empty, with a reason."""
    header = ["unit", "round", "kind", "id", "text", "responses", "mean", "favourable_pct",
              "score", "suppressed", "reason"]
    unit, round_id = report["unit"]["code"], report["round"]["id"]
    rows: list[list[Any]] = []
    if report["suppressed"]:
        rows.append([unit, round_id, "unit", unit, report["unit"]["name"], None, None, None,
                     None, True, report["reason"]])
        return to_csv(header, rows)
    rows.append([unit, round_id, "unit", unit, report["unit"]["name"], report["responses"],
                 None, None, None, False, None])
    for s in report["scales"]:
        rows.append([unit, round_id, "scale", s["id"], s["name"], s["n"], None, s["favourable"],
                     s["score"], s["suppressed"], s["reason"]])
    for i in report["items"]:
        rows.append([unit, round_id, "item", i["id"], i["text"], i["n"], i["mean"],
                     i["favourable"], None, i["suppressed"], i["reason"]])
    return to_csv(header, rows)


def compare_csv(comparison: dict[str, Any]) -> str:
    header = ["unit", "unit_name", "scale", "responses", "score", "favourable_pct",
              "suppressed", "reason"]
    rows = [[r["unit"], r["unit_name"], r["scale"], r["responses"], r["score"], r["favourable"],
             r["suppressed"], r["reason"]] for r in comparison["rows"]]
    return to_csv(header, rows)
