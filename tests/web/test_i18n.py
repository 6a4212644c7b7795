"""Dutch by default, English on request: every template string has a Dutch translation, the
compiled catalogue matches its source, and pages, numbers and dates follow the chosen language.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment

from web.i18n import choose_lang, install_filters, long_date, translations

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "web" / "templates"
LOCALE = ROOT / "web" / "locale" / "nl" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def template_msgids() -> set[str]:
    """Extract the msgids straight from the templates, as `make i18n` does."""
    method_map = [("**.html", "jinja2")]
    options = {"**.html": {"extensions": "jinja2.ext.i18n", "encoding": "utf-8"}}
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(TEMPLATES), method_map=method_map, options_map=options):
        found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


def dutch_catalogue() -> Any:
    with (LOCALE / "messages.po").open("rb") as handle:
        return read_po(handle, locale="nl")


def test_every_template_string_has_a_dutch_translation() -> None:
    catalogue = dutch_catalogue()
    missing = sorted(msgid for msgid in template_msgids()
                     if not (catalogue.get(msgid) and catalogue.get(msgid).string)
                     or catalogue.get(msgid).fuzzy)
    assert not missing, ("untranslated template strings (run `make i18n` and translate "
                         f"web/locale/nl/LC_MESSAGES/messages.po): {missing}")


def test_dutch_translations_keep_every_placeholder() -> None:
    wrong = [m.id for m in dutch_catalogue() if m.id and isinstance(m.id, str)
             and set(PLACEHOLDER.findall(m.id)) != set(PLACEHOLDER.findall(str(m.string)))]
    assert not wrong


def test_the_compiled_catalogue_is_not_stale() -> None:
    """The .mo the app loads must say exactly what the .po says (`make i18n` compiles it)."""
    fresh = BytesIO()
    write_mo(fresh, dutch_catalogue())
    fresh.seek(0)
    expected = {m.id: m.string for m in read_mo(fresh) if m.id}
    with (LOCALE / "messages.mo").open("rb") as handle:
        shipped = {m.id: m.string for m in read_mo(handle) if m.id}
    assert shipped == expected, "web/locale/nl/LC_MESSAGES/messages.mo is stale: run `make i18n`"


def test_the_dutch_catalogue_loads_for_the_app() -> None:
    assert translations("nl").gettext("Send answers") == "Antwoorden versturen"
    assert translations("en").gettext("Send answers") == "Send answers"


class FakeRequest:
    def __init__(self, cookies: dict[str, str], headers: dict[str, str]) -> None:
        self.cookies = cookies
        self.headers = headers


@pytest.mark.parametrize(("cookie", "header", "expected"), [
    (None, "", "nl"),
    (None, "en-GB,en;q=0.9", "en"),
    (None, "de-DE,en;q=0.5,nl;q=0.8", "nl"),
    (None, "fr, de", "nl"),
    ("en", "nl", "en"),
    ("xx", "en", "en"),
])
def test_the_language_comes_from_the_cookie_then_accept_language_then_dutch(
        cookie: str | None, header: str, expected: str) -> None:
    request = FakeRequest({"lang": cookie} if cookie else {}, {"accept-language": header})
    assert choose_lang(request) == expected  # type: ignore[arg-type]


def test_dates_are_written_as_people_write_them_in_each_language() -> None:
    day = datetime(2026, 10, 12, 23, 0)
    assert long_date(day, "nl") == "12 oktober 2026"
    assert long_date(day, "en") == "12 October 2026"
    assert long_date(None, "nl") is None


def test_the_number_and_date_filters_follow_the_page_language() -> None:
    env = Environment(autoescape=True)
    install_filters(env)
    template = env.from_string("{{ 3.45|number }} {{ 1234.5|number }} {{ 40|percent }} "
                               "{{ day|date }} {{ none|number }}")
    nl = template.render(lang="nl", day=date(2026, 3, 1), none=None)
    en = template.render(lang="en", day=date(2026, 3, 1), none=None)
    assert nl.startswith("3,4 1.234,5 40% 1 maart 2026")
    assert en.startswith("3.4 1,234.5 40% 1 March 2026")


def test_a_page_is_dutch_by_default_and_english_when_the_switch_says_so(client: Any) -> None:
    dutch = client.get("/", headers={"accept-language": ""})
    assert '<html lang="nl">' in dutch.text and "Heb je een code?" in dutch.text
    english = client.get("/", headers={"accept-language": "en"})
    assert '<html lang="en">' in english.text and "Do you have a code?" in english.text
    switched = client.get("/lang/nl?next=/privacy", headers={"accept-language": "en"})
    assert switched.url.path == "/privacy"
    assert "Zo beschermen we je antwoorden" in switched.text


def test_the_language_switch_refuses_to_leave_the_site(client: Any) -> None:
    response = client.get("/lang/en?next=//evil.example/", follow_redirects=False)
    assert response.headers["location"] == "/"
