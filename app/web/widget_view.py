"""What the embeddable widget shows: the region's state and cause, since when (the outage's
start, or the last incident's end), the last incident of the past 30 days in one short line,
and its availability to citizens over 30 days; the letter a cutoff cites, a warning (teguran)
in force with its deadline (an operational region under one reads "Peringatan / Warning", not
"Normal"), maintenance under way or next; times in the region's own zone. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.episodes import Episode, episode_seconds, last_ended, region_since
from app.core.regions.overview import AFFECTED
from app.core.regions.zones import Zone, zone_of
from app.core.uptime_maths import Span, uptime
from app.reads.region_shapes import RegionStatus
from app.web.bars import clip
from app.web.chips import Chip, region_chip
from app.web.format import duration, iso, local_time
from app.web.i18n import Lang, reason_label, words
from app.web.region_view import UPTIME_WINDOWS, declared_beside, since_word
from app.web.uptime_text import UptimeFigure, uptime_figure
from app.web.widget_notes import (
    MaintenanceNote,
    WarningNote,
    maintenance_note,
    shown_chip,
    warning_note,
)

LAST_INCIDENT_WITHIN = timedelta(days=30)
REFRESH_SECONDS = 60  # widget.js fetches the widget again this often; a <noscript> meta too


@dataclass(frozen=True, slots=True)
class LastIncident:
    """The incident that ended last, compactly: when it ended and how long it lasted."""

    label: str
    ended_word: str
    ended: str
    ended_iso: str
    duration: str


def last_incident(
    episodes: Sequence[Episode], now: datetime, zone: Zone, lang: Lang
) -> LastIncident | None:
    last = last_ended(episodes, not_before=now - LAST_INCIDENT_WITHIN)
    if last is None or last.ended_at is None:
        return None
    vocabulary = words(lang)
    seconds = episode_seconds(last.started_at, last.ended_at, now)
    return LastIncident(
        label=vocabulary["last_incident"],
        ended_word=vocabulary["ended_word"],
        ended=local_time(last.ended_at, zone, lang, year=False),
        ended_iso=iso(last.ended_at),
        duration=duration(seconds, lang),
    )


@dataclass(frozen=True, slots=True)
class WidgetView:
    lang: Lang
    code: str
    name: str
    chip: Chip
    cause: str
    since: str
    since_iso: str
    since_kind: str  # app.core.episodes.SinceKind
    last_incident: LastIncident | None
    uptime_30d: UptimeFigure  # with its coverage: "9,57 % · data 1 mnt dari 30 hari"
    heading: str
    details: str
    since_word: str
    letter: str = ""  # the reference of the letter a declared cause (a cutoff) cites
    letter_word: str = ""
    warning: WarningNote | None = None  # a warning (teguran) in force, with its deadline
    maintenance: MaintenanceNote | None = None  # under way, or the next within 14 days
    refresh_seconds: int = REFRESH_SECONDS


def widget_view(
    status: RegionStatus,
    spans: Sequence[Span],
    now: datetime,
    lang: Lang,
    *,
    episodes: Sequence[Episode] = (),
) -> WidgetView:
    """`episodes`: the region's recent incidents (its open one and the last ended, at least)."""
    start = now - UPTIME_WINDOWS["30d"]
    result = uptime(clip(spans, start, now), start=start, end=now)
    vocabulary = words(lang)
    zone = zone_of(status.code)
    since = region_since(status.state, status.since, episodes)
    monitored = bool(status.services) or bool(spans)
    declared = declared_beside(status, zone, lang)
    return WidgetView(
        lang=lang,
        code=status.code,
        name=status.name,
        chip=shown_chip(status, region_chip(status.state, monitored, lang), monitored, lang),
        cause=reason_label(status.reason, lang) if status.state in AFFECTED else "",
        since=local_time(since.at, zone, lang),
        since_iso=iso(since.at),
        since_kind=str(since.kind),
        last_incident=last_incident(episodes, now, zone, lang),
        uptime_30d=uptime_figure(result, lang),
        heading=vocabulary["title"],
        details=vocabulary["details"],
        since_word=since_word(since, vocabulary),
        letter=declared.reference if declared else "",
        letter_word=vocabulary["letter"],
        warning=warning_note(status, zone, now, lang),
        maintenance=maintenance_note(status, zone, now, lang),
    )
