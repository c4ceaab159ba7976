"""Everything the status page shows, as plain values for its template: the national picture,
active waves (one banner each), provinces with their regencies and cities, incidents,
warnings, maintenance and uptime bars, in one language; times in WIB, named (a national view).
Pure."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.core.domain import Category, State, worst_state
from app.core.overrides import ScheduledWindow
from app.core.regions.overview import Overview, RegionView, blast_words, state_counts
from app.core.regions.zones import NATIONAL
from app.core.uptime_maths import Span
from app.store.declarations import Declaration
from app.store.waves import WaveRecord
from app.web.bars import DayGrid, day_grid
from app.web.chips import Bars, Chip, bars_of, region_chip
from app.web.format import iso, local_time
from app.web.i18n import Lang, category_label, other, reason_label, state_label, words
from app.web.notices_view import (
    IncidentLine,
    MaintenanceLine,
    WarningLine,
    incident_line,
    maintenance_line,
    warning_line,
)
from app.web.queries import IncidentRecord
from app.web.region_bars import RegionBars
from app.web.wave_view import WaveBanner, wave_banner

COUNTED_CAUSES = [
    Category.NETWORK,
    Category.POLICY,
    Category.UPSTREAM,
    Category.LOCAL,
    Category.MAINTENANCE,
    Category.PERFORMANCE,
]


@dataclass(frozen=True, slots=True)
class RegionLine:
    code: str
    name: str
    chip: Chip
    cause: str
    category: str
    since: str
    since_iso: str
    bars: Bars | None  # None when not monitored


@dataclass(frozen=True, slots=True)
class ProvinceBlock:
    code: str
    name: str
    chip: Chip
    cause: str
    affected: int
    total: int
    monitored: int
    is_open: bool
    regions: list[RegionLine]


@dataclass(frozen=True, slots=True)
class Count:
    key: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class StatusPage:
    lang: Lang
    other_lang: Lang
    words: dict[str, str]
    overall: Chip
    blast: str
    blast_other: str
    affected: int
    total: int
    counts: list[Count]
    causes: list[Count]
    updated: str
    updated_iso: str
    live_stream: str
    incidents: list[IncidentLine]
    warnings: list[WarningLine]
    maintenance: list[MaintenanceLine]
    provinces: list[ProvinceBlock]
    waves: list[WaveBanner]


def blast_text(affected: int, total: int, monitored: int, lang: Lang) -> str:
    indonesian, english = blast_words(affected, total, monitored)
    return indonesian if lang == "id" else english


def region_line(view: RegionView, bars: Bars | None, lang: Lang) -> RegionLine:
    return RegionLine(
        code=view.code,
        name=view.row.name,
        chip=region_chip(view.state, view.is_monitored, lang),
        cause=reason_label(view.reason, lang) if view.is_affected else "",
        category=str(view.reason.category) if view.reason else "",
        since=local_time(view.since, NATIONAL, lang),
        since_iso=iso(view.since),
        bars=bars,
    )


def province_block(
    overview: Overview,
    province: RegionView,
    bars: Callable[[RegionView], Bars | None],
    lang: Lang,
) -> ProvinceBlock:
    children = overview.children_of(province)
    affected = sum(1 for c in children if c.is_affected)
    return ProvinceBlock(
        code=province.code,
        name=province.row.name,
        chip=region_chip(province.state, province.is_monitored, lang),
        cause=reason_label(province.reason, lang) if province.is_affected else "",
        affected=affected,
        total=len(children),
        monitored=sum(1 for c in children if c.is_monitored),
        is_open=affected > 0,
        regions=[region_line(c, bars(c), lang) for c in children],
    )


def bars_drawer(
    inputs: StatusInputs, grid: DayGrid, lang: Lang
) -> Callable[[RegionView], Bars | None]:
    """A monitored region's bars, from the kept ones (`inputs.bars`) when given, else from
    its spans; the same either way."""
    now, kept, spans = inputs.now, inputs.bars, inputs.spans

    def draw(view: RegionView) -> Bars | None:
        if not view.is_monitored:
            return None
        found = None if kept is None else kept.get(view.code)
        if found is not None:
            return found.bars(grid, now, lang)
        return bars_of(spans.get(view.code, []), grid=grid, now=now, lang=lang)

    return draw


@dataclass(frozen=True, slots=True)
class StatusInputs:
    """What the page is built from: the overview and what `queries` read."""

    overview: Overview
    spans: Mapping[str, Sequence[Span]]
    incidents: Sequence[IncidentRecord]
    warnings: Sequence[Declaration]
    maintenance: Sequence[ScheduledWindow]
    names: Mapping[str, str]
    updated_at: datetime | None
    now: datetime
    newest_transition_id: int = 0  # the live stream resumes after it
    waves: Sequence[WaveRecord] = ()  # the active ones
    bars: Mapping[str, RegionBars] | None = None  # kept between renders (bars_cache.py)


def _count_label(state: State, vocabulary: Mapping[str, str], lang: Lang) -> str:
    return vocabulary["unknown_count"] if state == State.UNKNOWN else state_label(state, lang)


def status_page(inputs: StatusInputs, lang: Lang) -> StatusPage:
    overview, now = inputs.overview, inputs.now
    regions = overview.regencies_and_cities()
    affected = sum(1 for v in regions if v.is_affected)
    monitored = sum(1 for v in regions if v.is_monitored)
    by_state = state_counts(regions)
    vocabulary = words(lang)
    bars = bars_drawer(inputs, day_grid(now), lang)
    return StatusPage(
        lang=lang,
        other_lang=other(lang),
        words=vocabulary,
        overall=region_chip(worst_state([v.state for v in regions]), monitored > 0, lang),
        blast=blast_text(affected, len(regions), monitored, lang),
        blast_other=blast_text(affected, len(regions), monitored, other(lang)),
        affected=affected,
        total=len(regions),
        counts=[Count(str(s), _count_label(s, vocabulary, lang), by_state[s]) for s in State],
        causes=[
            Count(str(c), category_label(c, lang), sum(1 for v in regions if c in v.categories))
            for c in COUNTED_CAUSES
        ],
        updated=local_time(inputs.updated_at, NATIONAL, lang),
        updated_iso=iso(inputs.updated_at),
        live_stream=f"/api/v1/events?last_event_id={inputs.newest_transition_id}",
        incidents=[incident_line(r, NATIONAL, lang, now=now) for r in _outside_waves(inputs)],
        warnings=[warning_line(w, inputs.names, NATIONAL, lang) for w in inputs.warnings],
        maintenance=[
            maintenance_line(w, inputs.names, now, NATIONAL, lang) for w in inputs.maintenance
        ],
        provinces=[province_block(overview, p, bars, lang) for p in overview.provinces()],
        waves=[wave_banner(w, now, NATIONAL, lang) for w in inputs.waves],
    )


def _outside_waves(inputs: StatusInputs) -> list[IncidentRecord]:
    """Incidents not told by a wave's banner already: a member region's incident is the wave."""
    members = {code for wave in inputs.waves for code in wave.regions}
    waves = {wave.id for wave in inputs.waves}
    return [
        record
        for record in inputs.incidents
        if record.incident.region_code not in members and record.incident.wave_id not in waves
    ]
