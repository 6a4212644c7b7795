"""Server-side charts: Altair specs rendered to SVG/PNG by vl-convert.

Charts only ever receive figures that already passed the privacy gate. A suppressed
figure arrives as ``None`` (or ``suppressed=True``) and is drawn as suppressed, never as
0, and never travels into the spec as a number. Rendering happens on the server so that
phones need no chart JavaScript; every chart has a one-sentence text summary for screen
readers.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import altair as alt
import vl_convert as vlc

AnyChart: TypeAlias = alt.Chart | alt.LayerChart | alt.FacetChart
Lang = Literal["nl", "en"]

# Colour-blind-safe diverging ends (orange = unfavourable, blue = favourable), neutral grey.
UNFAVOURABLE_COLOUR = "#e08214"
NEUTRAL_COLOUR = "#d9d9d9"
FAVOURABLE_COLOUR = "#2c7bb6"
SUPPRESSED_COLOUR = "#8c8c8c"
MUTED_TEXT = "#595959"
LABEL_WIDTH = 150
"""Width of the statements' column on a phone-sized chart; wider charts get a wider one."""
MIN_FONT = 12
"""No chart text is smaller than this (px)."""
CHAR_WIDTH = 6.5
"""Average width of a 12 px character, used to wrap statements to their column."""
LINE_HEIGHT = 15

TEXT: dict[Lang, dict[str, str]] = {
    "nl": {
        "unfavourable": "Ongunstig",
        "neutral": "Neutraal",
        "favourable": "Gunstig",
        "too_few": "te weinig antwoorden",
        "coarse_note": "Kleine groep: alleen het afgeronde aandeel gunstig wordt getoond.",
        "coarse_subtitle": "≈ kleine groep: alleen het afgeronde aandeel gunstig",
        "direction": "Gunstig: het antwoord dat op een goed teamklimaat wijst "
        "(bij een negatief gestelde stelling is dat oneens).",
        "favourable_is": "gunstig",
        "favourable_answer": "Gunstig antwoord",
        "percent_axis": "% van de antwoorden",
        "statement": "Stelling",
        "answer": "Antwoord",
        "round": "Ronde",
        "score": "Score (0–100, hoger is gunstiger)",
        "heat_score": "Score (hoger is gunstiger)",
        "heat_range": "Score (hoger is gunstiger); kleuren over {low}–{high}, "
        "het bereik dat voorkomt",
        "series": "Reeks",
        "gap_subtitle": "Een onderbreking betekent dat die ronde niet wordt getoond.",
        "unit": "Eenheid",
        "scale": "Schaal",
        "state": "Niet getoond",
        "no_data": "geen gegevens",
        "note": "Toelichting",
    },
    "en": {
        "unfavourable": "Unfavourable",
        "neutral": "Neutral",
        "favourable": "Favourable",
        "too_few": "too few answers",
        "coarse_note": "Small group: only the rounded favourable share is shown.",
        "coarse_subtitle": "≈ small group: only the rounded favourable share",
        "direction": "Favourable: the answer that points to a good team climate "
        "(for a negatively worded statement that is disagree).",
        "favourable_is": "favourable",
        "favourable_answer": "Favourable answer",
        "percent_axis": "% of answers",
        "statement": "Statement",
        "answer": "Answer",
        "round": "Round",
        "score": "Score (0–100, higher is more favourable)",
        "heat_score": "Score (higher is more favourable)",
        "heat_range": "Score (higher is more favourable); colours span {low}–{high}, "
        "the range that occurs",
        "series": "Series",
        "gap_subtitle": "A gap means that round is not shown.",
        "unit": "Unit",
        "scale": "Scale",
        "state": "Not shown",
        "no_data": "no data",
        "note": "Note",
    },
}
FORMAT_LOCALE: dict[Lang, Literal["nl-NL", "en-GB"]] = {"nl": "nl-NL", "en": "en-GB"}


@dataclass(frozen=True)
class ItemBar:
    """One statement's gated figures; ``distribution`` is None when only coarse ones exist."""

    label: str
    distribution: dict[str, int] | None
    favourable_share: float | None
    suppressed: bool
    favourable_answers: str = ""
    """Which answers count as favourable ("oneens", "7–10"): said in the summary."""
    reversed: bool = False
    """True for a negatively worded statement: its row says that disagreeing is favourable."""


@dataclass(frozen=True)
class TrendPoint:
    """One published (or, with ``score`` None, unpublished) value of a series in a round."""

    series: str
    round_label: str
    order: int
    score: float | None


@dataclass(frozen=True)
class HeatCell:
    """One unit x scale cell of a comparison heatmap."""

    unit: str
    scale: str
    score: float | None
    state: Literal["shown", "suppressed", "no_data"]


# --- shared helpers ---------------------------------------------------------------------


def _lang(lang: str) -> Lang:
    """Accept "nl", "en" and region variants ("en-GB"); refuse the rest loudly."""
    primary = lang.split("-")[0].split("_")[0].lower()
    if primary == "nl":
        return "nl"
    if primary == "en":
        return "en"
    raise ValueError(f"unsupported language: {lang!r}")


MAX_LINES = 3
"""A statement beside its bar takes at most this many lines (the table below has it whole)."""


def _wrap(label: str, width: int = 24, max_lines: int = MAX_LINES) -> str:
    """Break long statements into lines so they fit beside the bars; cut off with an ellipsis
    after ``max_lines`` so that one long statement does not make every row tall."""
    lines = textwrap.wrap(label, width, max_lines=max_lines, placeholder=" …")
    return "\n".join(lines) or label


def _row_label(item: ItemBar, t: dict[str, str]) -> str:
    """The statement beside its bar; a reversed one says which answer is favourable."""
    if item.reversed and item.favourable_answers:
        return f"{item.label} ({t['favourable_is']}: {item.favourable_answers})"
    return item.label


def _pct(value: float) -> str:
    """Whole percent (no decimals: gated figures are coarse; same notation in nl and en)."""
    return f"{round(value):d}%"


def _score_text(score: float, lang: Lang) -> str:
    """Score with at most one decimal, decimal comma in Dutch."""
    text = f"{score:.1f}".removesuffix(".0")
    return text.replace(".", ",") if lang == "nl" else text


def _with_meta(chart: AnyChart, lang: Lang) -> AnyChart:
    """Record the language (for the number locale) and lift every text to at least 12 px:
    Vega-Lite's defaults (10-11 px) are too small to read on a screen or on paper."""
    configured: AnyChart = (
        chart.configure_axis(labelFontSize=MIN_FONT, titleFontSize=MIN_FONT)
        .configure_legend(labelFontSize=MIN_FONT, titleFontSize=MIN_FONT)
        .configure_header(labelFontSize=MIN_FONT, titleFontSize=MIN_FONT)
        .configure_title(fontSize=MIN_FONT + 2, subtitleFontSize=MIN_FONT)
        .configure_text(fontSize=MIN_FONT)
        .properties(usermeta={"sentimeter": {"lang": lang}})
    )
    return configured


# --- item bars --------------------------------------------------------------------------


def _favourable_pct(item: ItemBar) -> tuple[float, bool] | None:
    """Percent favourable and whether it is coarse; None for suppressed items."""
    if item.suppressed:
        return None
    if item.distribution is not None:
        total = sum(item.distribution.values())
        if total <= 0:
            raise ValueError(f"item {item.label!r} has an empty distribution")
        return 100.0 * item.distribution.get("favourable", 0) / total, False
    if item.favourable_share is None:
        raise ValueError(f"item {item.label!r} has no figures and is not suppressed")
    return 100.0 * item.favourable_share, True


def _segments(item: ItemBar, t: dict[str, str], chars: int = 24) -> list[dict[str, Any]]:
    """Diverging segments: unfavourable left of 0, neutral straddling 0, favourable right."""
    assert item.distribution is not None
    total = sum(item.distribution.values())
    unf, neu, fav = (
        100.0 * item.distribution.get(k, 0) / total
        for k in ("unfavourable", "neutral", "favourable")
    )
    spans = (
        ("unfavourable", -neu / 2 - unf, -neu / 2, unf),
        ("neutral", -neu / 2, neu / 2, neu),
        ("favourable", neu / 2, neu / 2 + fav, fav),
    )
    return [
        {
            "label": _wrap(_row_label(item, t), chars),
            "full": _row_label(item, t),
            "category": t[key],
            "x": round(x, 2),
            "x2": round(x2, 2),
            "pct": round(pct),
        }
        for key, x, x2, pct in spans
        if pct > 0
    ]


def _item_rows(items: Sequence[ItemBar], lang: Lang,
               chars: int = 24) -> tuple[list[dict[str, Any]], ...]:
    """Split items into bar, coarse-bar, value-text and suppressed-text rows."""
    t = TEXT[lang]
    bars: list[dict[str, Any]] = []
    coarse: list[dict[str, Any]] = []
    values: list[dict[str, Any]] = []
    hidden: list[dict[str, Any]] = []
    for item in items:
        fav = _favourable_pct(item)
        label = _wrap(_row_label(item, t), chars)
        if fav is None:
            hidden.append({"label": label, "text": t["too_few"]})
            continue
        pct, is_coarse = fav
        if is_coarse:
            coarse.append(
                {
                    "label": label,
                    "full": _row_label(item, t),
                    "category": t["favourable"],
                    "x": 0,
                    "x2": round(pct, 2),
                    "pct": round(pct),
                    "note": t["coarse_note"],
                }
            )
            values.append({"label": label, "x": round(pct, 2), "text": "≈" + _pct(pct)})
        else:
            segs = _segments(item, t, chars)
            bars.extend(segs)
            end = max((s["x2"] for s in segs), default=0.0)
            values.append({"label": label, "x": max(end, 0.0), "text": _pct(pct)})
    return bars, coarse, values, hidden


def item_bars(
    items: Sequence[ItemBar], *, lang: str = "nl", title: str = "", width: int = 360
) -> AnyChart:
    """Diverging stacked bars per statement, in percent of respondents.

    ``width`` is the whole chart's width in pixels (labels included); the default fits a
    360 px phone. Suppressed statements keep their row with a grey note and no bar.
    """
    lg = _lang(lang)
    t = TEXT[lg]
    label_width = LABEL_WIDTH if width <= 400 else round(width * 0.5)
    chars = int(label_width / CHAR_WIDTH)
    bars, coarse, values, hidden = _item_rows(items, lg, chars)
    labels = list(dict.fromkeys(_wrap(_row_label(i, t), chars) for i in items))
    categories = [t["unfavourable"], t["neutral"], t["favourable"]]
    y = alt.Y(
        "label:N",
        title=None,
        sort=labels,
        scale=alt.Scale(domain=labels),
        axis=alt.Axis(
            labelExpr="split(datum.label, '\\n')",
            labelLimit=label_width,
            labelFontSize=MIN_FONT,
            labelLineHeight=LINE_HEIGHT,
            domain=False,
            ticks=False,
        ),
    )
    x = alt.X(
        "x:Q",
        title=t["percent_axis"],
        scale=alt.Scale(domain=[-100, 100]),
        axis=alt.Axis(values=[-100, -50, 0, 50, 100], labelExpr="abs(datum.value) + '%'"),
    )
    color = alt.Color(
        "category:N",
        title=t["answer"],
        sort=categories,
        scale=alt.Scale(
            domain=categories, range=[UNFAVOURABLE_COLOUR, NEUTRAL_COLOUR, FAVOURABLE_COLOUR]
        ),
        legend=alt.Legend(orient="top", direction="horizontal"),
    )
    tooltip = [
        alt.Tooltip("full:N", title=t["statement"]),
        alt.Tooltip("category:N", title=t["answer"]),
        alt.Tooltip("pct:Q", title="%", format=".0f"),
    ]
    layers: list[alt.Chart] = [
        alt.Chart(alt.InlineData(values=bars))
        .mark_bar()
        .encode(y=y, x=x, x2="x2:Q", color=color, tooltip=tooltip),
        alt.Chart(alt.InlineData(values=coarse))
        .mark_bar(opacity=0.5, stroke=FAVOURABLE_COLOUR, strokeDash=[3, 2])
        .encode(
            y=y,
            x=x,
            x2="x2:Q",
            color=color.legend(None),
            tooltip=[*tooltip, alt.Tooltip("note:N", title=t["note"])],
        ),
        alt.Chart(alt.InlineData(values=values))
        .mark_text(align="left", dx=3, fontSize=MIN_FONT)
        .encode(y=y, x=x, text="text:N"),
        alt.Chart(alt.InlineData(values=hidden))
        .mark_text(fontStyle="italic", color=MUTED_TEXT, fontSize=MIN_FONT)
        .encode(y=y, x=alt.datum(0), text="text:N"),
    ]
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    chart = alt.layer(*layers).properties(
        padding={"left": 24, "top": 5, "right": 5, "bottom": 5},
        width=max(width - label_width - 44, 120),
        height=alt.Step(max(30, LINE_HEIGHT * lines + 10)),
        title=alt.Title(
            title or _wrap(t["direction"], int(width / CHAR_WIDTH) - 4, 4).split("\n"),
            subtitle=t["coarse_subtitle"] if coarse else "",
            anchor="start",
            fontSize=MIN_FONT,
            fontWeight="normal",
            subtitleFontSize=MIN_FONT,
        ),
    )
    return _with_meta(chart, lg)


def summary_item_bars(items: Sequence[ItemBar], lang: str = "nl") -> str:
    """One sentence naming the highest and lowest statement and how many are hidden."""
    lg = _lang(lang)
    shown = [(i, *fav) for i in items if (fav := _favourable_pct(i)) is not None]
    n, hidden = len(items), len(items) - len(shown)
    if n == 0:
        return "Er zijn geen stellingen." if lg == "nl" else "There are no statements."
    word = TEXT[lg]["favourable_is"]

    def fig(item: ItemBar, pct: float, coarse: bool) -> str:
        approx = ("ongeveer " if lg == "nl" else "about ") if coarse else ""
        answers = f": {item.favourable_answers}" if item.favourable_answers else ""
        return f"{approx}{_pct(pct)} {word}{answers}"

    parts: list[str] = []
    if len(shown) == 1:
        item, pct, coarse = shown[0]
        parts.append(
            f"'{item.label}' scoort {fig(item, pct, coarse)}"
            if lg == "nl"
            else f"'{item.label}' scores {fig(item, pct, coarse)}"
        )
    elif shown:
        hi = max(shown, key=lambda s: s[1])
        lo = min(shown, key=lambda s: s[1])
        parts.append(
            f"Van {n} stellingen scoort '{hi[0].label}' het gunstigst ({fig(*hi)}) en "
            f"'{lo[0].label}' het minst gunstig ({fig(*lo)})"
            if lg == "nl"
            else f"Of {n} statements, '{hi[0].label}' is the most favourable ({fig(*hi)}) and "
            f"'{lo[0].label}' the least favourable ({fig(*lo)})"
        )
    if hidden:
        parts.append(_hidden_items_text(hidden, n, lg))
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def _hidden_items_text(hidden: int, total: int, lang: Lang) -> str:
    """Clause saying how many statements are not shown, singular/plural aware."""
    if lang == "nl":
        if hidden == total:
            return (
                f"geen van de {total} stellingen wordt getoond omdat te weinig mensen ze "
                "beantwoordden"
            )
        if hidden == 1:
            return "1 stelling wordt niet getoond omdat te weinig mensen die beantwoordden"
        return f"{hidden} stellingen worden niet getoond omdat te weinig mensen ze beantwoordden"
    if hidden == total:
        return f"none of the {total} statements is shown because too few people answered them"
    if hidden == 1:
        return "1 statement is not shown because too few people answered it"
    return f"{hidden} statements are not shown because too few people answered them"


# --- trend small multiples ---------------------------------------------------------------


def _round_order(points: Sequence[TrendPoint]) -> list[str]:
    """Round labels in round order, each once."""
    ordered = sorted(points, key=lambda p: p.order)
    return list(dict.fromkeys(p.round_label for p in ordered))


def trend_multiples(
    points: Sequence[TrendPoint], *, lang: str = "nl", columns: int = 2
) -> AnyChart:
    """One small line chart per series; an unpublished round breaks the line (no bridging)."""
    lg = _lang(lang)
    t = TEXT[lg]
    rows = [
        {
            "series": p.series,
            "round": p.round_label,
            "order": p.order,
            "score": None if p.score is None else float(p.score),
        }
        for p in points
    ]
    rounds = _round_order(points)
    series = list(dict.fromkeys(p.series for p in points))
    x = alt.X(
        "round:O",
        title=t["round"],
        sort=rounds,
        scale=alt.Scale(domain=rounds),
        axis=alt.Axis(labelAngle=0, labelLimit=90),
    )
    y = alt.Y(
        "score:Q",
        title=t["score"],
        scale=alt.Scale(domain=[0, 100], nice=False),
        axis=alt.Axis(values=[0, 50, 100]),
    )
    tooltip = [
        alt.Tooltip("series:N", title=t["series"]),
        alt.Tooltip("round:O", title=t["round"]),
        alt.Tooltip("score:Q", title="Score"),
    ]
    base = alt.Chart().encode(x=x, y=y, tooltip=tooltip)
    line = base.mark_line(invalid="break-paths-filter-domains", color=FAVOURABLE_COLOUR)
    dots = base.transform_filter("isValid(datum.score)").mark_point(
        filled=True, size=40, color=FAVOURABLE_COLOUR
    )
    chart = (
        alt.layer(line, dots, data=alt.InlineData(values=rows))
        .properties(width=140, height=100)
        .facet(
            facet=alt.Facet(
                "series:N",
                title=None,
                sort=series,
                header=alt.Header(labelFontSize=12, labelFontWeight="bold"),
            ),
            columns=columns,
        )
    )
    if any(p.score is None for p in points):
        chart = chart.properties(
            title=alt.Title(t["gap_subtitle"], anchor="start", fontSize=MIN_FONT,
                            fontWeight="normal")
        )
    return _with_meta(chart, lg)


def summary_trend(points: Sequence[TrendPoint], lang: str = "nl") -> str:
    """One sentence: per series the first and last shown score, plus how many are hidden."""
    lg = _lang(lang)
    if not points:
        return "Er zijn geen rondes." if lg == "nl" else "There are no rounds."
    parts = []
    for name in dict.fromkeys(p.series for p in points):
        shown = sorted(
            (p for p in points if p.series == name and p.score is not None), key=lambda p: p.order
        )
        parts.append(_series_text(name, shown, lg))
    rounds, hidden = len(_round_order(points)), sum(p.score is None for p in points)
    head = (
        f"Verloop over {rounds} {'ronde' if rounds == 1 else 'rondes'} "
        "(score 0–100, hoger is gunstiger): "
        if lg == "nl"
        else f"Trend over {rounds} {'round' if rounds == 1 else 'rounds'} "
        "(score 0–100, higher is more favourable): "
    )
    tail = ""
    if hidden:
        tail = (
            f"; {hidden} {'waarde wordt' if hidden == 1 else 'waarden worden'} niet getoond"
            if lg == "nl"
            else f"; {hidden} {'value is' if hidden == 1 else 'values are'} not shown"
        )
    return head + ", ".join(parts) + tail + "."


def _series_text(name: str, shown: Sequence[TrendPoint], lang: Lang) -> str:
    """Clause for one series: from first to last shown score."""
    if not shown:
        return f"{name} {'niet getoond' if lang == 'nl' else 'not shown'}"
    first, last = shown[0], shown[-1]
    assert first.score is not None and last.score is not None
    if first is last:
        return f"{name} {_score_text(first.score, lang)} in {first.round_label}"
    word = ("van", "naar") if lang == "nl" else ("from", "to")
    return (
        f"{name} {word[0]} {_score_text(first.score, lang)} "
        f"{word[1]} {_score_text(last.score, lang)}"
    )


# --- heatmap -------------------------------------------------------------------------------


def _cell_row(cell: HeatCell, t: dict[str, str]) -> dict[str, Any]:
    """A cell's data row; only shown cells carry a number."""
    if cell.state == "shown":
        if cell.score is None or math.isnan(cell.score):
            raise ValueError(f"shown cell {cell.unit!r}/{cell.scale!r} has no score")
        return {
            "unit": cell.unit,
            "scale": cell.scale,
            "score": float(cell.score),
            "text": f"{cell.score:.0f}",
        }
    state = t["too_few"] if cell.state == "suppressed" else t["no_data"]
    mark = "*" if cell.state == "suppressed" else "–"
    return {"unit": cell.unit, "scale": cell.scale, "state": state, "text": mark}


def heatmap(cells: Sequence[HeatCell], *, lang: str = "nl") -> AnyChart:
    """Units x scales on a diverging scale centred on 50; hidden cells are labelled apart."""
    lg = _lang(lang)
    t = TEXT[lg]
    rows = [_cell_row(c, t) for c in cells]
    shown = [r for r in rows if "score" in r]
    hidden = [r for r in rows if "score" not in r]
    units = list(dict.fromkeys(c.unit for c in cells))
    scales = list(dict.fromkeys(c.scale for c in cells))
    x = alt.X(
        "scale:N",
        title=None,
        sort=scales,
        scale=alt.Scale(domain=scales),
        axis=alt.Axis(orient="top", labelAngle=-40, labelLimit=180),
    )
    y = alt.Y(
        "unit:N",
        title=None,
        sort=units,
        scale=alt.Scale(domain=units),
        axis=alt.Axis(labelLimit=260),
    )
    states = [t["too_few"], t["no_data"]]
    scores = [float(r["score"]) for r in shown]
    low, high = (math.floor(min(scores)), math.ceil(max(scores))) if scores else (0, 100)
    if high - low < 10:  # a near-constant comparison still gets a readable spread
        low, high = max(0, low - 5), min(100, high + 5)
    middle = 50 if low < 50 < high else (low + high) / 2
    score_title = t["heat_range"].format(low=low, high=high).replace(", ", ",; ").split("; ")
    score_rect = (
        alt.Chart(alt.InlineData(values=shown))
        .mark_rect(stroke="white")
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "score:Q",
                title=score_title,
                scale=alt.Scale(scheme="blueorange", reverse=True, domain=[low, high],
                                domainMid=middle),
                legend=alt.Legend(orient="bottom", direction="horizontal", gradientLength=160,
                                  values=[low, high], titleLimit=260),
            ),
            tooltip=[
                alt.Tooltip("unit:N", title=t["unit"]),
                alt.Tooltip("scale:N", title=t["scale"]),
                alt.Tooltip("score:Q", title="Score"),
            ],
        )
    )
    state_rect = (
        alt.Chart(alt.InlineData(values=hidden))
        .mark_rect(stroke="#bdbdbd")
        .encode(
            x=x,
            y=y,
            fill=alt.Fill(
                "state:N",
                title=t["state"],
                sort=states,
                scale=alt.Scale(domain=states, range=[SUPPRESSED_COLOUR, "#ffffff"]),
                legend=alt.Legend(
                    orient="bottom",
                    direction="vertical",
                    labelLimit=300,
                    labelExpr=(
                        f"datum.label == '{states[0]}' ? '* ' + datum.label : '– ' + datum.label"
                    ),
                ),
            ),
            tooltip=[
                alt.Tooltip("unit:N", title=t["unit"]),
                alt.Tooltip("scale:N", title=t["scale"]),
                alt.Tooltip("state:N", title=t["state"]),
            ],
        )
    )
    labels = (
        alt.Chart(alt.InlineData(values=rows))
        .mark_text(fontSize=MIN_FONT)
        .encode(
            x=x,
            y=y,
            text="text:N",
            color=alt.condition(
                "isValid(datum.score) && abs(datum.score - 50) > 30",
                alt.value("white"),
                alt.value("black"),
            ),
        )
    )
    chart = (
        alt.layer(score_rect, state_rect, labels)
        .resolve_scale(color="independent")
        .properties(width=alt.Step(44), height=alt.Step(26),
                    padding={"left": 5, "top": 5, "right": 40, "bottom": 5})
    )
    return _with_meta(chart, lg)


def summary_heatmap(cells: Sequence[HeatCell], lang: str = "nl") -> str:
    """One sentence naming the highest and lowest cell and the hidden ones."""
    lg = _lang(lang)
    units = len(dict.fromkeys(c.unit for c in cells))
    scales = len(dict.fromkeys(c.scale for c in cells))
    shown = [c for c in cells if c.state == "shown" and c.score is not None]
    suppressed = sum(c.state == "suppressed" for c in cells)
    empty = sum(c.state == "no_data" for c in cells)
    if lg == "nl":
        text = f"De vergelijking toont {units} eenheden op {scales} schalen"
    else:
        text = f"The comparison shows {units} units on {scales} scales"
    if shown:
        hi = max(shown, key=lambda c: c.score or 0.0)
        lo = min(shown, key=lambda c: c.score or 0.0)
        assert hi.score is not None and lo.score is not None
        hi_s, lo_s = _score_text(hi.score, lg), _score_text(lo.score, lg)
        text += (
            f"; de hoogste score is {hi_s} ({hi.unit}, {hi.scale}), de laagste {lo_s} "
            f"({lo.unit}, {lo.scale})"
            if lg == "nl"
            else f"; the highest score is {hi_s} ({hi.unit}, {hi.scale}), the lowest {lo_s} "
            f"({lo.unit}, {lo.scale})"
        )
    clauses = _hidden_cells_text(suppressed, empty, lg)
    return text + "".join(f"; {c}" for c in clauses) + "."


def _hidden_cells_text(suppressed: int, empty: int, lang: Lang) -> list[str]:
    """Clauses for suppressed and empty cells, singular/plural aware."""
    clauses = []
    if lang == "nl":
        if suppressed:
            verb = "vak wordt" if suppressed == 1 else "vakken worden"
            clauses.append(f"{suppressed} {verb} niet getoond omdat te weinig mensen antwoordden")
        if empty:
            verb = "vak heeft" if empty == 1 else "vakken hebben"
            clauses.append(f"{empty} {verb} geen gegevens")
        return clauses
    if suppressed:
        verb = "cell is" if suppressed == 1 else "cells are"
        clauses.append(f"{suppressed} {verb} not shown because too few people answered")
    if empty:
        clauses.append(f"{empty} {'cell has' if empty == 1 else 'cells have'} no data")
    return clauses


# --- output ----------------------------------------------------------------------------------


def to_spec(chart: AnyChart) -> dict[str, Any]:
    """The validated Vega-Lite JSON of a chart (for interactive Vega on analyst pages)."""
    spec: dict[str, Any] = chart.to_dict(validate=True)
    return spec


def _render_options(spec: dict[str, Any]) -> dict[str, Any]:
    """Pinned Vega-Lite version, number locale from the chart's language, no network."""
    meta = spec.get("usermeta", {}).get("sentimeter", {})
    lang: Lang = "en" if meta.get("lang") == "en" else "nl"
    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    version = major_minor if major_minor in vlc.get_vegalite_versions() else None
    return {"vl_version": version, "allowed_base_urls": [], "format_locale": FORMAT_LOCALE[lang]}


def to_svg(chart: AnyChart) -> str:
    """Render on the server to SVG, so phones need no chart JavaScript."""
    spec = to_spec(chart)
    svg: str = vlc.vegalite_to_svg(spec, **_render_options(spec))
    return svg


def to_png(chart: AnyChart, *, scale: float = 2.0) -> bytes:
    """Render to PNG (reports, exports); ``scale`` 2 gives crisp images on dense screens."""
    spec = to_spec(chart)
    png: bytes = vlc.vegalite_to_png(spec, scale=scale, **_render_options(spec))
    return png
