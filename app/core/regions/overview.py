"""Region rows + their services' states, grouped → every region's current state, the way the
status summary, the region list and the Statuspage feed read it. Pure.

A regency's or city's state is the worst of its non-paused services, since the earliest of
them to enter it. A province summarises its own services and all of its regencies' and
cities': the worst of them, with that one's reason. A region with no such service is
`unknown` (not monitored).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.core.domain import Category, Reason, RegionLevel, State

AFFECTED = frozenset({State.OUTAGE, State.DEGRADED, State.MAINTENANCE})


@dataclass(frozen=True, slots=True)
class RegionRow:
    code: str
    name: str
    level: RegionLevel
    parent_code: str | None


@dataclass(frozen=True, slots=True)
class StateGroup:
    """A region's non-paused services that share a state and a reason."""

    region_code: str
    state: State
    reason: Reason | None
    since: datetime | None  # the earliest of them to enter the state
    services: int


@dataclass(frozen=True, slots=True)
class RegionView:
    row: RegionRow
    state: State
    reason: Reason | None
    since: datetime | None
    services: int  # non-paused services counted (a province's include its regions')
    services_down: int  # of which in outage
    categories: frozenset[Category]  # causes of the counted services not operational
    children: tuple[str, ...] = ()  # a province's regencies and cities

    @property
    def code(self) -> str:
        return self.row.code

    @property
    def is_province(self) -> bool:
        return self.row.level == RegionLevel.PROVINCE

    @property
    def is_monitored(self) -> bool:
        return self.services > 0

    @property
    def is_affected(self) -> bool:
        return self.state in AFFECTED


def blast_words(affected: int, total: int, monitored: int) -> tuple[str, str]:
    """The blast radius with its denominator, Indonesian and English: how many of the
    regencies and cities are affected, and how many are watched at all."""
    return (
        f"{affected} dari {total} kabupaten/kota terdampak, {monitored} dipantau",
        f"{affected} of {total} regencies/cities affected, {monitored} monitored",
    )


def state_counts(views: Iterable[RegionView]) -> dict[State, int]:
    counts = dict.fromkeys(State, 0)
    for view in views:
        counts[view.state] += 1
    return counts


@dataclass(frozen=True, slots=True)
class Overview:
    regions: dict[str, RegionView]  # in code order

    def regencies_and_cities(self) -> list[RegionView]:
        return [v for v in self.regions.values() if not v.is_province]

    def provinces(self) -> list[RegionView]:
        return [v for v in self.regions.values() if v.is_province]

    def children_of(self, province: RegionView) -> list[RegionView]:
        return [self.regions[code] for code in province.children]

    def select(
        self,
        *,
        level: RegionLevel | None = None,
        parent: str | None = None,
        province: str | None = None,
        state: State | None = None,
        category: Category | None = None,
    ) -> list[RegionView]:
        """Regions in code order matching every filter given; `province` keeps the province
        and its regencies and cities."""
        found = []
        for view in self.regions.values():
            row = view.row
            if level is not None and row.level != level:
                continue
            if parent is not None and row.parent_code != parent:
                continue
            if province is not None and province not in (row.code, row.parent_code):
                continue
            if state is not None and view.state != state:
                continue
            if category is not None and category not in view.categories:
                continue
            found.append(view)
        return found


def _view(row: RegionRow, groups: Sequence[StateGroup], children: tuple[str, ...]) -> RegionView:
    if not groups:
        return RegionView(row, State.UNKNOWN, None, None, 0, 0, frozenset(), children)
    worst = max(groups, key=lambda g: g.state.severity).state
    peers = [g for g in groups if g.state == worst]
    first = min(peers, key=lambda g: (g.since is None, g.since or datetime.max))
    return RegionView(
        row=row,
        state=worst,
        reason=first.reason,
        since=first.since,
        services=sum(g.services for g in groups),
        services_down=sum(g.services for g in groups if g.state == State.OUTAGE),
        categories=frozenset(g.reason.category for g in groups if g.state in AFFECTED and g.reason),
        children=children,
    )


def build_overview(rows: Sequence[RegionRow], groups: Sequence[StateGroup]) -> Overview:
    own: dict[str, list[StateGroup]] = defaultdict(list)
    for group in groups:
        own[group.region_code].append(group)
    children: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row.parent_code is not None:
            children[row.parent_code].append(row.code)
    regions = {}
    for row in sorted(rows, key=lambda r: r.code):
        if row.level == RegionLevel.PROVINCE:
            kids = tuple(children[row.code])
            pool = own[row.code] + [g for code in kids for g in own[code]]
            regions[row.code] = _view(row, pool, kids)
        else:
            regions[row.code] = _view(row, own[row.code], ())
    return Overview(regions)
