"""What the widget says beside a region's state, in the few words a 320 × 150 frame holds: the
letter a declared cause (a cutoff) cites, a warning (teguran) in force with its deadline, and
the maintenance under way or coming next. Times in the region's own zone. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.core.local_format import clock
from app.core.regions.zones import Zone
from app.core.warned import WARNING_STATE, shows_warning
from app.reads.region_shapes import RegionStatus
from app.web.chips import Chip
from app.web.format import iso, local_time
from app.web.i18n import Lang, words


@dataclass(frozen=True, slots=True)
class WarningNote:
    """ "Surat teguran 470/0999/Dukcapil, tenggat 5 Des 10.00 WITA"."""

    label: str
    reference: str
    deadline_word: str
    deadline: str  # "" when the letter set none
    deadline_iso: str


@dataclass(frozen=True, slots=True)
class MaintenanceNote:
    """ "Pemeliharaan: Migrasi data SIAK, 3 Des 10.00 – 12.00 WITA"."""

    label: str
    title: str
    period: str
    starts_iso: str
    ends_iso: str
    in_progress: bool


def warning_chip(lang: Lang) -> Chip:
    return Chip(WARNING_STATE, words(lang)["warning_state"])


def shown_chip(status: RegionStatus, chip: Chip, monitored: bool, lang: Lang) -> Chip:
    """The widget's chip: the warning state for an operational region under a warning
    (app/core/warned.py), else the region's own."""
    warned = status.warning is not None
    if shows_warning(status.state, warned=warned, monitored=monitored):
        return warning_chip(lang)
    return chip


def brief_time(at: datetime, zone: Zone, now: datetime, lang: Lang) -> str:
    """`5 Des 10.00 WITA`; with the year when it is not this year's."""
    other_year = at.astimezone(zone.tz).year != now.astimezone(zone.tz).year
    return local_time(at, zone, lang, year=other_year)


def period_text(starts: datetime, ends: datetime, zone: Zone, now: datetime, lang: Lang) -> str:
    """`3 Des 10.00 – 12.00 WITA` within a day, `3 Des 22.00 – 4 Des 02.00 WITA` across two."""
    first = brief_time(starts, zone, now, lang).removesuffix(f" {zone.label}")
    end = ends.astimezone(zone.tz)
    if starts.astimezone(zone.tz).date() == end.date():
        return f"{first} – {clock(end, lang)} {zone.label}"
    return f"{first} – {brief_time(ends, zone, now, lang)}"


def warning_note(status: RegionStatus, zone: Zone, now: datetime, lang: Lang) -> WarningNote | None:
    warning = status.warning
    if warning is None:
        return None
    vocabulary = words(lang)
    deadline = warning.deadline
    return WarningNote(
        label=vocabulary["warning_letter"],
        reference=warning.reference,
        deadline_word=vocabulary["deadline"].lower(),
        deadline="" if deadline is None else brief_time(deadline, zone, now, lang),
        deadline_iso=iso(deadline),
    )


def maintenance_note(
    status: RegionStatus, zone: Zone, now: datetime, lang: Lang
) -> MaintenanceNote | None:
    """The first maintenance under way or coming (the region status lists the next 14 days'),
    earliest first."""
    if not status.maintenance:
        return None
    first = status.maintenance[0]
    return MaintenanceNote(
        label=words(lang)["maintenance_short"],
        title=first.title,
        period=period_text(first.starts_at, first.ends_at, zone, now, lang),
        starts_iso=iso(first.starts_at),
        ends_iso=iso(first.ends_at),
        in_progress=first.status == "in_progress",
    )
