"""Exports for Dutch users (issue 15, item 7): CSV that Dutch Excel opens (BOM, ``;``, decimal
comma, Dutch headers, ja/nee), and an XLSX with the distributions and a sheet of what was not
shown and why. Hidden stays hidden: suppressed cells are empty in both."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any
from xml.etree import ElementTree

from analysis.exports import compare_csv, compare_xlsx, report_csv, report_xlsx
from tests.analysis.test_figures import COMPARISON, TREND

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def report(items: list[tuple[str, int | None]]) -> dict[str, Any]:
    return {"unit": {"code": "T", "name": "Team"},
            "round": {"id": 3, "k": 5, "name": "R3", "instrument_name": "Thermometer"},
            "released": True, "suppressed": False, "reason": None, "responses": 14,
            "rate_band": "60–70%",
            "scales": [{"id": "ps", "name": "Safety", "n": 14, "favourable": 70, "score": 66,
                        "suppressed": False, "reason": None, "change": 4},
                       {"id": "wl", "name": "Load", "n": None, "favourable": None,
                        "score": None, "suppressed": True, "reason": "complementary",
                        "change": None}],
            "items": [{"id": i, "text": f"Statement {i}", "n": 14 if f is not None else None,
                       "mean": 3.9 if f is not None else None, "favourable": f,
                       "suppressed": f is None, "reason": None if f is not None else "too_few",
                       "counts": {"1": 1, "2": 1, "3": 2, "4": 6, "5": 4} if f else None,
                       "categories": ({"unfavourable": 2, "neutral": 2, "favourable": 10}
                                      if f else None),
                       "favourable_answers": "(helemaal) eens", "mean_range": "1–5",
                       "reversed": False}
                      for i, f in items],
            "benchmarks": [{"code": "B", "name": "Basisteam", "scales": {"ps": 61}}]}


def parse(text: str, delimiter: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff"), "no byte order mark: Excel would misread the accents"
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=delimiter))


def sheets(data: bytes) -> dict[str, list[list[str]]]:
    """Every sheet's cells as text, read straight from the XLSX's XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        shared = [("".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")))
                  for si in ElementTree.fromstring(z.read("xl/sharedStrings.xml"))]
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        names = [s.get("name", "") for s in book.iter(f"{{{NS['m']}}}sheet")]
        result = {}
        for index, name in enumerate(names, start=1):
            root = ElementTree.fromstring(z.read(f"xl/worksheets/sheet{index}.xml"))
            rows = []
            for row in root.iter(f"{{{NS['m']}}}row"):
                cells = []
                for c in row.iter(f"{{{NS['m']}}}c"):
                    col = re.sub(r"\d", "", c.get("r", "A"))
                    position = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(col[::-1])) - 1
                    cells.extend([""] * (position - len(cells)))
                    v = c.find("m:v", NS)
                    text = "" if v is None or v.text is None else v.text
                    cells.append(shared[int(text)] if c.get("t") == "s" else text)
                rows.append(cells)
            result[name] = rows
        return result


def test_the_dutch_csv_has_a_bom_semicolons_dutch_headers_and_a_decimal_comma() -> None:
    text = report_csv(report([("a", 90), ("c", None)]), TREND, "nl")
    assert text.splitlines()[0].lstrip("\ufeff").split(";")[:3] == ["eenheid", "ronde", "soort"]
    rows = parse(text, ";")
    item = next(r for r in rows if r["soort"] == "stelling" and r["id"] == "a")
    assert item["gemiddelde"] == "3,9" and item["niet_getoond"] == "nee"
    hidden = next(r for r in rows if r["soort"] == "stelling" and r["id"] == "c")
    assert hidden["aandeel_gunstig_pct"] == "" and hidden["niet_getoond"] == "ja"
    assert hidden["reden"].startswith("Te weinig antwoorden (minder dan 5)")


def test_the_english_csv_uses_commas_and_english_headers() -> None:
    rows = parse(report_csv(report([("a", 90)]), TREND, "en"), ",")
    trend = [r for r in rows if r["kind"] == "trend"]
    assert [(r["round"], r["score_0_100_higher_is_favourable"]) for r in trend] == [
        ("1", "60"), ("2", "")]
    assert trend[1]["suppressed"] == "yes" and trend[1]["reason"].startswith("Too few")
    assert next(r for r in rows if r["kind"] == "statement")["mean"] == "3.9"


def test_a_suppressed_comparison_cell_is_empty_in_the_csv_with_its_reason_in_words() -> None:
    rows = parse(compare_csv({**COMPARISON, "round": {"k": 5}}, "nl"), ";")
    hidden = [r for r in rows if r["niet_getoond"] == "ja"]
    assert len(hidden) == 3
    for row in hidden:
        assert row["antwoorden"] == row["score_0_100_hoger_is_gunstiger"] == ""
        assert row["reden"] and "_" not in row["reden"]
    assert rows[0]["naam"].startswith("'=")  # a formula is defused


def test_the_unit_workbook_holds_distributions_and_says_what_was_hidden_and_why() -> None:
    book = sheets(report_xlsx(report([("a", 90), ("c", None)]), TREND, "nl"))
    assert list(book) == ["Overzicht", "Thema's", "Stellingen", "Verloop",
                          "Niet getoond en waarom"]
    items = book["Stellingen"]
    header = items[0]
    assert header[:3] == ["Stelling", "Antwoorden", "Gemiddelde"]
    a = dict(zip(header, items[1], strict=False))
    assert a["Gunstig (aantal)"] == "10" and a["Antwoord 4 (aantal)"] == "6"
    c = dict(zip(header, items[2], strict=False))
    assert c.get("Antwoorden", "") == "" and c.get("Gunstig (aantal)", "") == ""
    hidden = book["Niet getoond en waarom"]
    assert hidden[0] == ["Wat", "Welke", "Waarom"]
    whats = {(row[0], row[1]) for row in hidden[1:]}
    assert ("Stelling", "Statement c") in whats and ("Thema", "Load") in whats
    assert ("Verloop", "Safety: R2") in whats
    assert all(row[2] for row in hidden[1:])
    scales = book["Thema's"]
    assert scales[0][1] == "Score (0–100, hoger is gunstiger)"
    assert [row[0] for row in scales[1:]] == ["Safety", "Load"]
    assert scales[2][1:3] in ([], ["", ""])  # the hidden scale has no figures


def test_the_comparison_workbook_keeps_hidden_cells_empty() -> None:
    book = sheets(compare_xlsx({**COMPARISON, "round": {"k": 5, "name": "R"},
                                "scales": [{"id": "ps", "name": "Safety"},
                                           {"id": "wl", "name": "Load"}]}, "en"))
    table = book["Comparison"]
    assert table[1][0] == "'=HYPERLINK(\"x\")" and table[1][3] == "71"
    assert table[2][3:] in ([], ["", ""])
    assert len(book["Not shown and why"]) == 1 + 3
