"""Free-text comments lose names, places and numbers before they are sealed."""

import re
import threading
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys import scrub
from surveys.scrub import SCRUB_NOTICE, scrub_comment, warm_up

MARKER = "xylofoonkaas"
EMAIL_LIKE = re.compile(r"[\w.+-]@[\w-]")
SIX_DIGITS = re.compile(r"\d{6,}")


@pytest.fixture(scope="session", autouse=True)
def deduce_loaded() -> Iterator[None]:
    """Deduce takes seconds to load: once for the whole session."""
    warm_up().join()
    yield


def test_warm_up_starts_one_thread_only() -> None:
    assert warm_up() is warm_up()
    assert warm_up().daemon


def test_deduce_is_loaded_once_even_when_threads_race() -> None:
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(scrub._get_deduce())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(obj) for obj in seen}) == 1


def test_it_removes_dutch_names_places_and_contact_details() -> None:
    text = (
        "Jan de Vries uit Amsterdam belde me op 06-12345678, mail jan.devries@politie.nl "
        "of kijk op www.politie.nl. Hij woont op Kerkstraat 12, 3511 AB Utrecht."
    )
    out = scrub_comment(text, "nl")
    for leaked in ("Jan", "Vries", "Amsterdam", "12345678", "jan.devries", "politie.nl"):
        assert leaked not in out
    for leaked in ("Kerkstraat", "3511", "Utrecht"):
        assert leaked not in out
    for label in ("[NAAM]", "[PLAATS]", "[TELEFOONNUMMER]", "[E-MAIL]", "[URL]"):
        assert label in out
    assert out.startswith("[NAAM] uit [PLAATS] belde me op")


def test_dutch_labels_carry_no_numbers_that_link_mentions() -> None:
    out = scrub_comment("Pieter zei tegen Fatima dat Pieter te laat was.", "nl")
    assert "Pieter" not in out and "Fatima" not in out
    assert re.search(r"\[[A-Z-]+-\d+\]", out) is None
    assert out.count("[NAAM]") == 3


@pytest.mark.parametrize(
    ("text", "gone", "label"),
    [
        ("Mijn teamchef Bakker luistert niet.", "Bakker", "[NAAM]"),
        ("Op 12 maart 2024 ging het mis.", "maart 2024", "[DATUM]"),
        ("Personeelsnummer 1234567 kreeg geen verlof.", "1234567", "[NUMMER]"),
        ("Bel +31 6 1234 5678 voor meer.", "1234", "[TELEFOONNUMMER]"),
        ("Postcode 1234ab is ons bureau.", "1234ab", "[POSTCODE]"),
        ("Badge 123 456 deed het.", "123 456", "[NUMMER]"),
        ("Zie @jansen_p op intranet.", "jansen_p", "[NAAM]"),
    ],
)
def test_it_replaces_dutch_identifiers(text: str, gone: str, label: str) -> None:
    out = scrub_comment(text, "nl")
    assert gone not in out
    assert label in out


@pytest.mark.parametrize(
    ("text", "gone", "label"),
    [
        ("Mail john.baker@police.co.uk today", "john.baker", "[EMAIL]"),
        ("See https://example.com/x?y=1 please", "example.com", "[URL]"),
        ("Call +44 20 7946 0958 now", "7946", "[PHONE]"),
        ("Call 020-1234567 now", "1234567", "[PHONE]"),
        ("Our office is at 3011 AB in town", "3011", "[POSTCODE]"),
        ("It happened on 12/03/2024 again", "12/03", "[DATE]"),
        ("It happened on March 3rd, 1985 again", "March 3rd", "[DATE]"),
        ("My badge is 4521 and that's it", "4521", "[NUMBER]"),
        ("My sergeant Smith never listens", "Smith", "[NAME]"),
        ("I told sergeant de Vries about it", "Vries", "[NAME]"),
        ("Mr. Smith was rude", "Smith", "[NAME]"),
        ("Chief Inspector Morse too", "Morse", "[NAME]"),
        ("I asked Pieter van den Berg in Rotterdam", "Pieter", "[NAME]"),
        ("I work in Rotterdam now", "Rotterdam", "[PLACE]"),
    ],
)
def test_it_replaces_english_identifiers(text: str, gone: str, label: str) -> None:
    out = scrub_comment(text, "en")
    assert gone not in out
    assert label in out


def test_ordinary_english_sentence_openers_survive() -> None:
    text = "Most people help each other. Hope it improves. Love this team. Best regards."
    assert scrub_comment(text, "en") == text


def test_it_keeps_the_words_that_are_not_identifying() -> None:
    text = f"De werkdruk is hoog en de roosters zijn slecht. {MARKER}"
    assert scrub_comment(text, "nl") == text
    assert MARKER in scrub_comment(f"The workload is high. {MARKER}", "en")


def test_it_normalises_whitespace_and_control_characters() -> None:
    text = "  Te\u0007 veel\t\t werk\u200b.\r\n\n\n\nTe  weinig mensen.  "
    assert scrub_comment(text, "nl") == "Te veel werk.\n\nTe weinig mensen."
    assert scrub_comment(" \n\t ", "nl") == ""


def test_invisible_characters_cannot_hide_a_number() -> None:
    out = scrub_comment("nummer 12\u200b34\u200b56 en 7\u00ad890", "en")
    assert "123456" not in out and "7890" not in out


def test_an_unknown_language_gets_english_labels() -> None:
    assert scrub_comment("code 987654", "de") == "code [NUMBER]"


def test_the_notice_exists_in_dutch_and_english() -> None:
    assert "[NAAM]" in SCRUB_NOTICE["nl"]
    assert "[NAME]" in SCRUB_NOTICE["en"]


_FRAGMENTS = st.one_of(
    st.text(max_size=30),
    st.emails(),
    st.from_regex(r"\+?\d[\d .\-()]{4,16}\d", fullmatch=True),
    st.sampled_from(["Jan", "de Vries", "Amsterdam", "@", ".", " ", "\n", "agent ", "1234 AB"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(_FRAGMENTS, max_size=8), lang=st.sampled_from(["nl", "en"]))
def test_scrubbing_never_fails_and_never_leaves_an_address_or_long_number(
    parts: list[str], lang: str
) -> None:
    out = scrub_comment("".join(parts), lang)
    assert isinstance(out, str)
    assert EMAIL_LIKE.search(out) is None
    assert SIX_DIGITS.search(out) is None
