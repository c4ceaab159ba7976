"""Durations and links as the pages word them; times, dates and numbers come from
`app/core/local_format.py` (always in a named zone, Indonesian or English forms). Pure."""

from __future__ import annotations

from app.core.local_format import iso, local_date, local_time
from app.web.i18n import Lang

__all__ = ["duration", "iso", "local_date", "local_time", "web_link"]


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
