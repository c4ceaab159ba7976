"""The outage report over a date range, as the JSON and CSV routes and the `/reports` page read
it: each episode overlapping the range with its region, province, cause, letter and times in
the region's own zone; each region's downtime by cause, policy cutoffs and coverage; the
national ranking by policy downtime. The rules are in `app/core/reports.py`."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import Category, Reason
from app.core.errors import InvalidInput
from app.core.incidents import timeline_of
from app.core.instants import stored_instant
from app.core.regions.zones import Zone, zone_of
from app.core.reports import (
    EpisodeFacts,
    Ranked,
    RegionTotals,
    ReportRange,
    citation_for_cause,
    overlap_seconds,
    policy_ranking,
    region_totals,
    safe_cell,
    whole_seconds,
)
from app.core.uptime_coverage import Coverage, coverage_of, monitored_since
from app.core.uptime_maths import service_spans, uptime, worst_spans
from app.store.history import first_transitions, uptime_marks
from app.store.incidents import declarations_cited
from app.store.models import Incident
from app.store.regions import Place, places
from app.store.reports import incidents_overlapping, watched_services_of

MAX_EPISODES = 10_000
TOO_MANY_EPISODES = "too_many_episodes"  # the 422's `type`
CSV_HEADER = (
    "region_code",
    "region_name",
    "province",
    "category",
    "reason",
    "started",
    "ended",
    "duration_seconds",
    "letter_reference",
    "letter_issuer",
    "letter_date",
    "letter_url",
)


@dataclass(frozen=True, slots=True)
class Letter:
    """A letter an episode's transitions cite (public fields only)."""

    kind: str
    reference: str
    issuer: str
    issued_at: datetime | None
    url: str | None
    letter_path: str | None = None  # the letter itself, when attached and public

    def letter_url(self, base_url: str) -> str | None:
        return None if self.letter_path is None else f"{base_url}{self.letter_path}"


@dataclass(frozen=True, slots=True)
class ReportEpisode:
    facts: EpisodeFacts
    place: Place
    zone: Zone
    seconds: float  # the whole episode, until now while open
    seconds_in_range: float
    letter: Letter | None  # the one it is reported under
    letters: list[Letter]  # every letter cited, in order

    @property
    def started_local(self) -> datetime:
        return self.facts.started_at.astimezone(self.zone.tz)

    @property
    def ended_local(self) -> datetime | None:
        ended = self.facts.ended_at
        return None if ended is None else ended.astimezone(self.zone.tz)


@dataclass(frozen=True, slots=True)
class ReportRegion:
    place: Place
    totals: RegionTotals
    coverage: Coverage  # of the range up to now
    monitored_since: datetime | None


@dataclass(frozen=True, slots=True)
class OutageReport:
    range: ReportRange
    region: str | None
    category: Category | None
    generated_at: datetime
    episodes: list[ReportEpisode]
    regions: list[ReportRegion]
    ranking: list[Ranked]


async def outage_report(
    session: AsyncSession,
    window: ReportRange,
    *,
    region: str | None,
    category: Category | None,
    now: datetime,
) -> OutageReport:
    """The report; more than `MAX_EPISODES` episodes is a 422 asking for a narrower one."""
    rows = await incidents_overlapping(
        session,
        start=window.start,
        end=window.end,
        region_prefix=region,
        category=category,
        limit=MAX_EPISODES + 1,
    )
    if len(rows) > MAX_EPISODES:
        message = (
            f"more than {MAX_EPISODES} episodes in this range: narrow the dates, the region "
            "or the category"
        )
        first = window.first.isoformat()
        raise InvalidInput(("query", "from"), message, first, kind=TOO_MANY_EPISODES)
    facts = [_facts(row) for row in rows]
    cited = await declarations_cited(session, [f.id for f in facts])
    totals = region_totals(facts, window, now)
    named = await places(session, totals.keys())
    episodes = [
        _episode(f, named.get(f.region_code), cited.get(f.id, []), window, now) for f in facts
    ]
    regions = await _regions(session, totals, named, window, now)
    return OutageReport(
        range=window,
        region=region,
        category=category,
        generated_at=now,
        episodes=episodes,
        regions=regions,
        ranking=policy_ranking(totals),
    )


def _facts(incident: Incident) -> EpisodeFacts:
    assert incident.id is not None
    return EpisodeFacts(
        id=incident.id,
        region_code=incident.region_code,
        category=Category(incident.category),
        reason=Reason(incident.reason),
        started_at=incident.started_at,
        ended_at=incident.ended_at,
        timeline=timeline_of(incident.reason_timeline),
    )


def _place(code: str, place: Place | None) -> Place:
    return place if place is not None else Place(code, code, None, None)


def _episode(
    facts: EpisodeFacts,
    place: Place | None,
    citations: Sequence[Mapping[str, object]],
    window: ReportRange,
    now: datetime,
) -> ReportEpisode:
    letters = [_letter(c) for c in citations]
    chosen = citation_for_cause(citations)
    return ReportEpisode(
        facts=facts,
        place=_place(facts.region_code, place),
        zone=zone_of(facts.region_code),
        seconds=whole_seconds(facts, now),
        seconds_in_range=overlap_seconds(
            facts.started_at, facts.ended_at, start=window.start, end=window.end, now=now
        ),
        letter=None if chosen is None else _letter(chosen),
        letters=letters,
    )


def _letter(citation: Mapping[str, object]) -> Letter:
    def text(key: str) -> str:
        value = citation.get(key)
        return value if isinstance(value, str) else ""

    url, path = citation.get("url"), citation.get("letter_path")
    return Letter(
        kind=text("kind"),
        reference=text("reference"),
        issuer=text("issuer"),
        issued_at=stored_instant(citation.get("issued_at")),
        url=url if isinstance(url, str) else None,
        letter_path=path if isinstance(path, str) else None,
    )


async def _regions(
    session: AsyncSession,
    totals: Mapping[str, RegionTotals],
    named: Mapping[str, Place],
    window: ReportRange,
    now: datetime,
) -> list[ReportRegion]:
    """Each region's coverage of the range up to now: the share its services observed
    (`app/core/uptime_coverage.py`), and since when they are monitored."""
    end = max(window.start, min(window.end, now))
    services = await watched_services_of(session, totals.keys())
    ids = [i for found in services.values() for i in found]
    marks = await uptime_marks(session, service_ids=ids, start=window.start, end=end)
    firsts = await first_transitions(session, service_ids=ids)
    regions = []
    for code, region in totals.items():
        own = services.get(code, [])
        spans = worst_spans(
            [service_spans(marks.get(i, []), start=window.start, end=end) for i in own]
        )
        observed = uptime(spans, start=window.start, end=end)
        regions.append(
            ReportRegion(
                place=_place(code, named.get(code)),
                totals=region,
                coverage=coverage_of(observed),
                monitored_since=monitored_since(firsts.get(i) for i in own),
            )
        )
    return regions


def csv_filename(first: date, last: date) -> str:
    return f"pantau-outages-{first.isoformat()}-{last.isoformat()}.csv"


def outage_csv(report: OutageReport, base_url: str) -> str:
    """One row per episode under `CSV_HEADER`: times in the region's zone with their offset,
    the letter's date as the day it bears there, the letter itself below `base_url` when it
    is public; text cells safe from formula injection."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for e in report.episodes:
        ended = e.ended_local
        letter = e.letter
        issued = letter.issued_at if letter is not None else None
        writer.writerow(
            [
                e.place.code,
                safe_cell(e.place.name),
                safe_cell(e.place.province_name or ""),
                str(e.facts.category),
                str(e.facts.reason),
                e.started_local.isoformat(),
                "" if ended is None else ended.isoformat(),
                f"{e.seconds:.0f}",
                safe_cell(letter.reference if letter else ""),
                safe_cell(letter.issuer if letter else ""),
                "" if issued is None else issued.astimezone(e.zone.tz).date().isoformat(),
                (letter.letter_url(base_url) if letter else None) or "",
            ]
        )
    return out.getvalue()
