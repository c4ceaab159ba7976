"""Times, dates and numbers as people in Indonesia read them, Indonesian or English. Pure: the
one place pages, the widget, feeds and mails word an instant or a figure.

- An instant is always shown in a zone, and the zone is named: `4 Des 2026 14.05 WITA` /
  `4 Dec 2026 14:05 WITA`. A region's views read its own zone
  (`app.core.regions.zones.zone_of`), national views WIB (`zones.view_zone(None)`).
- Indonesian writes a decimal comma and a thousands point, a space before `%` and a point
  between hours and minutes (`5,32 %`, `1.234`, `14.05`); English `5.32%`, `1,234`, `14:05`.
- Months are abbreviated in the page's language (`Agu`, `Des` / `Aug`, `Dec`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from app.core.regions.zones import Zone

__all__ = [
    "Lang",
    "clock",
    "decimal",
    "iso",
    "local_date",
    "local_time",
    "percent_text",
    "whole",
]

Lang = Literal["id", "en"]

MONTHS: dict[Lang, tuple[str, ...]] = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
_INDONESIAN_MARKS = str.maketrans(",.", ".,")


def _marks(text: str, lang: Lang) -> str:
    """Python writes `1,234.5`; Indonesian `1.234,5`."""
    return text.translate(_INDONESIAN_MARKS) if lang == "id" else text


def whole(value: int, lang: Lang) -> str:
    """`1.234` / `1,234`."""
    return _marks(f"{value:,d}", lang)


def decimal(value: float, places: int, lang: Lang) -> str:
    """`1.234,57` / `1,234.57` (rounded to `places`)."""
    return _marks(f"{value:,.{places}f}", lang)


def percent_text(value: float, lang: Lang, *, places: int = 2) -> str:
    """`5,32 %` / `5.32%`."""
    digits = decimal(value, places, lang)
    return f"{digits} %" if lang == "id" else f"{digits}%"


def clock(local: datetime, lang: Lang) -> str:
    """`14.05` / `14:05`: hours and minutes of an already local time."""
    return f"{local:%H.%M}" if lang == "id" else f"{local:%H:%M}"


def local_date(day: date, lang: Lang, *, year: bool = True) -> str:
    """`4 Des 2026` / `4 Dec 2026`; `4 Des` without the year."""
    shown = f"{day.day} {MONTHS[lang][day.month - 1]}"
    return f"{shown} {day.year}" if year else shown


def local_time(at: datetime | None, zone: Zone, lang: Lang, *, year: bool = True) -> str:
    """`4 Des 2026 14.05 WITA` / `4 Dec 2026 14:05 WITA`: `at` in `zone`, named; without the
    year (`4 Des 14.05 WITA`) where space is short and the time recent; `""` for no time."""
    if at is None:
        return ""
    try:
        local = at.astimezone(zone.tz)
    except (OverflowError, ValueError):
        # Year 9999 read east of UTC overflows: a bad row may not break a page, so show it as is.
        return iso(at)
    return f"{local_date(local.date(), lang, year=year)} {clock(local, lang)} {zone.label}"


def iso(at: datetime | None) -> str:
    """RFC 3339 as stored (UTC, `Z`): for `<time datetime>` and machines; `""` for none."""
    return "" if at is None else at.isoformat().replace("+00:00", "Z")
