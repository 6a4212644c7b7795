"""Exports and chart adapters show exactly the gated figures: hidden stays hidden everywhere."""

from __future__ import annotations

from typing import Any

from analysis import charts
from analysis.figures import (
    compare_table,
    heatmap_chart,
    strongest_weakest,
    trend_chart,
    trend_table,
)
from analysis.trends import short_label

COMPARISON: dict[str, Any] = {
    "level": "team",
    "rows": [
        {"unit": "T-A", "unit_name": "=HYPERLINK(\"x\")", "scale": "ps", "scale_name": "Safety",
         "suppressed": False, "reason": None, "responses": 12, "mean": 71, "favourable": 80},
        {"unit": "T-A", "unit_name": "=HYPERLINK(\"x\")", "scale": "wl", "scale_name": "Load",
         "suppressed": True, "reason": "too_few", "responses": None, "mean": None,
         "favourable": None},
        {"unit": "T-B", "unit_name": "Team B", "scale": "ps", "scale_name": "Safety",
         "suppressed": True, "reason": "complementary", "responses": None, "mean": None,
         "favourable": None},
        {"unit": "T-B", "unit_name": "Team B", "scale": "wl", "scale_name": "Load",
         "suppressed": True, "reason": "no_answers", "responses": None, "mean": None,
         "favourable": None},
    ],
}

TREND: dict[str, Any] = {
    "rounds": [{"id": 1, "name": "R1", "label": "R1", "order": 1},
               {"id": 2, "name": "R2", "label": "R2", "order": 2}],
    "points": [
        {"series": "ps", "series_name": "Safety", "round_id": 1, "round_name": "R1",
         "round_label": "R1", "order": 1, "score": 60, "reason": None},
        {"series": "ps", "series_name": "Safety", "round_id": 2, "round_name": "R2",
         "round_label": "R2", "order": 2, "score": None, "reason": "too_few"},
    ],
}


def test_the_heatmap_marks_suppressed_and_empty_cells_apart_and_validates() -> None:
    chart = heatmap_chart(COMPARISON, "en")
    spec = charts.to_spec(chart)
    svg = charts.to_svg(chart)
    assert "too few answers" in svg and "no data" in svg
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


def test_the_comparison_table_names_each_cells_state() -> None:
    table = {row["code"]: row for row in compare_table(COMPARISON)}
    assert table["T-A"]["states"] == {"ps": "published", "wl": "suppressed"}
    assert table["T-A"]["status"] == "published" and table["T-A"]["responses"] == 12
    assert table["T-B"]["states"] == {"ps": "suppressed", "wl": "no_data"}
    assert table["T-B"]["responses"] is None and table["T-B"]["scales"] == {}


def test_a_trend_with_a_hidden_round_is_valid_vega_lite_with_a_gap() -> None:
    spec = charts.to_spec(trend_chart(TREND, "nl"))
    assert spec["facet"]
    assert trend_table(TREND) == [{"series": "ps", "name": "Safety",
                                   "scores": {1: 60, 2: None}}]


def report(items: list[tuple[str, int | None]]) -> dict[str, Any]:
    return {"unit": {"code": "T", "name": "Team"}, "round": {"id": 3}, "released": True,
            "suppressed": False, "reason": None, "responses": 14,
            "scales": [{"id": "ps", "name": "Safety", "n": 14, "favourable": 70, "score": 66,
                        "suppressed": False, "reason": None}],
            "items": [{"id": i, "text": f"Statement {i}", "n": 14 if f is not None else None,
                       "mean": 3.9 if f is not None else None, "favourable": f,
                       "suppressed": f is None, "reason": None if f is not None else "too_few"}
                      for i, f in items],
            "benchmarks": [{"code": "B", "name": "Basisteam", "scales": {}}]}


def test_strongest_and_weakest_statements_never_overlap_and_skip_hidden_ones() -> None:
    result = strongest_weakest(report([("a", 90), ("b", 40), ("c", None), ("d", 70),
                                       ("e", 60)]))
    assert [i["id"] for i in result["strongest"]] == ["a", "d"]
    assert [i["id"] for i in result["weakest"]] == ["b", "e"]
    assert strongest_weakest(report([("a", 90), ("c", None)])) == {"strongest": [],
                                                                     "weakest": []}


def test_round_labels_drop_the_instrument_name() -> None:
    assert short_label("Sentimeter oktober 2026", {"Sentimeter"}) == "oktober 2026"
    assert short_label("Team Thermometer Q3", {"Team Thermometer"}) == "Q3"
    assert short_label("Sentimeter", {"Sentimeter"}) == "Sentimeter"
