"""Language choice and translations (Dutch by default, English available).

Templates use ``jinja2.ext.i18n``; each request gets the gettext functions of its language
in the template context. Catalogues live in ``web/locale`` (``make i18n`` updates them).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from litestar import Request

LANGS = ("nl", "en")
DEFAULT_LANG = "nl"
LANG_COOKIE = "lang"
LOCALE_DIR = Path(__file__).parent / "locale"
# Babel locales for formatting: British English writes "12 October 2026", like Dutch order.
FORMAT_LOCALES = {"nl": "nl_NL", "en": "en_GB"}


def choose_lang(request: Request[Any, Any, Any]) -> str:
    """Cookie first (the switch on every page), then Accept-Language, then Dutch."""
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGS:
        return cookie
    header = request.headers.get("accept-language", "")
    best, best_q = DEFAULT_LANG, -1.0
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if lang in LANGS and quality > best_q:
            best, best_q = lang, quality
    return best


@lru_cache(maxsize=len(LANGS))
def translations(lang: str) -> NullTranslations:
    """Compiled catalogue for ``lang``; msgids are English, so English needs none."""
    if lang == "en":
        return NullTranslations()
    loaded = Translations.load(str(LOCALE_DIR), [lang], domain="messages")
    return loaded


def gettext_context(lang: str) -> dict[str, Any]:
    """The names jinja2.ext.i18n looks up, bound to one language."""
    catalogue = translations(lang)
    return {"gettext": catalogue.gettext, "ngettext": catalogue.ngettext,
            "_": catalogue.gettext}


def format_locale(lang: str | None) -> str:
    """The Babel locale that formats numbers and dates for ``lang``."""
    return FORMAT_LOCALES.get(lang or DEFAULT_LANG, FORMAT_LOCALES[DEFAULT_LANG])


def _lang_of(context: Context) -> str:
    lang = context.get("lang")
    return lang if lang in LANGS else DEFAULT_LANG


def long_date(value: date | datetime | None, lang: str) -> str | None:
    """A date as people write it in ``lang``: "12 oktober 2026" or "12 October 2026"."""
    if value is None:
        return None
    day = value.date() if isinstance(value, datetime) else value
    return format_date(day, format="long", locale=format_locale(lang))


@pass_context
def date_filter(context: Context, value: date | datetime | None, style: str = "long") -> str:
    """``{{ round.closes_at|date }}``: "12 oktober 2026" or "12 October 2026"."""
    if value is None:
        return ""
    day = value.date() if isinstance(value, datetime) else value
    return format_date(day, format=style, locale=format_locale(_lang_of(context)))


@pass_context
def number_filter(context: Context, value: float | int | None, digits: int = 1) -> str:
    """``{{ mean|number }}``: "3,4" in Dutch, "3.4" in English; None becomes a dash."""
    if value is None:
        return "\u2013"
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=format_locale(_lang_of(context)))


@pass_context
def percent_filter(context: Context, value: float | int | None) -> str:
    """``{{ 40|percent }}`` (a share given in whole percent): "40%" in both languages."""
    if value is None:
        return "\u2013"
    return format_percent(value / 100, locale=format_locale(_lang_of(context)))


def install_filters(env: Environment) -> None:
    """Register the locale-aware filters; they read ``lang`` from the page context."""
    env.filters.update({"date": date_filter, "number": number_filter,
                        "percent": percent_filter})
