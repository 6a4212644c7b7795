"""Dates and times as Dutch administrators read and type them (Europe/Amsterdam).

Stored times are UTC (naive from SQLite); forms use ``<input type="datetime-local">``,
whose value has no offset and means local time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from web.i18n import format_locale

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")


class MomentError(ValueError):
    """A date-time field that is not a date-time."""


def as_utc(value: datetime) -> datetime:
    """A stored time as an aware UTC time (SQLite gives it back without an offset)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def show_moment(value: datetime | None, lang: str, style: str = "long") -> str:
    """"1 december 2026 09:00" ("1 dec 2026 09:00" short) in Dutch local time; "" if unset."""
    if value is None:
        return ""
    local = as_utc(value).astimezone(LOCAL_TZ)
    pattern = "d MMM y HH:mm" if style == "short" else "d MMMM y HH:mm"
    return format_datetime(local, pattern, locale=format_locale(lang))


def parse_local(raw: str) -> datetime | None:
    """A datetime-local form value ("2026-12-01T09:00") read as Dutch time; empty is None."""
    text = raw.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise MomentError(text) from exc
    return parsed.replace(tzinfo=LOCAL_TZ) if parsed.tzinfo is None else parsed
