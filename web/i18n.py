"""Language choice and translations (Dutch by default, English available).

Templates use ``jinja2.ext.i18n``; each request gets the gettext functions of its language
in the template context. Catalogues live in ``web/locale`` (``make i18n`` updates them).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations
from litestar import Request

LANGS = ("nl", "en")
DEFAULT_LANG = "nl"
LANG_COOKIE = "lang"
LOCALE_DIR = Path(__file__).parent / "locale"


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
