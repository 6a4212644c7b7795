"""``Content-Disposition`` for every download, per RFC 6266 (and RFC 8187 for ``filename*``).

File names are built from unit codes and round names, which an administrator imports: they
may hold characters outside Latin-1 (``T€``), quotes or semicolons. Putting them raw into a
header either crashes the response (``UnicodeEncodeError``) or lets the name inject its own
parameters (``filename="x"X;filename=evil.html"``). Here a plain ASCII fallback is given in
``filename`` (anything unsafe becomes ``_``) and the real name, percent-encoded as UTF-8, in
``filename*``, which browsers prefer.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._-]+")
_CONTROL_OR_PATH = re.compile(r"[\x00-\x1f\x7f/\\]+")


def _clean(name: str) -> str:
    """No control characters or path separators, no leading dots, never empty."""
    cleaned = _CONTROL_OR_PATH.sub("_", unicodedata.normalize("NFC", name)).strip().lstrip(".")
    return cleaned[:200] or "download"


def ascii_fallback(name: str) -> str:
    """The name in safe ASCII for old clients: accents dropped, anything else ``_``."""
    folded = unicodedata.normalize("NFKD", _clean(name)).encode("ascii", "ignore").decode()
    safe = _UNSAFE_ASCII.sub("_", folded).strip("_.") or "download"
    return safe


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """The header value: ``attachment; filename="T_.csv"; filename*=UTF-8''T%E2%82%AC.csv``."""
    real = _clean(filename)
    fallback = ascii_fallback(real)
    header = f'{disposition}; filename="{fallback}"'
    if fallback != real:
        header += f"; filename*=UTF-8''{quote(real, safe='')}"
    return header


def download_headers(filename: str) -> dict[str, str]:
    """Headers for a file download: the disposition only (security headers come app-wide)."""
    return {"Content-Disposition": content_disposition(filename)}
