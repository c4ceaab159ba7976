"""Everything a region's page and its widget show, as plain values for their templates: state
and cause, what operators declared, uptime by cause over 24 h / 30 d / 90 d, the timeline of
transitions with their sources, and incidents with their updates. Every time and day is the
region's own zone's (WIB, WITA or WIT, from its province). Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.domain import Reason, State, TransitionSource
from app.core.episodes import Episode, Since, SinceKind, region_since
from app.core.letters import letter_path
from app.core.regions.overview import AFFECTED
from app.core.regions.zones import Zone, zone_of
from app.core.uptime_maths import Span, uptime
from app.reads.region_shapes import DeclarationPublic, RegionStatus
from app.store.agents import RegionVantage
from app.store.models import Transition
from app.web.bars import clip, day_grid
from app.web.chips import Bars, Chip, bars_of, chip, region_chip
from app.web.format import duration, iso, local_time, web_link
from app.web.i18n import Lang, category_label, other, reason_label, words
from app.web.notices_view import IncidentLine, incident_line
from app.web.queries import IncidentRecord
from app.web.uptime_text import UptimeFigure, uptime_figure
from app.web.vantage_view import VantageSection, vantage_section

UPTIME_WINDOWS = {"24h": timedelta(hours=24), "30d": timedelta(days=30), "90d": timedelta(days=90)}
_SOURCES: dict[TransitionSource, tuple[str, str]] = {
    TransitionSource.PROBE: ("pemeriksaan otomatis", "automatic check"),
    TransitionSource.OPERATOR: ("pernyataan operator", "operator declaration"),
}
_WINDOW_NAMES = {"24h": ("24 jam", "24 h"), "30d": ("30 hari", "30 d"), "90d": ("90 hari", "90 d")}


@dataclass(frozen=True, slots=True)
class UptimeRow:
    window: str
    figure: UptimeFigure  # the percentage with its coverage
    downtime: str
    by_cause: list[tuple[str, str, str]]  # (category, label, duration)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: str
    at_iso: str
    service: str
    before: Chip
    after: Chip
    cause: str
    category: str
    source: str
    citation: str  # the letter a declared transition cites, if any


@dataclass(frozen=True, slots=True)
class Notice:
    title: str
    detail: str
    url: str | None
    download: str | None = None  # the declaration's letter itself, when attached and public


@dataclass(frozen=True, slots=True)
class Declared:
    """The declaration in force beside an away region's "since": when it was declared, and
    the letter it cites."""

    at: str
    at_iso: str
    reference: str


@dataclass(frozen=True, slots=True)
class ServiceLine:
    name: str
    chip: Chip
    cause: str
    since: str


@dataclass(frozen=True, slots=True)
class RegionPage:
    lang: Lang
    other_lang: Lang
    words: dict[str, str]
    code: str
    name: str
    parent_code: str | None
    parent_name: str | None
    chip: Chip
    cause: str
    category: str
    since: str
    since_iso: str
    since_kind: str  # app.core.episodes.SinceKind
    since_word: str
    declared: Declared | None
    declaration: Notice | None
    warning: Notice | None
    maintenance: list[Notice]
    services: list[ServiceLine]
    uptime: list[UptimeRow]
    monitored_since: str  # where the figures' data begins; "" when never observed
    monitored_since_iso: str
    bars: Bars | None
    timeline: list[TimelineEntry]
    incidents: list[IncidentLine]
    vantage: VantageSection | None


def uptime_rows(spans: Sequence[Span], *, now: datetime, lang: Lang) -> list[UptimeRow]:
    rows = []
    for name, length in UPTIME_WINDOWS.items():
        start = now - length
        result = uptime(clip(spans, start, now), start=start, end=now)
        by_cause = [
            (str(c), category_label(c, lang), duration(seconds, lang))
            for c, seconds in sorted(result.down_by_category.items())
            if seconds > 0
        ]
        label = _WINDOW_NAMES[name][0 if lang == "id" else 1]
        downtime = duration(result.down_seconds, lang)
        rows.append(UptimeRow(label, uptime_figure(result, lang), downtime, by_cause))
    return rows


def source_label(source: TransitionSource, lang: Lang) -> str:
    indonesian, english = _SOURCES[source]
    return indonesian if lang == "id" else english


def timeline_entry(
    transition: Transition, services: Mapping[int, str], zone: Zone, lang: Lang
) -> TimelineEntry:
    reason = Reason(transition.reason)
    cited = (transition.evidence or {}).get("declaration")
    citation = ""
    if isinstance(cited, dict) and cited.get("reference"):
        citation = f"{cited.get('reference')} ({cited.get('issuer', '')})"
    return TimelineEntry(
        at=local_time(transition.at, zone, lang),
        at_iso=iso(transition.at),
        service=services.get(transition.service_id or 0, ""),
        before=chip(State(transition.from_state), lang),
        after=chip(State(transition.to_state), lang),
        cause=reason_label(reason, lang),
        category=str(reason.category),
        source=source_label(TransitionSource(transition.source), lang),
        citation=citation,
    )


def since_word(since: Since, vocabulary: Mapping[str, str]) -> str:
    return vocabulary["monitored_since" if since.kind == SinceKind.MONITORED else "since"]


def episodes_of(records: Sequence[IncidentRecord]) -> list[Episode]:
    return [Episode(r.incident.started_at, r.incident.ended_at) for r in records]


def declared_beside(status: RegionStatus, zone: Zone, lang: Lang) -> Declared | None:
    """The declaration in force, beside the since of a region away."""
    declaration = status.declaration
    if declaration is None or status.state not in AFFECTED:
        return None
    at = declaration.created_at
    return Declared(local_time(at, zone, lang), iso(at), declaration.reference)


def declaration_notice(declaration: DeclarationPublic, zone: Zone, lang: Lang) -> Notice:
    vocabulary = words(lang)
    detail = f"{vocabulary['declaration']} {declaration.reference}, {declaration.issuer}"
    detail += f", {local_time(declaration.issued_at, zone, lang)}"
    if declaration.deadline is not None:
        detail += f"; {vocabulary['deadline']}: {local_time(declaration.deadline, zone, lang)}"
    kind = {
        "cutoff": reason_label(Reason.POLICY_CUTOFF, lang),
        "infrastructure": reason_label(Reason.LOCAL_INFRASTRUCTURE, lang),
        "vpn_fault": reason_label(Reason.NETWORK_VPN, lang),
        "warning": vocabulary["warnings"],
        "lifted": vocabulary["lifted"],
    }.get(str(declaration.kind), str(declaration.kind))
    download = letter_path(declaration.id) if declaration.letter_url else None
    return Notice(kind, detail, web_link(declaration.url), download)


@dataclass(frozen=True, slots=True)
class RegionInputs:
    status: RegionStatus
    parent_name: str | None
    spans: Sequence[Span]
    transitions: Sequence[Transition]
    service_names: Mapping[int, str]
    incidents: Sequence[IncidentRecord]
    vantage: RegionVantage
    agents_stale_since: datetime  # an agent silent since before this is stale
    now: datetime
    monitored_since: datetime | None = None  # the region's services' first transition


def region_page(inputs: RegionInputs, lang: Lang) -> RegionPage:
    status, now = inputs.status, inputs.now
    monitored = bool(status.services) or bool(inputs.spans)
    vocabulary = words(lang)
    zone = zone_of(status.code)
    since = region_since(status.state, status.since, episodes_of(inputs.incidents))
    maintenance = [
        Notice(
            m.title,
            f"{local_time(m.starts_at, zone, lang)} – {local_time(m.ends_at, zone, lang)} "
            f"({vocabulary[m.status]})",
            None,
        )
        for m in status.maintenance
    ]
    return RegionPage(
        lang=lang,
        other_lang=other(lang),
        words=vocabulary,
        code=status.code,
        name=status.name,
        parent_code=status.parent_code,
        parent_name=inputs.parent_name,
        chip=region_chip(status.state, monitored, lang),
        cause=reason_label(status.reason, lang) if status.state in AFFECTED else "",
        category=str(status.category or ""),
        since=local_time(since.at, zone, lang),
        since_iso=iso(since.at),
        since_kind=str(since.kind),
        since_word=since_word(since, vocabulary),
        declared=declared_beside(status, zone, lang),
        declaration=_notice(status.declaration, zone, lang),
        warning=_notice(status.warning, zone, lang),
        maintenance=maintenance,
        services=[
            ServiceLine(
                s.name,
                chip(s.state, lang),
                reason_label(s.reason, lang) if s.state in AFFECTED else "",
                local_time(s.since, zone, lang),
            )
            for s in status.services
        ],
        uptime=uptime_rows(inputs.spans, now=now, lang=lang),
        monitored_since=local_time(inputs.monitored_since, zone, lang),
        monitored_since_iso=iso(inputs.monitored_since),
        bars=_bars(inputs, zone, lang) if monitored else None,
        timeline=[timeline_entry(t, inputs.service_names, zone, lang) for t in inputs.transitions],
        incidents=[incident_line(r, zone, lang, now=now) for r in inputs.incidents],
        vantage=vantage_section(
            inputs.vantage, since=inputs.agents_stale_since, zone=zone, lang=lang
        ),
    )


def _notice(declaration: DeclarationPublic | None, zone: Zone, lang: Lang) -> Notice | None:
    return None if declaration is None else declaration_notice(declaration, zone, lang)


def _bars(inputs: RegionInputs, zone: Zone, lang: Lang) -> Bars:
    """The region's days are its own zone's."""
    grid = day_grid(inputs.now, zone=zone.tz)
    return bars_of(inputs.spans, grid=grid, now=inputs.now, lang=lang)
