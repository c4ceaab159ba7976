"""Times and durations as people in Indonesia read them: Western Indonesia Time (WIB), the
offices' most common zone, with Indonesian or English month names. Pure."""

from __future__ import annotations

from datetime import date, datetime

from app.core.regions.zones import Zone
from app.web.bars import JAKARTA
from app.web.i18n import Lang

_MONTHS = {
    "id": ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}


def local_time(at: datetime | None, lang: Lang) -> str:
    if at is None:
        return ""
    try:
        local = at.astimezone(JAKARTA)
    except (OverflowError, ValueError):
        # Year 9999 read in WIB overflows: a bad row may not break the page, so show it as is.
        return iso(at)
    month = _MONTHS[lang][local.month - 1]
    return f"{local.day} {month} {local.year} {local:%H:%M} WIB"


def short_local_time(at: datetime, lang: Lang) -> str:
    """`3 Des 10:00 WIB`: without the year, for recent times where space is short."""
    try:
        local = at.astimezone(JAKARTA)
    except (OverflowError, ValueError):
        return iso(at)
    return f"{local.day} {_MONTHS[lang][local.month - 1]} {local:%H:%M} WIB"


def zoned_time(at: datetime | None, zone: Zone, lang: Lang) -> str:
    """`29 Nov 2026 09:10 WITA`: in the given zone (`app/core/regions/zones.py`), named."""
    if at is None:
        return ""
    try:
        local = at.astimezone(zone.tz)
    except (OverflowError, ValueError):
        return iso(at)
    month = _MONTHS[lang][local.month - 1]
    return f"{local.day} {month} {local.year} {local:%H:%M} {zone.label}"


def local_date(at: date, lang: Lang) -> str:
    return f"{at.day} {_MONTHS[lang][at.month - 1]} {at.year}"


def iso(at: datetime | None) -> str:
    return "" if at is None else at.isoformat().replace("+00:00", "Z")


def duration(seconds: float, lang: Lang) -> str:
    """`2 j 5 mnt` / `2 h 5 min`: the two largest units."""
    total = int(max(0, seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    units = ("hr", "j", "mnt", "dtk") if lang == "id" else ("d", "h", "min", "s")
    parts = [(days, units[0]), (hours, units[1]), (minutes, units[2]), (secs, units[3])]
    shown = [f"{n} {u}" for n, u in parts if n][:2]
    return " ".join(shown) or f"0 {units[3]}"


def web_link(url: object) -> str | None:
    """A letter's link, only if it is http(s): it becomes an `href` on the page."""
    if isinstance(url, str) and url.lower().startswith(("https://", "http://")):
        return url
    return None
