"""What incidents and operators add to a page: incidents with the letters they cite and their
updates, warnings (teguran) with deadlines, maintenance coming up, their times in the page's
zone (a region's own, WIB nationally). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core.domain import Category, Reason, State
from app.core.episodes import episode_seconds
from app.core.overrides import ScheduledWindow
from app.core.regions.zones import Zone
from app.store.declarations import Declaration
from app.web.chips import Chip, chip
from app.web.format import duration, iso, local_time, web_link
from app.web.i18n import Lang, category_label, reason_label
from app.web.queries import IncidentRecord


@dataclass(frozen=True, slots=True)
class Letter:
    kind: str
    reference: str
    issuer: str
    url: str | None
    issued: str
    download: str | None = None  # the letter itself, when attached and public


@dataclass(frozen=True, slots=True)
class IncidentLine:
    id: int
    region_code: str
    region_name: str
    chip: Chip
    state: str  # "active" or "ended"
    category: str
    category_label: str
    cause: str
    since: str  # when it started
    since_iso: str
    ended: str
    ended_iso: str
    duration: str  # until its end, or until now while active
    letters: list[Letter]
    updates: list[tuple[str, str]]  # (when, text)


@dataclass(frozen=True, slots=True)
class WarningLine:
    region_code: str
    region_name: str
    reference: str
    issuer: str
    url: str | None
    deadline: str
    deadline_iso: str


@dataclass(frozen=True, slots=True)
class MaintenanceLine:
    title: str
    targets: str
    starts: str
    ends: str
    in_progress: bool


def letter(citation: Mapping[str, Any], zone: Zone, lang: Lang) -> Letter:
    issued = citation.get("issued_at")
    when = datetime.fromisoformat(issued) if isinstance(issued, str) else None
    return Letter(
        kind=str(citation.get("kind", "")),
        reference=str(citation.get("reference", "")),
        issuer=str(citation.get("issuer", "")),
        url=web_link(citation.get("url")),
        issued=local_time(when, zone, lang),
        download=_path(citation.get("letter_path")),
    )


def _path(value: object) -> str | None:
    """A link within this site (what `declarations_cited` gives), else nothing."""
    return value if isinstance(value, str) and value.startswith("/api/") else None


def incident_line(record: IncidentRecord, zone: Zone, lang: Lang, *, now: datetime) -> IncidentLine:
    """An active incident since its start, with the time elapsed; an ended one from its start
    to its end, with its duration; times in `zone`."""
    incident = record.incident
    updates = [
        (local_time(u.created_at, zone, lang), u.body_id if lang == "id" else u.body_en)
        for u in record.updates
    ]
    category = Category(incident.category)
    seconds = episode_seconds(incident.started_at, incident.ended_at, now)
    return IncidentLine(
        id=incident.id or 0,
        region_code=incident.region_code,
        region_name=record.region_name,
        chip=chip(State(incident.worst_state), lang),
        state="active" if incident.ended_at is None else "ended",
        category=str(category),
        category_label=category_label(category, lang),
        cause=reason_label(Reason(incident.reason), lang),
        since=local_time(incident.started_at, zone, lang),
        since_iso=iso(incident.started_at),
        ended=local_time(incident.ended_at, zone, lang),
        ended_iso=iso(incident.ended_at),
        duration=duration(seconds, lang),
        letters=[letter(c, zone, lang) for c in record.citations],
        updates=updates,
    )


def warning_line(
    warning: Declaration, names: Mapping[str, str], zone: Zone, lang: Lang
) -> WarningLine:
    return WarningLine(
        region_code=warning.region_code,
        region_name=names.get(warning.region_code, warning.region_code),
        reference=warning.reference,
        issuer=warning.issuer,
        url=web_link(warning.url),
        deadline=local_time(warning.deadline, zone, lang),
        deadline_iso=iso(warning.deadline),
    )


def maintenance_line(
    window: ScheduledWindow, names: Mapping[str, str], now: datetime, zone: Zone, lang: Lang
) -> MaintenanceLine:
    first = window.occurrences[0]
    targets = [names.get(code, code) for code in window.regions]
    if window.service_ids:
        count = len(window.service_ids)
        targets.append(f"{count} layanan" if lang == "id" else f"{count} service(s)")
    return MaintenanceLine(
        title=window.title,
        targets=", ".join(targets),
        starts=local_time(first.starts_at, zone, lang),
        ends=local_time(first.ends_at, zone, lang),
        in_progress=first.contains(now),
    )
