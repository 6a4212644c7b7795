"""Rendering helpers shared by the page controllers."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template

from web.i18n import choose_lang, gettext_context


def page(request: Request[Any, Any, Any], template: str, *, status_code: int = 200,
         user: Any = None, **context: Any) -> Template:
    """A template with what every page needs: language, gettext, path and the user."""
    lang = context.pop("lang", None) or choose_lang(request)
    full = {"lang": lang, "path": request.url.path, "user": user, **gettext_context(lang),
            **context}
    return Template(template_name=template, context=full, status_code=status_code)
