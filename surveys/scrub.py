"""Scrub free-text comments of names, places and numbers before they are sealed.

A comment is read by leaders of a group of at least ten, so anything that points at a
person (a name, a phone number, a personnel number, a street) must go before the text is
stored. Dutch text goes through `deduce` (Dutch de-identification) and then a pattern
pass; other languages get the pattern pass plus deduce's name and place detection, filtered
so that ordinary English words at the start of a sentence ("My", "Hope") stay.

Placeholders carry no numbering: "[PERSOON-1] ... [PERSOON-1]" would tell a reader that
two mentions are the same person.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from surveys.deduce_tables import get_deduce as _get_deduce
from surveys.deduce_tables import warm_up

__all__ = ["SCRUB_NOTICE", "scrub_comment", "warm_up"]

SCRUB_NOTICE: dict[str, str] = {
    "nl": (
        "Om je anonimiteit te beschermen zijn namen, plaatsen en nummers in je opmerking "
        "vervangen door een aanduiding zoals [NAAM] of [NUMMER]."
    ),
    "en": (
        "To protect your anonymity, names, places and numbers in your comment were "
        "replaced by labels such as [NAME] or [NUMBER]."
    ),
}

_LABELS: dict[str, dict[str, str]] = {
    "nl": {
        "name": "[NAAM]",
        "place": "[PLAATS]",
        "address": "[ADRES]",
        "postcode": "[POSTCODE]",
        "institution": "[INSTELLING]",
        "date": "[DATUM]",
        "age": "[LEEFTIJD]",
        "phone": "[TELEFOONNUMMER]",
        "email": "[E-MAIL]",
        "url": "[URL]",
        "number": "[NUMMER]",
        "other": "[VERWIJDERD]",
    },
    "en": {
        "name": "[NAME]",
        "place": "[PLACE]",
        "address": "[ADDRESS]",
        "postcode": "[POSTCODE]",
        "institution": "[INSTITUTION]",
        "date": "[DATE]",
        "age": "[AGE]",
        "phone": "[PHONE]",
        "email": "[EMAIL]",
        "url": "[URL]",
        "number": "[NUMBER]",
        "other": "[REMOVED]",
    },
}

# deduce 3 tags after its own post-processing, mapped to our neutral kinds.
_DEDUCE_KINDS: dict[str, str] = {
    "persoon": "name",
    "patient": "name",
    "locatie": "place",
    "ziekenhuis": "institution",
    "zorginstelling": "institution",
    "datum": "date",
    "leeftijd": "age",
    "telefoonnummer": "phone",
    "emailadres": "email",
    "url": "url",
    "bsn": "number",
    "id": "number",
}
_EN_DEDUCE_TAGS = frozenset({"persoon", "patient", "locatie"})

# Capitalised English words that deduce may take for a Dutch name or place at the start
# of a sentence ("Hope it improves", "Most people"); only used there, in English mode.
_COMMON_EN_WORDS = """
    a about after again all also always an and any anyway as at be because before best
    but by call can could do does each even every everyone few for from get give go good
    great had has have he her here his hope how however i if in is it its just keep last
    let like love many may maybe me more most much must my never new next no none not now
    of often ok on once one only or our overall perhaps please rest same she should since
    so some sometimes still such summer sunny thank thanks that the their then there these
    they this those though to too very was we well what when where which while who why will
    with would yes yet you your mark morning night spring autumn winter fall born"""
_COMMON_EN = frozenset(_COMMON_EN_WORDS.split())

_MONTHS = (
    r"(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november"
    r"|december|january|february|march|may|june|july|august|october|jan|feb|mrt|mar|apr"
    r"|jun|jul|aug|sept|sep|okt|oct|nov|dec)"
)
_EMAIL = re.compile(r"(?<![^\s@()\[\]<>\"',;])[^\s@()\[\]<>\"',;]*@[^\s@()\[\]<>\"',;]*")
_URL = re.compile(
    r"(?i)(?<![\w@])(?:https?://|www\.)[^\s<>\"]+"
    r"|(?<![\w@.])(?:[a-z0-9-]+\.)+(?:nl|com|org|net|eu|be|de|uk|io|info|nu|gov|edu|app|dev"
    r"|me|tv|co)\b(?:/[^\s<>\"]*)?"
)
_DATE = re.compile(
    r"(?<!\d)\d{1,2}(?P<s1>[-/.])\d{1,2}(?P=s1)(?:\d{4}|\d{2})(?!\d)"
    r"|(?<!\d)\d{4}(?P<s2>[-/.])\d{1,2}(?P=s2)\d{1,2}(?!\d)"
    rf"|(?i:(?<!\d)\d{{1,2}}(?:st|nd|rd|th|ste|de|e)?\s+(?:of\s+)?{_MONTHS}\b\.?(?:,?\s+\d{{4}})?)"
    rf"|(?i:\b{_MONTHS}\b\.?\s+(?:\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?|\d{{4}}))"
)
_PHONE = re.compile(r"(?<![\w+])(?:\+|\(?0)[\d()]*(?:[ \-./]?[\d()]+)+")
_POSTCODE = re.compile(r"(?<!\w)[1-9]\d{3}(?: ?(?!SA|SD|SS)[A-Z]{2}|[a-z]{2})(?!\w)")
_GROUPED_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?:[ .\-]\d{3})+(?!\d)")
_LONG_NUMBER = re.compile(r"\d{4,}")
_TITLES = (
    r"agent|hoofdagent|brigadier|inspecteur|hoofdinspecteur|commissaris|hoofdcommissaris"
    r"|aspirant|surveillant|adjudant|wachtmeester|opperwachtmeester|rechercheur|teamchef"
    r"|teamleider|leidinggevende|collega|chef|baas|meneer|mevrouw|mevr|mw|dhr|heer|juffrouw"
    r"|majoor|kapitein|luitenant|mr|mrs|ms|miss|mister|sir|madam|dr|drs|ir|ing|prof|officer"
    r"|constable|sergeant|sgt|inspector|chief|superintendent|commissioner|captain|lt"
    r"|lieutenant|detective|det|colleague|boss|manager|supervisor"
)
_CAPWORD = r"(?:(?:[A-ZÀ-ÖØ-Þ]\.)+|(?!I\b)[A-ZÀ-ÖØ-Þ][\w'’-]*)"
_PARTICLE = r"(?:van|de|der|den|het|ten|ter|te|'t|la|le|el|al|von|du|da|di|bin|ben)"
_TITLED_NAME = re.compile(rf"(?<!\w)(?i:{_TITLES})(?:\.|\b)(?:[ ]+(?:{_PARTICLE}[ ]+)*{_CAPWORD})+")
_NAME_TAIL = re.compile(rf"(\[(?:NAAM|NAME)\])(?:[ ]+(?:{_PARTICLE}[ ]+)*{_CAPWORD})+")
_REPEATED_LABEL = re.compile(r"(\[[A-Z-]+\])(?:[ .\-]?\1)+")
_TRAILING_PUNCT = ".,;:!?)]'\""


def scrub_comment(text: str, lang: str) -> str:
    """Return `text` normalised, with names, places and numbers replaced by labels."""
    labels = _LABELS["nl" if lang == "nl" else "en"]
    clean = _normalise(text)
    if not clean:
        return ""
    clean = _structured_pass(clean, labels)
    clean = _deduce_pass(clean, labels, dutch=lang == "nl")
    clean = _pattern_pass(clean, labels)
    return _REPEATED_LABEL.sub(r"\1", clean)


def _normalise(text: str) -> str:
    """Fold look-alike characters and drop invisible ones that could hide digits or names."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\r\n?|[\u0085\u2028\u2029]", "\n", text)
    text = re.sub(r"[^\S\n]+", " ", text)
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return re.sub(r" {2,}", " ", text).strip()


def _deduce_pass(text: str, labels: dict[str, str], *, dutch: bool) -> str:
    """Replace what deduce finds; outside Dutch only its names and places are trusted."""
    annotations = _get_deduce().deidentify(text).annotations
    spans: list[tuple[int, int, str]] = []
    for ann in sorted(annotations, key=lambda a: (a.start_char, -a.end_char)):
        if not dutch and ann.tag not in _EN_DEDUCE_TAGS:
            continue
        start = ann.start_char if dutch else _skip_common_words(text, ann.start_char, ann.end_char)
        if start < ann.end_char and (not spans or start >= spans[-1][1]):
            spans.append((start, ann.end_char, _label_for(ann.tag, text[start : ann.end_char])))
    return _replace_spans(text, spans, labels)


def _skip_common_words(text: str, start: int, end: int) -> int:
    """Move a span's start past ordinary English words that open a sentence."""
    while start < end and _at_sentence_start(text, start):
        word = re.match(r"[\w'’]+\s*", text[start:end])
        if word is None or word.group().strip().lower() not in _COMMON_EN:
            break
        start += word.end()
    return start


def _at_sentence_start(text: str, pos: int) -> bool:
    before = text[:pos].rstrip(" ").rstrip("'\"’”)]")
    return not before or before[-1] in ".!?:;\n"


def _label_for(tag: str, found: str) -> str:
    kind = _DEDUCE_KINDS.get(tag, "other")
    if kind == "place" and _POSTCODE.fullmatch(found.strip()):
        return "postcode"
    if kind == "place" and any(ch.isdigit() for ch in found):
        return "address"
    return kind


def _replace_spans(text: str, spans: Iterable[tuple[int, int, str]], labels: dict[str, str]) -> str:
    parts: list[str] = []
    last = 0
    for start, end, kind in spans:
        parts += [text[last:start], labels[kind]]
        last = end
    parts.append(text[last:])
    return "".join(parts)


def _structured_pass(text: str, labels: dict[str, str]) -> str:
    """Replace whole addresses, dates and phone numbers before deduce can split them up."""
    text = _EMAIL.sub(lambda m: _email_label(m.group(), labels), text)
    text = _URL.sub(_keep_trailing(lambda _: labels["url"]), text)
    text = _DATE.sub(labels["date"], text)
    return _PHONE.sub(_keep_trailing(lambda m: _phone_label(m, labels)), text)


def _pattern_pass(text: str, labels: dict[str, str]) -> str:
    """Catch what deduce misses or does not do in English; order matters (dates first)."""
    text = _structured_pass(text, labels)
    text = _POSTCODE.sub(labels["postcode"], text)
    text = _GROUPED_NUMBER.sub(_grouped_label(labels), text)
    text = _LONG_NUMBER.sub(labels["number"], text)
    text = _TITLED_NAME.sub(labels["name"], text)
    return _NAME_TAIL.sub(r"\1", text)


def _email_label(found: str, labels: dict[str, str]) -> str:
    """Any word glued to an @ goes: full addresses and bare @handles alike."""
    local, _, domain = found.partition("@")
    stripped = domain.rstrip(_TRAILING_PUNCT)
    tail = domain[len(stripped) :]
    if local:
        return labels["email"] + tail
    if stripped:
        return labels["name"] + tail
    return found


def _keep_trailing(label: Callable[[re.Match[str]], str]) -> Callable[[re.Match[str]], str]:
    """Give back sentence punctuation that a greedy pattern swallowed."""

    def replace(match: re.Match[str]) -> str:
        found = match.group()
        core = found.rstrip(_TRAILING_PUNCT + " -/")
        if not core:
            return found
        replaced = label(match)
        return found if replaced == found else replaced + found[len(core) :]

    return replace


def _phone_label(match: re.Match[str], labels: dict[str, str]) -> str:
    found = match.group()
    digits = sum(ch.isdigit() for ch in found)
    minimum = 8 if found.startswith(("+", "00", "(00")) else 9
    return labels["phone"] if minimum <= digits <= 15 else found


def _grouped_label(labels: dict[str, str]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        found = match.group()
        return labels["number"] if sum(ch.isdigit() for ch in found) >= 6 else found

    return replace


if __name__ == "__main__":  # `python -m surveys.scrub --warm` (make): build the tables at install
    import sys

    from surveys.deduce_tables import build_tables, cache_dir

    if "--warm" in sys.argv and not build_tables(lambda line: print(line, flush=True)):
        print(f"the comment scrubber's tables are built ({cache_dir()})", flush=True)
