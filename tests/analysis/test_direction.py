"""Every chart and sentence says "favourable", never "agree", so negatively worded statements
read the right way round (issue 15, item 1). Tested on items of both directions."""

from __future__ import annotations

import pytest

from analysis.charts import ItemBar, item_bars, summary_item_bars, to_spec
from analysis.direction import favourable_answers, is_reversed, mean_range
from surveys.instrument import load_instrument
from tests.analysis.test_charts import data_rows

THERMOMETER = load_instrument("team-thermometer")


@pytest.mark.parametrize(("item_id", "reversed_", "nl", "en"), [
    ("ps1", False, "(helemaal) eens", "(strongly) agree"),
    ("ps4", True, "(helemaal) oneens", "(strongly) disagree"),
    ("wl1", True, "(helemaal) oneens", "(strongly) disagree"),
    ("in4", False, "7–10", "7–10"),
])
def test_each_item_says_which_answers_are_favourable(item_id: str, reversed_: bool, nl: str,
                                                     en: str) -> None:
    item = THERMOMETER.item(item_id)
    assert is_reversed(item) is reversed_
    assert favourable_answers(item, "nl") == nl
    assert favourable_answers(item, "en") == en


def test_a_choice_item_names_its_favourable_option_and_has_no_mean_range() -> None:
    item = THERMOMETER.item("ss2")
    labels = {o.value: o.label["nl"] for o in item.options}
    assert favourable_answers(item, "nl") == " / ".join(labels[v] for v in sorted(item.favourable))
    assert mean_range(item) == "" and mean_range(THERMOMETER.item("ps1")) == "1–5"


# Mostly disagree with "the work was too much for me" is a good result; mostly agree with
# "I can say what I think" is too. Both must read as favourable.
DIST = {"unfavourable": 2, "neutral": 3, "favourable": 15}
POSITIVE = ItemBar("Ik kan zeggen wat ik denk", DIST, None, False,
                   favourable_answers="(helemaal) eens")
NEGATIVE = ItemBar("Het werk was mij te veel", DIST, None, False,
                   favourable_answers="(helemaal) oneens", reversed=True)
WORSE = ItemBar("Ik hoor erbij", {"unfavourable": 10, "neutral": 5, "favourable": 5}, None,
                False, favourable_answers="(helemaal) eens")


@pytest.mark.parametrize("item", [POSITIVE, NEGATIVE])
def test_the_favourable_share_is_drawn_right_of_zero_and_labelled_favourable(
        item: ItemBar) -> None:
    rows = [r for r in data_rows(to_spec(item_bars([item]))) if "x2" in r]
    favourable = [r for r in rows if r["category"] == "Gunstig"]
    assert len(favourable) == 1 and favourable[0]["pct"] == 75 and favourable[0]["x"] > 0
    assert {r["category"] for r in rows} <= {"Ongunstig", "Neutraal", "Gunstig"}


def test_a_negatively_worded_statement_says_beside_its_bar_that_disagreeing_is_favourable(
) -> None:
    nl = {r["label"] for r in data_rows(to_spec(item_bars([POSITIVE, NEGATIVE])))}
    assert any("gunstig: (helemaal) oneens" in label.replace("\n", " ") for label in nl)
    assert not any("gunstig: (helemaal) eens" in label.replace("\n", " ") for label in nl)
    negative_en = ItemBar(NEGATIVE.label, DIST, None, False,
                          favourable_answers="(strongly) disagree", reversed=True)
    en = {r["label"] for r in data_rows(to_spec(item_bars([negative_en], lang="en")))}
    assert any("favourable: (strongly) disagree" in label.replace("\n", " ") for label in en)


def test_the_summary_calls_a_mostly_disagreed_negative_statement_favourable() -> None:
    nl = summary_item_bars([NEGATIVE, WORSE], "nl")
    assert nl.startswith("Van 2 stellingen scoort 'Het werk was mij te veel' het gunstigst "
                         "(75% gunstig: (helemaal) oneens)")
    assert "'Ik hoor erbij' het minst gunstig (25% gunstig: (helemaal) eens)" in nl
    en = summary_item_bars([
        ItemBar(NEGATIVE.label, DIST, None, False, favourable_answers="(strongly) disagree",
                reversed=True),
        ItemBar(WORSE.label, WORSE.distribution, None, False,
                favourable_answers="(strongly) agree")], "en")
    assert "'Het werk was mij te veel' is the most favourable (75% favourable: (strongly) " \
           "disagree)" in en
    assert " agree)" not in en.replace("(strongly) agree)", "")


def test_a_ten_point_item_reads_as_favourable_not_as_agreement() -> None:
    mood = ItemBar("Hoe voel je je?", DIST, None, False, favourable_answers="7–10")
    text = summary_item_bars([mood], "nl")
    assert text == "'Hoe voel je je?' scoort 75% gunstig: 7–10."
    assert "eens" not in text
