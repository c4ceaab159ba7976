"""Every monitored region's uptime bars for `/`, kept per process between renders and rebuilt
only for the regions whose reads changed.

A region's entry is valid for one local day (the bars' grid) and one key: its non-paused
services, in order, each with `service_fingerprints` of the transitions (and their incidents)
its spans are made of. The key is asked of the database at every render, so a write by
another process (a replica, the CLI) or a transition committed late is seen as surely as by
reading the rows themselves; only the regions whose key changed have their transitions read
and their bars worked out again. Anything else the page shows is not kept here."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.web.bars import DAYS, day_grid
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
            entry = self._entries.get(code)
            if entry is not None and entry[0] == key and entry[1].serves(grid, start):
                found[code] = entry[1]
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

    def clear(self) -> None:
        self._entries.clear()


def _keys(
    region_of: Mapping[int, str], prints: Mapping[int, Hashable], today: date
) -> dict[str, Hashable]:
    services: dict[str, list[tuple[int, Hashable]]] = {}
    for sid in sorted(region_of):  # the order `worst_spans` takes their reasons in
        services.setdefault(region_of[sid], []).append((sid, prints.get(sid)))
    return {code: (today, tuple(found)) for code, found in services.items()}
