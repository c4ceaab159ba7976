"""The outage report over a date range: episodes clipped to the range, downtime per cause,
policy cutoffs counted, the national ranking by policy downtime, and CSV cells safe to open
in a spreadsheet. Pure.

**The range.** `from` and `to` are calendar days, both included, read in WIB (Asia/Jakarta,
the zone of the capital and of most offices, the one national figures are quoted in): the
range is [00:00 WIB of `from`, 00:00 WIB of the day after `to`). Ranges of more than
`MAX_DAYS` days, or ending before they begin, are refused. Times of each episode are shown in
its own region's zone (`app/core/regions/zones.py`).

**Clipping.** An episode counts within the range for the part of [started, ended) that lies
in [range start, range end), and never beyond `now`: an open episode lasts until now.

**Downtime per cause.** An episode's time in the range is split by the causes of its reason
timeline (`app/core/incidents.py`: spans {reason, from, until}), each span clipped the same
way; an episode without a timeline (recorded before timelines were kept) counts wholly under
its governing cause's category. It is time away from operational: a `performance` episode is
slow service, not none. An episode governed by a cutoff counts its outage time as policy
downtime from its start, even where the probes read timeouts before the letter came
(`app/core/incidents.downtime_reason`): the cut is as long as the episode.

**Policy cutoffs** are the episodes whose governing cause is policy (a cutoff, suspected or
declared, applied at some point). The **ranking** orders the regions with any policy downtime
in the range, most first; equal figures share a rank (1, 1, 3).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from app.core.domain import Category, Reason
from app.core.incidents import ReasonSpan, downtime_reason
from app.core.regions.zones import WIB

MAX_DAYS = 400
DEFAULT_DAYS = 30
REPORT_ZONE = WIB
# Characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ReportRange:
    first: date  # `from`, included
    last: date  # `to`, included
    start: datetime  # 00:00 WIB of `first`
    end: datetime  # 00:00 WIB of the day after `last`

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def range_problem(first: date, last: date) -> tuple[str, str] | None:
    """(the field at fault, why) when the range cannot be reported on; None when it can."""
    if first > last:
        return "to", "`to` must not be before `from`"
    if (last - first).days + 1 > MAX_DAYS:
        return "to", f"a report covers at most {MAX_DAYS} days"
    return None


def report_range(first: date, last: date) -> ReportRange:
    """The instants of the calendar days `first` … `last` in WIB (check `range_problem`)."""
    return ReportRange(first, last, _midnight(first), _midnight(last + timedelta(days=1)))


def default_days(now: datetime, last: date | None = None) -> tuple[date, date]:
    """`DEFAULT_DAYS` days ending on `last`, by default today (in WIB)."""
    end = last if last is not None else now.astimezone(REPORT_ZONE.tz).date()
    return end - timedelta(days=DEFAULT_DAYS - 1), end


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=REPORT_ZONE.tz)


@dataclass(frozen=True, slots=True)
class EpisodeFacts:
    """One incident as the report reads it."""

    id: int
    region_code: str
    category: Category  # of the governing cause
    reason: Reason  # the governing cause
    started_at: datetime
    ended_at: datetime | None
    timeline: tuple[ReasonSpan, ...] = ()


def overlap_seconds(
    started_at: datetime,
    ended_at: datetime | None,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> float:
    """Seconds of [started_at, ended_at or now) inside [start, min(end, now))."""
    a = max(started_at, start)
    b = min(ended_at if ended_at is not None else now, end, now)
    return max(0.0, (b - a).total_seconds())


def whole_seconds(episode: EpisodeFacts, now: datetime) -> float:
    """The episode's whole length: until its end, or until now while open."""
    end = episode.ended_at if episode.ended_at is not None else max(now, episode.started_at)
    return max(0.0, (end - episode.started_at).total_seconds())


def downtime_by_category(
    episode: EpisodeFacts, window: ReportRange, now: datetime
) -> dict[Category, float]:
    """The episode's seconds in the range, by cause (see the module's docstring)."""
    if not episode.timeline:
        seconds = overlap_seconds(
            episode.started_at, episode.ended_at, start=window.start, end=window.end, now=now
        )
        return {episode.category: seconds} if seconds > 0 else {}
    # Spans count within the episode as well as within the range.
    start = max(window.start, episode.started_at)
    end = window.end if episode.ended_at is None else min(window.end, episode.ended_at)
    result: dict[Category, float] = {}
    for span in episode.timeline:
        # A span still open ends with its episode (or now, while the episode is open).
        until = span.ended_at if span.ended_at is not None else episode.ended_at
        seconds = overlap_seconds(span.started_at, until, start=start, end=end, now=now)
        if seconds > 0:
            category = downtime_reason(span.reason, episode.reason).category
            result[category] = result.get(category, 0.0) + seconds
    return result


@dataclass(slots=True)
class RegionTotals:
    """One region's figures over the range."""

    region_code: str
    episodes: int = 0
    policy_cutoffs: int = 0
    downtime_by_category: dict[Category, float] = field(default_factory=dict)

    @property
    def downtime_seconds(self) -> float:
        return sum(self.downtime_by_category.values())

    @property
    def policy_seconds(self) -> float:
        return self.downtime_by_category.get(Category.POLICY, 0.0)


def region_totals(
    episodes: Iterable[EpisodeFacts], window: ReportRange, now: datetime
) -> dict[str, RegionTotals]:
    """Per region with any episode, in code order."""
    totals: dict[str, RegionTotals] = {}
    for episode in episodes:
        region = totals.setdefault(episode.region_code, RegionTotals(episode.region_code))
        region.episodes += 1
        region.policy_cutoffs += episode.category == Category.POLICY
        for category, seconds in downtime_by_category(episode, window, now).items():
            region.downtime_by_category[category] = (
                region.downtime_by_category.get(category, 0.0) + seconds
            )
    return dict(sorted(totals.items()))


@dataclass(frozen=True, slots=True)
class Ranked:
    rank: int
    region_code: str
    policy_seconds: float
    policy_cutoffs: int


def policy_ranking(totals: Mapping[str, RegionTotals]) -> list[Ranked]:
    """Regions with any policy downtime, most first (then by code); ties share a rank."""
    cut = sorted(
        (t for t in totals.values() if t.policy_seconds > 0),
        key=lambda t: (-t.policy_seconds, t.region_code),
    )
    ranked: list[Ranked] = []
    for position, region in enumerate(cut, start=1):
        tied = ranked and ranked[-1].policy_seconds == region.policy_seconds
        rank = ranked[-1].rank if tied else position
        ranked.append(
            Ranked(rank, region.region_code, region.policy_seconds, region.policy_cutoffs)
        )
    return ranked


def citation_for_cause(citations: Sequence[Mapping[str, object]]) -> Mapping[str, object] | None:
    """The letter an episode is reported under: the first cited that declared something (a
    cutoff, an infrastructure or VPN fault), else the first cited at all (a lifting)."""
    declaring = [c for c in citations if c.get("kind") != "lifted"]
    chosen = declaring or list(citations)
    return chosen[0] if chosen else None


def safe_cell(value: str) -> str:
    """A text cell a spreadsheet will not run: one starting like a formula gets a leading `'`."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value
