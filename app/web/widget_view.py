"""What the embeddable widget shows: the region's state and cause, since when, and its
availability to citizens over 30 days. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.core.regions.overview import AFFECTED
from app.core.uptime_maths import Span, uptime
from app.reads.region_shapes import RegionStatus
from app.web.bars import clip
from app.web.chips import Chip, chip
from app.web.format import iso, local_time
from app.web.i18n import Lang, reason_label, words
from app.web.region_view import UPTIME_WINDOWS, percent_text


@dataclass(frozen=True, slots=True)
class WidgetView:
    lang: Lang
    code: str
    name: str
    chip: Chip
    cause: str
    since: str
    since_iso: str
    uptime_30d: str
    heading: str
    details: str
    since_word: str


def widget_view(
    status: RegionStatus, spans: Sequence[Span], now: datetime, lang: Lang
) -> WidgetView:
    start = now - UPTIME_WINDOWS["30d"]
    result = uptime(clip(spans, start, now), start=start, end=now)
    vocabulary = words(lang)
    return WidgetView(
        lang=lang,
        code=status.code,
        name=status.name,
        chip=chip(status.state, lang),
        cause=reason_label(status.reason, lang) if status.state in AFFECTED else "",
        since=local_time(status.since, lang),
        since_iso=iso(status.since),
        uptime_30d=percent_text(result.citizens_percent),
        heading=vocabulary["title"],
        details=vocabulary["details"],
        since_word=vocabulary["since"],
    )
