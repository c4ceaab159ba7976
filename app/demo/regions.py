"""Which regions the demo monitors and the part each plays. Pure: works on registry records.

About sixty regencies and cities from every province, so the status page shows a national
picture, and always Kota Palopo, whose cutoff is the reason Pantau exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from app.core.domain import RegionLevel
from app.core.regions.registry import RegionRecord

PALOPO = "73.73"  # Kota Palopo: probes time out, then the cutoff letter is declared
WARNED = "73.17"  # Kabupaten Luwu: a teguran (warning) with a deadline, no cut yet
NETWORK_DOWN = "81.71"  # Kota Ambon: the office's endpoint refuses connections
FLAPPING = "82.71"  # Kota Ternate: timeouts that come and go, with no letter behind them
SLOW = "91.71"  # Kota Jayapura: answers, but slowly
MAINTAINED = "51.71"  # Kota Denpasar: a planned maintenance window
FEATURED = (PALOPO, WARNED, NETWORK_DOWN, FLAPPING, SLOW, MAINTAINED)

REGION_COUNT = 60
# Above the default central-wave share (0.3 of monitored regions) with room to spare.
WAVE_SIZE = 22


def pick_regions(
    records: Iterable[RegionRecord],
    *,
    count: int = REGION_COUNT,
    featured: Sequence[str] = FEATURED,
) -> tuple[str, ...]:
    """The featured codes, then one regency or city per province in turn (cities first), so
    every province appears before any appears twice."""
    by_province: dict[str, list[RegionRecord]] = {}
    for record in records:
        if record.parent_code is not None:
            by_province.setdefault(record.parent_code, []).append(record)
    known = {r.code for children in by_province.values() for r in children}
    missing = [code for code in featured if code not in known]
    if missing:
        raise ValueError(f"featured regions not in the registry: {', '.join(missing)}")
    queues = [
        sorted(children, key=lambda r: (r.level != RegionLevel.CITY, r.code))
        for _, children in sorted(by_province.items())
    ]
    picked = list(dict.fromkeys(featured))
    for rank in range(max((len(q) for q in queues), default=0)):
        for queue in queues:
            if len(picked) >= count:
                return tuple(picked)
            if rank < len(queue) and queue[rank].code not in picked:
                picked.append(queue[rank].code)
    return tuple(picked)


def wave_regions(regions: Sequence[str], *, size: int = WAVE_SIZE) -> tuple[str, ...]:
    """Regions hit by the central wave: none with a story of their own. `pick_regions` lists
    one per province first, so these span many provinces."""
    return tuple(code for code in regions if code not in FEATURED)[:size]
