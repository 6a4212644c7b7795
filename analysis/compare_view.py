"""Choosing which rows of a force-wide comparison a page shows: drill down into one unit's
subtree, search by name, top or bottom N on the sort key, pages of a fixed size.

At team level the force has thousands of units; one page of all of them helps nobody. This
only selects and orders rows of the gated comparison (``analysis.reports.compare``); it never
computes a figure. The heatmap draws the same selection, capped at what fits one screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from analysis.overview import sort_rows

PAGE_SIZE = 50
HEATMAP_MAX = 30
"""The heatmap draws at most this many units (about one screen); the rest are in the table."""
TOP_N = (10, 25)


@dataclass(frozen=True)
class Choice:
    """What the viewer asked for; every field comes from a query parameter and is checked."""

    within: str | None = None
    query: str = ""
    sort: str | None = None
    desc: bool = False
    show: str = "all"  # "all", "top" or "bottom"
    n: int = TOP_N[0]
    page: int = 1


@dataclass(frozen=True)
class View:
    rows: list[dict[str, Any]]
    total: int
    matching: int
    page: int
    pages: int
    heatmap_codes: list[str]


def select(rows: Sequence[dict[str, Any]], choice: Choice,
           is_within: Callable[[str, str], bool]) -> View:
    """Filter, order and page the comparison table's rows (``compare_table`` rows)."""
    picked = [r for r in rows
              if (not choice.within or is_within(r["code"], choice.within))
              and (not choice.query or choice.query.casefold() in r["name"].casefold())]
    matching = len(picked)
    if choice.show in ("top", "bottom") and choice.sort not in (None, "name"):
        ranked = [r for r in sort_rows(picked, choice.sort, True) if _value(r, choice.sort)]
        ranked = ranked[:choice.n] if choice.show == "top" else ranked[::-1][:choice.n]
        picked = ranked
    else:
        picked = sort_rows(picked, choice.sort, choice.desc)
    pages = max(1, -(-len(picked) // PAGE_SIZE))
    page = min(max(choice.page, 1), pages)
    shown = picked[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    codes = [r["code"] for r in shown][:HEATMAP_MAX]
    return View(rows=shown, total=len(rows), matching=matching, page=page, pages=pages,
                heatmap_codes=codes)


def _value(row: dict[str, Any], key: str) -> bool:
    """Whether a row has a shown value for ``key`` (hidden values never rank)."""
    if key == "responses":
        return row.get("responses") is not None
    return row["scales"].get(key) is not None


def restrict(comparison: dict[str, Any], codes: Sequence[str]) -> dict[str, Any]:
    """The comparison limited to ``codes``, in that order (for the heatmap of one view)."""
    order = {code: i for i, code in enumerate(codes)}
    rows = sorted((r for r in comparison["rows"] if r["unit"] in order),
                  key=lambda r: order[r["unit"]])
    return {**comparison, "rows": rows}
