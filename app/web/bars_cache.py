"""Every monitored region's uptime bars for `/`, kept per process between renders and rebuilt
only for the regions whose reads changed.

A region's entry is valid for one local day (the bars' grid) and one key: its non-paused
services, in order, each with `service_fingerprints` of the transitions (and their incidents)
its spans are made of. The key is asked of the database at every render, so a write by
another process (a replica, the CLI) or a transition committed late is seen as surely as by
reading the rows themselves; only the regions whose key changed have their transitions read
and their bars worked out again. Anything else the page shows is not kept here."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Hashable, Mapping, Sequence
from datetime import date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.store.db import Database
from app.web.bars import DAYS, DayGrid, day_grid
from app.web.i18n import Lang
from app.web.queries import service_fingerprints, spans_of_services, watched_regions
from app.web.region_bars import OPEN_END, RegionBars, region_bars


class BarsCache:
    """One per process (`app.state.bars_cache`). Renders may interleave at their awaits: each
    answers from the entries it found valid and the ones it built, whatever the other does
    to the entries meanwhile (entries are replaced whole, never changed)."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[Hashable, RegionBars]] = {}
        self.rebuilt = 0  # regions worked out again, for tests and the benchmark

    async def regions(self, session: AsyncSession, *, now: datetime) -> dict[str, RegionBars]:
        """Each monitored region's bars as of `now`'s day, for `RegionBars.bars(grid, now, …)`."""
        start, grid = now - timedelta(days=DAYS), day_grid(now)
        region_of = await watched_regions(session)
        prints = await service_fingerprints(session, start=start, end=now)
        keys = _keys(region_of, prints, grid.dates[-1])
        found: dict[str, RegionBars] = {}
        for code, key in keys.items():
            if self._valid(code, key, grid, start):
                found[code] = self._entries[code][1]
        # Taken before the read below: a render that interleaves there may replace or drop
        # entries, never this one's answer.
        stale = keys.keys() - found.keys()
        if stale:
            wanted = {sid: code for sid, code in region_of.items() if code in stale}
            spans = await spans_of_services(session, wanted, start=start, end=now, until=OPEN_END)
            for code in stale:
                found[code] = region_bars(spans[code], grid, start=start)
                self._entries[code] = (keys[code], found[code])
            self.rebuilt += len(stale)
        for code in self._entries.keys() - keys.keys():  # no longer monitored
            del self._entries[code]
        return found

    async def warm(
        self,
        database: Database,
        *,
        now: datetime,
        langs: Sequence[Lang] = ("id", "en"),
        per_read: int = 64,
        turn_seconds: float = 0.005,
    ) -> int:
        """Fill the entries a render at `now` would need, as that render would: `per_read`
        regions' spans a read, and back to the event loop whenever `turn_seconds` went by
        without it, so that a request served meanwhile waits about that long at most. The
        closed days are drawn in `langs` too. Returns how many regions were worked out. A
        render racing it stays exact: it keeps only entries whose key it asked itself, and
        an entry built here from rows newer than its key is rebuilt by the next render."""
        start, grid = now - timedelta(days=DAYS), day_grid(now)
        async with database.read() as session:
            region_of = await watched_regions(session)
            prints = await service_fingerprints(session, start=start, end=now)
        keys = _keys(region_of, prints, grid.dates[-1])
        stale = sorted(
            code for code, key in keys.items() if not self._valid(code, key, grid, start)
        )
        built = 0
        for first in range(0, len(stale), per_read):
            codes = stale[first : first + per_read]
            chosen = set(codes)
            wanted = {sid: code for sid, code in region_of.items() if code in chosen}
            async with database.read() as session:
                spans = await spans_of_services(
                    session, wanted, start=start, end=now, until=OPEN_END
                )
            turned = time.perf_counter()
            for code in codes:
                kept = self._entries.get(code)
                if kept is not None and kept[1].today > grid.dates[-1]:
                    continue  # a render after midnight got there first: keep its day
                found = region_bars(spans[code], grid, start=start)
                for lang in langs:
                    found.prepare(lang)
                self._entries[code] = (keys[code], found)
                built += 1
                if time.perf_counter() - turned > turn_seconds:
                    await asyncio.sleep(0)
                    turned = time.perf_counter()
            await asyncio.sleep(0)
        self.rebuilt += built
        return built

    def _valid(self, code: str, key: Hashable, grid: DayGrid, start: datetime) -> bool:
        entry = self._entries.get(code)
        return entry is not None and entry[0] == key and entry[1].serves(grid, start)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()


def _keys(
    region_of: Mapping[int, str], prints: Mapping[int, Hashable], today: date
) -> dict[str, Hashable]:
    services: dict[str, list[tuple[int, Hashable]]] = {}
    for sid in sorted(region_of):  # the order `worst_spans` takes their reasons in
        services.setdefault(region_of[sid], []).append((sid, prints.get(sid)))
    return {code: (today, tuple(found)) for code, found in services.items()}
