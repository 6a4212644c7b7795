"""The comparison at force scale (issue 15, item 4): drill down, search, top and bottom N,
pages, and a heatmap that only draws what fits a screen, coloured over the range that occurs."""

from __future__ import annotations

from typing import Any

from analysis.charts import HeatCell, heatmap, to_spec, to_svg
from analysis.compare_view import HEATMAP_MAX, PAGE_SIZE, Choice, select


def rows(count: int) -> list[dict[str, Any]]:
    """``count`` teams in two districts; every seventh one hidden."""
    return [{"code": f"T{i:04d}", "name": f"Team {'Noord' if i % 2 else 'Zuid'} {i}",
             "level": "team", "responses": None if i % 7 == 0 else 10 + i % 5,
             "scales": {} if i % 7 == 0 else {"ps": 40 + i % 50},
             "states": {}, "status": "published"} for i in range(count)]


def within(code: str, root: str) -> bool:
    return root == "D-ODD" and int(code[1:]) % 2 == 1


def test_a_force_sized_table_comes_in_pages_and_the_heatmap_only_draws_what_fits() -> None:
    view = select(rows(4268), Choice(), within)
    assert view.total == view.matching == 4268
    assert view.pages == -(-4268 // PAGE_SIZE) and len(view.rows) == PAGE_SIZE
    assert len(view.heatmap_codes) == HEATMAP_MAX
    last = select(rows(4268), Choice(page=10_000), within)
    assert last.page == view.pages and len(last.rows) == 4268 - PAGE_SIZE * (view.pages - 1)


def test_search_and_drill_down_narrow_the_rows() -> None:
    view = select(rows(300), Choice(query="noord 1"), within)
    assert view.rows and all("Noord 1" in r["name"] for r in view.rows)
    drilled = select(rows(300), Choice(within="D-ODD"), within)
    assert drilled.matching == 150 and all(int(r["code"][1:]) % 2 for r in drilled.rows)


def test_top_and_bottom_n_rank_on_the_sort_column_and_skip_hidden_units() -> None:
    top = select(rows(300), Choice(sort="ps", show="top", n=10), within)
    scores = [r["scales"]["ps"] for r in top.rows]
    shown = [r["scales"]["ps"] for r in rows(300) if r["scales"]]
    assert len(scores) == 10 and scores == sorted(scores, reverse=True)
    assert scores == sorted(shown, reverse=True)[:10]
    bottom = select(rows(300), Choice(sort="ps", show="bottom", n=25), within)
    low = [r["scales"]["ps"] for r in bottom.rows]
    assert len(low) == 25 and low == sorted(shown)[:25]
    assert all(r["scales"] for r in top.rows + bottom.rows)


def test_the_heatmap_colours_span_the_range_that_occurs_and_the_legend_says_so() -> None:
    cells = [HeatCell("Team A", "Veiligheid", 62.0, "shown"),
             HeatCell("Team B", "Veiligheid", 71.4, "shown"),
             HeatCell("Team C", "Veiligheid", None, "suppressed")]
    spec = to_spec(heatmap(cells))
    color = spec["layer"][0]["encoding"]["color"]
    assert color["scale"]["domain"] == [62, 72]
    title = " ".join(color["title"])
    assert "62–72" in title and "bereik dat voorkomt" in title
    assert "colours span 62–72" in to_svg(heatmap(cells, lang="en"))
