"""Exports for Dutch users: CSV that opens cleanly in Dutch Excel, and a real spreadsheet.

Both are built from the gated report (``analysis.reports``), never from raw data: they hold
exactly the figures the page shows, with suppressed cells left empty and a reason beside them.
CSV: UTF-8 with a byte order mark (so Excel reads the accents), ``;`` and a decimal comma in
Dutch (Excel's Dutch locale splits on ``;``), ``,`` in English; headers and yes/no in the
reader's language. XLSX (XlsxWriter): the same figures as typed numbers, the distributions
shown on the page, and a sheet saying what was not shown and why.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter

from analysis.figures import safe_cell

BOM = "\ufeff"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

WORDS: dict[str, dict[str, str]] = {
    "nl": {"yes": "ja", "no": "nee", "unit": "eenheid", "scale": "schaal", "item": "stelling",
           "benchmark": "vergelijking", "trend": "verloop"},
    "en": {"yes": "yes", "no": "no", "unit": "unit", "scale": "scale", "item": "statement",
           "benchmark": "benchmark", "trend": "trend"},
}

REASONS: dict[str, dict[str, str]] = {
    "nl": {
        "too_few": "Te weinig antwoorden (minder dan {k}): niet te tonen zonder dat iemand "
                   "herkenbaar wordt.",
        "complementary": "Verborgen zodat het niet uit andere getoonde cijfers kan worden "
                         "afgeleid (aftrekken van de groep erboven).",
        "no_responses": "Niemand in deze groep antwoordde.",
        "no_answers": "Niemand beantwoordde deze vragen.",
        "not_in_round": "Deze groep hoorde niet bij deze ronde.",
        "not_released": "Nog niet vrijgegeven: uitkomsten verschijnen als de ronde sluit.",
        "other": "Niet getoond om de anonimiteit van de antwoorden te beschermen ({code}).",
    },
    "en": {
        "too_few": "Too few answers (fewer than {k}): cannot be shown without someone "
                   "becoming recognisable.",
        "complementary": "Hidden so that it cannot be worked out from other published figures "
                         "(by subtracting from the group above).",
        "no_responses": "Nobody in this group answered.",
        "no_answers": "Nobody answered these questions.",
        "not_in_round": "This group was not part of this round.",
        "not_released": "Not released yet: results appear when the round closes.",
        "other": "Not shown to protect the anonymity of the answers ({code}).",
    },
}


def _lang(lang: str) -> str:
    return "en" if lang.split("-")[0].lower() == "en" else "nl"


def reason_text(code: str | None, lang: str, k: int) -> str:
    """A reason code of the gate in the reader's words (unknown codes are still explained)."""
    texts = REASONS[_lang(lang)]
    template = texts.get(code or "too_few", texts["other"])
    return template.format(k=k, code=code)


# --- CSV ---------------------------------------------------------------------------------------


def _csv_value(value: Any, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return WORDS[lang]["yes" if value else "no"]
    if isinstance(value, float):
        text = f"{value:g}"
        return text.replace(".", ",") if lang == "nl" else text
    return str(safe_cell(value))


def locale_csv(header: Sequence[str], rows: Sequence[Sequence[Any]], lang: str) -> str:
    """CSV for the reader's locale: BOM, ``;`` and decimal comma in Dutch, formulas defused."""
    lg = _lang(lang)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if lg == "nl" else ",", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_value(v, lg) for v in row])
    return BOM + out.getvalue()


REPORT_HEADER = {
    "nl": ["eenheid", "ronde", "soort", "id", "tekst", "antwoorden", "gemiddelde",
           "aandeel_gunstig_pct", "score_0_100_hoger_is_gunstiger", "niet_getoond", "reden"],
    "en": ["unit", "round", "kind", "id", "text", "responses", "mean", "favourable_pct",
           "score_0_100_higher_is_favourable", "suppressed", "reason"],
}


def report_rows(report: dict[str, Any], trend: dict[str, Any] | None,
                lang: str) -> list[list[Any]]:
    """One row per figure of the unit page; hidden figures empty, with the reason in words."""
    lg, k = _lang(lang), report["round"]["k"]
    w = WORDS[lg]
    unit, round_id = report["unit"]["code"], report["round"]["id"]

    def why(hidden: bool, code: str | None) -> str | None:
        return reason_text(code, lg, k) if hidden else None

    if report["suppressed"] or not report["released"]:
        return [[unit, round_id, w["unit"], unit, report["unit"]["name"], None, None, None, None,
                 True, why(True, report["reason"])]]
    rows: list[list[Any]] = [[unit, round_id, w["unit"], unit, report["unit"]["name"],
                              report["responses"], None, None, None, False, None]]
    for s in report["scales"]:
        rows.append([unit, round_id, w["scale"], s["id"], s["name"], s["n"], None,
                     s["favourable"], s["score"], s["suppressed"], why(s["suppressed"],
                                                                       s["reason"])])
    for i in report["items"]:
        rows.append([unit, round_id, w["item"], i["id"], i["text"], i["n"], i["mean"],
                     i["favourable"], None, i["suppressed"], why(i["suppressed"], i["reason"])])
    for mark in report["benchmarks"]:
        for s in report["scales"]:
            score = mark["scales"].get(s["id"])
            rows.append([mark["code"], round_id, w["benchmark"], s["id"], mark["name"], None,
                         None, None, score, score is None, why(score is None, "too_few")])
    for p in (trend or {}).get("points", []):
        rows.append([unit, p["round_id"], w["trend"], p["series"], p["series_name"], None, None,
                     None, p["score"], p["score"] is None, why(p["score"] is None, p["reason"])])
    return rows


def report_csv(report: dict[str, Any], trend: dict[str, Any] | None, lang: str) -> str:
    """Exactly what the unit page shows, as CSV for the reader's locale."""
    return locale_csv(REPORT_HEADER[_lang(lang)], report_rows(report, trend, lang), lang)


COMPARE_HEADER = {
    "nl": ["eenheid", "naam", "thema", "antwoorden", "score_0_100_hoger_is_gunstiger",
           "aandeel_gunstig_pct", "niet_getoond", "reden"],
    "en": ["unit", "unit_name", "scale", "responses", "score_0_100_higher_is_favourable",
           "favourable_pct", "suppressed", "reason"],
}


def compare_csv(comparison: dict[str, Any], lang: str) -> str:
    """The comparison's cells; suppressed ones with empty figures and the reason in words."""
    lg, k = _lang(lang), comparison["round"]["k"]
    rows = [[r["unit"], r["unit_name"], r["scale_name"], r["responses"], r["mean"],
             r["favourable"], r["suppressed"],
             reason_text(r["reason"], lg, k) if r["suppressed"] else None]
            for r in comparison["rows"]]
    return locale_csv(COMPARE_HEADER[lg], rows, lg)


# --- XLSX --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a name, a header row, rows, and column widths in characters."""

    name: str
    header: list[str]
    rows: list[list[Any]]
    widths: list[int]


def _xlsx(sheets: Sequence[Sheet], title: str) -> bytes:
    """Write sheets to an in-memory workbook: bold frozen header, filters, typed numbers."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    workbook.set_properties({"title": title, "author": "Sentimeter"})
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    for sheet in sheets:
        ws = workbook.add_worksheet(sheet.name[:31])
        ws.write_row(0, 0, sheet.header, bold)
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, bool):
                    ws.write_string(r, c, str(value))
                elif isinstance(value, int | float):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, str(safe_cell(value)), wrap)
        for c, width in enumerate(sheet.widths):
            ws.set_column(c, c, width)
        ws.freeze_panes(1, 1)
        if sheet.rows:
            ws.autofilter(0, 0, len(sheet.rows), len(sheet.header) - 1)
    workbook.close()
    return out.getvalue()


XLSX_TEXT: dict[str, dict[str, str]] = {
    "nl": {"overview": "Overzicht", "scales": "Thema's", "items": "Stellingen",
           "trend": "Verloop", "hidden": "Niet getoond en waarom", "compare": "Vergelijking",
           "what": "Wat", "which": "Welke", "why": "Waarom", "field": "Gegeven",
           "value": "Waarde", "unit": "Eenheid", "round": "Ronde", "instrument": "Vragenlijst",
           "responses": "Antwoorden", "rate": "Responspercentage", "k": "Minimale groep",
           "direction": "Leeswijzer",
           "direction_text": "Scores lopen van 0 tot 100; hoger is altijd gunstiger (ook bij "
                             "werkdruk). Gunstig is het antwoord dat op een goed teamklimaat "
                             "wijst; bij een negatief gestelde stelling is dat oneens.",
           "theme": "Thema", "score": "Score (0–100, hoger is gunstiger)",
           "fav": "Aandeel gunstig (%)", "change": "Verandering (+ is gunstiger)",
           "statement": "Stelling", "mean": "Gemiddelde", "mean_range": "Bereik gemiddelde",
           "fav_answer": "Gunstig antwoord", "unfav_n": "Ongunstig (aantal)",
           "neutral_n": "Neutraal (aantal)", "fav_n": "Gunstig (aantal)",
           "answer": "Antwoord {value} (aantal)", "code": "Code", "whole": "Hele eenheid",
           "benchmark": "Vergelijking"},
    "en": {"overview": "Overview", "scales": "Themes", "items": "Statements",
           "trend": "Trend", "hidden": "Not shown and why", "compare": "Comparison",
           "what": "What", "which": "Which", "why": "Why", "field": "Field", "value": "Value",
           "unit": "Unit", "round": "Round", "instrument": "Survey", "responses": "Answers",
           "rate": "Response rate", "k": "Minimum group", "direction": "How to read",
           "direction_text": "Scores run from 0 to 100; higher is always more favourable (also "
                             "for workload). Favourable is the answer that points to a good "
                             "team climate; for a negatively worded statement that is disagree.",
           "theme": "Theme", "score": "Score (0–100, higher is more favourable)",
           "fav": "Favourable (%)", "change": "Change (+ is more favourable)",
           "statement": "Statement", "mean": "Average", "mean_range": "Range of the average",
           "fav_answer": "Favourable answer", "unfav_n": "Unfavourable (count)",
           "neutral_n": "Neutral (count)", "fav_n": "Favourable (count)",
           "answer": "Answer {value} (count)", "code": "Code", "whole": "Whole unit",
           "benchmark": "Benchmark"},
}


def _value_columns(items: Sequence[dict[str, Any]]) -> list[str]:
    """Every answer value that has a published count, in numeric order."""
    values = {v for i in items if i.get("counts") for v in i["counts"]}
    return sorted(values, key=lambda v: (len(v), v))


def report_xlsx(report: dict[str, Any], trend: dict[str, Any] | None, lang: str) -> bytes:
    """The unit page as a workbook: overview, themes, statements with distributions, trend,
    and every figure that was not shown with the reason."""
    lg, k = _lang(lang), report["round"]["k"]
    t = XLSX_TEXT[lg]
    shown = report["released"] and not report["suppressed"]
    overview = Sheet(t["overview"], [t["field"], t["value"]], [
        [t["unit"], report["unit"]["name"]], [t["round"], report["round"]["name"]],
        [t["instrument"], report["round"]["instrument_name"]],
        [t["responses"], report["responses"] if shown else None],
        [t["rate"], report.get("rate_band") if shown else None],
        [t["k"], k], [t["direction"], t["direction_text"]]], [24, 80])
    hidden: list[list[Any]] = []
    if not shown:
        hidden.append([t["whole"], report["unit"]["name"], reason_text(report["reason"], lg, k)])
        return _xlsx([overview, Sheet(t["hidden"], [t["what"], t["which"], t["why"]], hidden,
                                      [16, 40, 80])], report["unit"]["name"])
    marks = report["benchmarks"]
    scale_rows = []
    for s in report["scales"]:
        if s["suppressed"]:
            hidden.append([t["theme"], s["name"], reason_text(s["reason"], lg, k)])
        scale_rows.append([s["name"], None if s["suppressed"] else s["score"],
                           None if s["suppressed"] else s["favourable"], s["change"],
                           *[m["scales"].get(s["id"]) for m in marks]])
        for m in marks:
            if m["scales"].get(s["id"]) is None:
                hidden.append([t["benchmark"], f"{m['name']}: {s['name']}",
                               reason_text("too_few", lg, k)])
    scales = Sheet(t["scales"], [t["theme"], t["score"], t["fav"], t["change"],
                                 *[m["name"] for m in marks]], scale_rows,
                   [28, 14, 14, 14, *[16 for _ in marks]])
    values = _value_columns(report["items"])
    item_rows = []
    for i in report["items"]:
        if i["suppressed"]:
            hidden.append([t["statement"], i["text"], reason_text(i["reason"], lg, k)])
            item_rows.append([i["text"], None, None, None, i.get("mean_range"), None,
                              i.get("favourable_answers")])
            continue
        cats = i["categories"] or {}
        counts = i["counts"] or {}
        item_rows.append([i["text"], i["n"], i["mean"], i.get("mean_range"), i["favourable"],
                          i.get("favourable_answers"), cats.get("unfavourable"),
                          cats.get("neutral"), cats.get("favourable"),
                          *[counts.get(v) for v in values]])
    items = Sheet(t["items"], [t["statement"], t["responses"], t["mean"], t["mean_range"],
                               t["fav"], t["fav_answer"], t["unfav_n"], t["neutral_n"],
                               t["fav_n"], *[t["answer"].format(value=v) for v in values]],
                  item_rows, [60, 11, 11, 11, 12, 18, 12, 12, 12, *[11 for _ in values]])
    sheets = [overview, scales, items]
    if trend and trend.get("points"):
        rounds = list(dict.fromkeys(p["round_label"] for p in
                                    sorted(trend["points"], key=lambda p: p["order"])))
        series: dict[str, dict[str, Any]] = {}
        for p in trend["points"]:
            series.setdefault(p["series_name"], {})[p["round_label"]] = p["score"]
            if p["score"] is None:
                hidden.append([t["trend"], f"{p['series_name']}: {p['round_label']}",
                               reason_text(p["reason"], lg, k)])
        sheets.append(Sheet(t["trend"], [t["theme"], *rounds],
                            [[name, *[scores.get(r) for r in rounds]]
                             for name, scores in series.items()], [28, *[14 for _ in rounds]]))
    sheets.append(Sheet(t["hidden"], [t["what"], t["which"], t["why"]], hidden, [16, 50, 80]))
    return _xlsx(sheets, report["unit"]["name"])


def compare_xlsx(comparison: dict[str, Any], lang: str) -> bytes:
    """The comparison as a workbook: one row per unit, themes as columns, and what was not
    shown (and why) on its own sheet."""
    lg, k = _lang(lang), comparison["round"]["k"]
    t = XLSX_TEXT[lg]
    scales = comparison["scales"]
    units: dict[str, dict[str, Any]] = {}
    hidden: list[list[Any]] = []
    for r in comparison["rows"]:
        row = units.setdefault(r["unit"], {"name": r["unit_name"], "n": None, "scores": {}})
        if r["suppressed"]:
            hidden.append([r["unit_name"], r["scale_name"], reason_text(r["reason"], lg, k)])
        else:
            row["scores"][r["scale"]] = r["mean"]
            row["n"] = max(row["n"] or 0, r["responses"] or 0)
    rows = [[u["name"], code, u["n"], *[u["scores"].get(s["id"]) for s in scales]]
            for code, u in units.items()]
    return _xlsx([
        Sheet(t["compare"], [t["unit"], t["code"], t["responses"],
                             *[f"{s['name']} ({t['score']})" for s in scales]], rows,
              [40, 12, 11, *[18 for _ in scales]]),
        Sheet(t["hidden"], [t["unit"], t["theme"], t["why"]], hidden, [40, 28, 80]),
        Sheet(t["overview"], [t["field"], t["value"]],
              [[t["round"], comparison["round"]["name"]], [t["k"], k],
               [t["direction"], t["direction_text"]]], [24, 80]),
    ], comparison["round"]["name"])
