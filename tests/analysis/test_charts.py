"""Charts draw only gated figures, show suppression as suppression, and render server-side."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.charts import (
    HeatCell,
    ItemBar,
    TrendPoint,
    heatmap,
    item_bars,
    summary_heatmap,
    summary_item_bars,
    summary_trend,
    to_png,
    to_spec,
    to_svg,
    trend_multiples,
)

SAFE = ItemBar(
    "Ik voel me veilig", {"unfavourable": 2, "neutral": 4, "favourable": 14}, None, False
)
COARSE = ItemBar("Werkdruk is te doen", None, 0.6, False)
HIDDEN = ItemBar("Ik hoor erbij", {"unfavourable": 1, "neutral": 1, "favourable": 2}, None, True)
LOW = ItemBar("Samenwerking", {"unfavourable": 6, "neutral": 7, "favourable": 7}, None, False)
ITEMS = [SAFE, COARSE, HIDDEN, LOW]

POINTS = [
    TrendPoint("Veiligheid", "2025-Q1", 1, 61.5),
    TrendPoint("Veiligheid", "2025-Q2", 2, None),
    TrendPoint("Veiligheid", "2025-Q3", 3, 70.0),
    TrendPoint("Werkdruk", "2025-Q1", 1, 40.0),
    TrendPoint("Werkdruk", "2025-Q2", 2, 45.0),
    TrendPoint("Werkdruk", "2025-Q3", 3, 52.0),
]

CELLS = [
    HeatCell("Team A", "Veiligheid", 82.0, "shown"),
    HeatCell("Team A", "Werkdruk", 35.0, "shown"),
    HeatCell("Team B", "Veiligheid", 77.7, "suppressed"),  # a stray score must not leak
    HeatCell("Team B", "Werkdruk", None, "no_data"),
]


def data_rows(spec: Any) -> list[dict[str, Any]]:
    """Every inline data row anywhere in a Vega-Lite spec (layers, facets, datasets)."""
    rows: list[dict[str, Any]] = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "data" and isinstance(value, dict):
                rows.extend(value.get("values", []))
            elif key == "datasets":
                for values in value.values():
                    rows.extend(values)
            else:
                rows.extend(data_rows(value))
    elif isinstance(spec, list):
        for value in spec:
            rows.extend(data_rows(value))
    return rows


def numbers_in(row: dict[str, Any]) -> list[Any]:
    return [v for v in row.values() if isinstance(v, int | float) and not isinstance(v, bool)]


def segments(spec: dict[str, Any], label: str) -> dict[str, tuple[float, float]]:
    return {
        r["category"]: (r["x"], r["x2"])
        for r in data_rows(spec)
        if r.get("label") == label and "x2" in r
    }


# --- item bars ---------------------------------------------------------------------------


def test_item_bars_render_to_svg_with_the_statements_and_to_png() -> None:
    chart = item_bars(ITEMS, title="Teamklimaat")
    svg = to_svg(chart)
    assert svg.startswith("<svg")
    for label in ("Ik voel me veilig", "Werkdruk is te doen", "Ik hoor erbij", "Samenwerking"):
        assert label in svg
    assert "te weinig antwoorden" in svg
    assert to_png(chart, scale=1.0).startswith(b"\x89PNG\r\n\x1a\n")


def test_item_bars_spec_validates_against_vega_lite() -> None:
    chart = item_bars(ITEMS, lang="en")
    chart.to_dict(validate=True)
    assert to_spec(chart)["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")


def test_a_suppressed_item_contributes_no_number_to_the_spec() -> None:
    rows = [r for r in data_rows(to_spec(item_bars(ITEMS))) if r["label"] == HIDDEN.label]
    assert rows == [{"label": HIDDEN.label, "text": "te weinig antwoorden"}]
    only_hidden = data_rows(to_spec(item_bars([HIDDEN])))
    assert all(numbers_in(r) == [] for r in only_hidden)


def test_it_diverges_unfavourable_left_neutral_across_zero_favourable_right() -> None:
    seg = segments(to_spec(item_bars([SAFE], lang="en")), SAFE.label)
    assert seg["Unfavourable"] == (-20.0, -10.0)  # 10%, left of the neutral half
    assert seg["Neutral"] == (-10.0, 10.0)  # 20% straddling zero, half each side
    assert seg["Favourable"] == (10.0, 80.0)  # 70%


def test_coarse_items_get_one_lighter_favourable_bar_with_a_note() -> None:
    spec = to_spec(item_bars([COARSE]))
    bars = [r for r in data_rows(spec) if "x2" in r]
    assert bars == [
        {
            "label": COARSE.label,
            "full": COARSE.label,
            "category": "Gunstig",
            "x": 0,
            "x2": 60.0,
            "pct": 60,
            "note": "Kleine groep: alleen het afgeronde aandeel gunstig wordt getoond.",
        }
    ]
    assert any(r.get("text") == "≈60%" for r in data_rows(spec))


def test_legend_and_suppression_text_follow_the_language() -> None:
    nl = to_spec(item_bars(ITEMS))
    en = to_spec(item_bars(ITEMS, lang="en"))
    nl_scale = nl["layer"][0]["encoding"]["color"]["scale"]["domain"]
    en_scale = en["layer"][0]["encoding"]["color"]["scale"]["domain"]
    assert nl_scale == ["Ongunstig", "Neutraal", "Gunstig"]
    assert en_scale == ["Unfavourable", "Neutral", "Favourable"]
    assert {"label": HIDDEN.label, "text": "too few answers"} in data_rows(en)


def test_it_refuses_an_unsuppressed_item_without_figures() -> None:
    with pytest.raises(ValueError, match="no figures"):
        item_bars([ItemBar("Leeg", None, None, False)])


def test_it_refuses_an_unknown_language() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        item_bars(ITEMS, lang="de")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=500), min_size=3, max_size=3))
def test_segments_are_contiguous_and_cover_all_answers(counts: list[int]) -> None:
    if sum(counts) == 0:
        counts[2] = 1
    dist = dict(zip(("unfavourable", "neutral", "favourable"), counts, strict=True))
    chart = item_bars([ItemBar("S", dist, None, False)], lang="en")
    seg = segments(chart.to_dict(validate=False), "S")
    spans = [seg[k] for k in ("Unfavourable", "Neutral", "Favourable") if k in seg]
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end == pytest.approx(start, abs=0.02)
    assert spans[-1][1] - spans[0][0] == pytest.approx(100.0, abs=0.05)
    left_of_zero = seg.get("Unfavourable", (0.0, 0.0))[1]
    assert left_of_zero <= 0.0


# --- trend small multiples -----------------------------------------------------------------


def test_an_unpublished_round_is_a_gap_not_a_number() -> None:
    chart = trend_multiples(POINTS)
    spec = chart.to_dict(validate=True)
    gap = [r for r in data_rows(spec) if r["round"] == "2025-Q2" and r["series"] == "Veiligheid"]
    assert gap == [{"series": "Veiligheid", "round": "2025-Q2", "order": 2, "score": None}]
    line = spec["spec"]["layer"][0]["mark"]
    assert line["invalid"] == "break-paths-filter-domains"  # no bridging across the gap
    assert spec["spec"]["layer"][0]["encoding"]["y"]["scale"]["domain"] == [0, 100]


def test_trend_renders_one_panel_per_series_in_round_order() -> None:
    shuffled = list(reversed(POINTS))
    svg = to_svg(trend_multiples(shuffled, lang="en"))
    assert svg.startswith("<svg")
    assert "Veiligheid" in svg and "Werkdruk" in svg
    assert "A gap means that round is not shown." in svg
    x = to_spec(trend_multiples(shuffled))["spec"]["layer"][0]["encoding"]["x"]
    assert x["sort"] == ["2025-Q1", "2025-Q2", "2025-Q3"]


# --- heatmap -------------------------------------------------------------------------------


def test_heatmap_tells_suppressed_from_no_data_and_leaks_no_hidden_score() -> None:
    spec = to_spec(heatmap(CELLS, lang="en"))
    rows = {(r["unit"], r["scale"]): r for r in data_rows(spec) if "state" in r}
    suppressed, empty = rows[("Team B", "Veiligheid")], rows[("Team B", "Werkdruk")]
    assert (suppressed["state"], suppressed["text"]) == ("too few answers", "*")
    assert (empty["state"], empty["text"]) == ("no data", "–")
    assert all(numbers_in(r) == [] for r in data_rows(spec) if r["unit"] == "Team B"), (
        "hidden cells must carry no number"
    )
    fill = spec["layer"][1]["encoding"]["fill"]
    assert fill["scale"]["domain"] == ["too few answers", "no data"]
    colours = fill["scale"]["range"]
    assert colours[1] == "#ffffff" and colours[0] != colours[1]
    assert "legend" in fill and fill["legend"] is not None


def test_heatmap_is_diverging_around_fifty_and_renders() -> None:
    chart = heatmap(CELLS)
    spec = chart.to_dict(validate=True)
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domainMid"] == 50 and scale["scheme"] == "blueorange"
    svg = to_svg(chart)
    assert svg.startswith("<svg") and "te weinig antwoorden" in svg and "geen gegevens" in svg


def test_a_shown_cell_without_score_is_refused() -> None:
    with pytest.raises(ValueError, match="no score"):
        heatmap([HeatCell("Team A", "Werkdruk", None, "shown")])


# --- summaries -------------------------------------------------------------------------------


def test_item_summary_names_highest_lowest_and_hidden_in_both_languages() -> None:
    assert summary_item_bars(ITEMS, "nl") == (
        "Van 4 stellingen scoort 'Ik voel me veilig' het gunstigst (70% gunstig) en "
        "'Samenwerking' het minst gunstig (35% gunstig); 1 stelling wordt niet getoond omdat te "
        "weinig mensen die beantwoordden."
    )
    assert summary_item_bars(ITEMS, "en") == (
        "Of 4 statements, 'Ik voel me veilig' is the most favourable (70% favourable) and "
        "'Samenwerking' the least favourable (35% favourable); 1 statement is not shown "
        "because too few "
        "people answered it."
    )


def test_item_summary_when_everything_is_suppressed() -> None:
    assert summary_item_bars([HIDDEN, HIDDEN], "nl") == (
        "Geen van de 2 stellingen wordt getoond omdat te weinig mensen ze beantwoordden."
    )
    assert summary_item_bars([], "en") == "There are no statements."


def test_trend_summary_in_both_languages() -> None:
    assert summary_trend(POINTS, "nl") == (
        "Verloop over 3 rondes (score 0–100, hoger is gunstiger): Veiligheid van 61,5 naar 70, "
        "Werkdruk van 40 naar 52; "
        "1 waarde wordt niet getoond."
    )
    assert summary_trend(POINTS, "en") == (
        "Trend over 3 rounds (score 0–100, higher is more favourable): Veiligheid from 61.5 to "
        "70, Werkdruk from 40 to 52; "
        "1 value is not shown."
    )


def test_heatmap_summary_in_both_languages() -> None:
    assert summary_heatmap(CELLS, "nl") == (
        "De vergelijking toont 2 eenheden op 2 schalen; de hoogste score is 82 (Team A, "
        "Veiligheid), de laagste 35 (Team A, Werkdruk); 1 vak wordt niet getoond omdat te "
        "weinig mensen antwoordden; 1 vak heeft geen gegevens."
    )
    assert summary_heatmap(CELLS, "en").startswith("The comparison shows 2 units on 2 scales")
    assert "1 cell is not shown because too few people answered; 1 cell has no data." in (
        summary_heatmap(CELLS, "en")
    )
