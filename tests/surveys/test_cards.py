"""Code cards: what is printed, in which order, and what the PDF gives away."""

from __future__ import annotations

import io
import math
import random
import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from surveys.cards import format_code, render_cards_pdf
from surveys.codes import ALPHABET

BASE_URL = "https://sentimeter.example.nl"
TEAM = "Basisteam Utrecht-Oost"
ROUND = "Team Thermometer Q3 2025"
VALID_CODE = st.text(alphabet=ALPHABET, min_size=10, max_size=10)


def make_codes(count: int, seed: int = 7) -> list[str]:
    """Distinct valid codes in a fixed 'issue order'."""
    rng = random.Random(seed)
    codes: dict[str, None] = {}
    while len(codes) < count:
        codes["".join(rng.choices(ALPHABET, k=10))] = None
    return list(codes)


def render(codes: list[str], **options: object) -> PdfReader:
    kwargs: dict[str, object] = {"base_url": BASE_URL, "team_name": TEAM, "round_name": ROUND}
    kwargs.update(options)
    pdf = render_cards_pdf(codes, **kwargs)  # type: ignore[arg-type]
    return PdfReader(io.BytesIO(pdf), strict=True)


def page_texts(reader: PdfReader) -> list[str]:
    """Text of each page with all whitespace runs (line breaks too) as one space."""
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


def printed_order(reader: PdfReader, codes: list[str]) -> list[str]:
    """The codes in the order they appear on paper."""
    text = " ".join(page_texts(reader))
    return sorted(codes, key=lambda code: text.index(format_code(code)))


@pytest.fixture(scope="module")
def seventeen_codes() -> list[str]:
    return make_codes(17)


@pytest.fixture(scope="module")
def seventeen_cards(seventeen_codes: list[str]) -> PdfReader:
    return render(seventeen_codes)


# --- format_code -------------------------------------------------------------------------


def test_format_code_splits_a_code_in_two_groups_of_five() -> None:
    assert format_code("ABCDEFGHJK") == "ABCDE-FGHJK"


@given(VALID_CODE)
def test_format_code_keeps_every_character_of_a_valid_code(code: str) -> None:
    shown = format_code(code)
    assert len(shown) == 11
    assert shown[5] == "-"
    assert shown.replace("-", "") == code


@given(st.text(max_size=14))
def test_format_code_refuses_anything_but_ten_alphabet_characters(text: str) -> None:
    if len(text) == 10 and all(ch in ALPHABET for ch in text):
        assert format_code(text).replace("-", "") == text
    else:
        with pytest.raises(ValueError, match="10 characters"):
            format_code(text)


@pytest.mark.parametrize("code", ["ABCDEFGHJI", "ABCDEFGHJ0", "abcdefghjk", "ABCDE-FGHJK"])
def test_format_code_refuses_ambiguous_lowercase_or_formatted_codes(code: str) -> None:
    with pytest.raises(ValueError):
        format_code(code)


# --- the PDF -----------------------------------------------------------------------------


def test_it_returns_a_valid_a4_pdf() -> None:
    pdf = render_cards_pdf(make_codes(3), base_url=BASE_URL, team_name=TEAM, round_name=ROUND)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


@pytest.mark.parametrize("count", [1, 8, 9, 16])
def test_it_prints_an_instruction_page_then_eight_cards_a_page(count: int) -> None:
    codes = make_codes(count)
    texts = page_texts(render(codes))
    assert len(texts) == 1 + math.ceil(count / 8)
    per_page = [sum(format_code(code) in text for code in codes) for text in texts]
    assert per_page[0] == 0
    assert all(n == 8 for n in per_page[1:-1])
    assert per_page[-1] == count - 8 * (len(texts) - 2)


def test_every_code_appears_formatted_exactly_once(
    seventeen_cards: PdfReader, seventeen_codes: list[str]
) -> None:
    text = " ".join(page_texts(seventeen_cards))
    for code in seventeen_codes:
        assert text.count(format_code(code)) == 1, code


def test_every_card_names_the_round_the_team_and_says_the_code_works_once(
    seventeen_cards: PdfReader,
) -> None:
    cards_text = " ".join(page_texts(seventeen_cards)[1:])
    assert cards_text.count(ROUND) == 17
    assert cards_text.count(TEAM) == 17
    assert cards_text.count("Deze code werkt één keer") == 17


@pytest.mark.parametrize(
    ("lang", "instruction", "once"),
    [
        (
            "nl",
            f"Scan de code of ga naar {BASE_URL}/s en vul de code in. Je antwoord is anoniem.",
            "Deze code werkt één keer",
        ),
        (
            "en",
            f"Scan the code or go to {BASE_URL}/s and enter the code. Your answer is anonymous.",
            "This code works once",
        ),
    ],
)
def test_a_card_tells_where_to_enter_the_code_in_the_chosen_language(
    lang: str, instruction: str, once: str
) -> None:
    card = page_texts(render(make_codes(1), lang=lang))[1]
    assert instruction in card
    assert once in card


def test_a_trailing_slash_in_the_base_url_does_not_double_the_slash() -> None:
    card = page_texts(render(make_codes(1), base_url=BASE_URL + "/"))[1]
    assert f"{BASE_URL}/s " in card
    assert ".nl//s" not in card


@pytest.mark.parametrize(
    ("lang", "phrases"),
    [
        (
            "nl",
            [
                "door iemand anders dan de teamleider",
                "vertrouwenspersoon",
                "Knip de kaartjes los",
                "Schud de kaartjes",
                "omgekeerd",
                "gesloten enveloppen",
                "Houd nooit een lijst bij van wie welk kaartje kreeg",
                "Vernietig kaartjes die over zijn",
                "Wie meerdere codes heeft, kan meerdere keren antwoorden",
            ],
        ),
        (
            "en",
            [
                "by someone other than the team leader",
                "confidential counsellor",
                "Cut the cards apart",
                "Shuffle the cards",
                "face down",
                "closed envelopes",
                "Never keep a list of who got which card",
                "Destroy spare cards",
                "Whoever holds several codes can answer several times",
            ],
        ),
    ],
)
def test_the_instruction_page_says_how_to_hand_out_the_cards_safely(
    lang: str, phrases: list[str]
) -> None:
    instructions = page_texts(render(make_codes(2), lang=lang))[0]
    for phrase in phrases:
        assert phrase in instructions, phrase


def test_without_shuffle_the_cards_keep_issue_order() -> None:
    codes = make_codes(12)
    assert printed_order(render(codes, shuffle=False), codes) == codes


def test_by_default_forty_cards_are_not_printed_in_issue_order() -> None:
    # A random shuffle of 40 keeps issue order with probability 1/40! (about 1e-48).
    codes = make_codes(40)
    printed = printed_order(render(codes), codes)
    assert printed != codes
    assert sorted(printed) == sorted(codes)


def test_the_pdf_metadata_reveals_nothing_but_the_round_name() -> None:
    metadata = render(make_codes(2)).metadata
    assert metadata is not None
    assert metadata.title == ROUND
    for key, value in metadata.items():
        if key in ("/CreationDate", "/ModDate"):
            assert str(date.today().year) not in str(value), "the print date leaks"
        elif key != "/Title":
            assert str(value) in {"", "Sentimeter", "/False"}, (key, value)


# --- refusals ----------------------------------------------------------------------------


def test_it_refuses_an_empty_list_of_codes_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="No codes to print"):
        render_cards_pdf([], base_url=BASE_URL, team_name=TEAM, round_name=ROUND)


def test_it_refuses_a_malformed_code() -> None:
    with pytest.raises(ValueError, match="'ABC'"):
        render_cards_pdf(["ABC"], base_url=BASE_URL, team_name=TEAM, round_name=ROUND)


def test_it_refuses_to_print_one_code_on_two_cards() -> None:
    code = make_codes(1)[0]
    with pytest.raises(ValueError, match="Duplicate"):
        render_cards_pdf([code, code], base_url=BASE_URL, team_name=TEAM, round_name=ROUND)


def test_it_refuses_a_single_string_instead_of_a_list_of_codes() -> None:
    with pytest.raises(TypeError):
        render_cards_pdf("ABCDEFGHJK", base_url=BASE_URL, team_name=TEAM, round_name=ROUND)


def test_it_refuses_an_unknown_language() -> None:
    with pytest.raises(ValueError, match="'de'"):
        render(make_codes(1), lang="de")


def test_it_refuses_a_base_url_without_scheme() -> None:
    with pytest.raises(ValueError, match="https://"):
        render(make_codes(1), base_url="sentimeter.example.nl")
