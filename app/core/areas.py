"""A key's area: the place a region-bound API key may act on. Pure: no I/O.

An area is a region code. A province's code (`73`, Sulawesi Selatan) covers the province
itself and every regency and city in it (`73.73` Kota Palopo, `73.17` Kabupaten Luwu); a
regency's or city's code (`73.73`) covers itself alone. No area (None) is the whole country:
admins and unbound keys. The whole country itself, something that concerns no one region
(a subscription without region filters, say), is `NATIONAL`, covered only by no area.

The containment rule is the one a webhook filter's region prefix follows
(`events.region_matches`): a key bound to `73` acts on what a subscription to `73` hears about.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from app.core.events import region_matches

NATIONAL: None = None  # a target that is the whole country, not one region


def covers(area: str | None, code: str | None) -> bool:
    """Whether an `area` (None: anywhere) covers the region `code` (None: the whole country)."""
    if area is None:
        return True
    return code is not None and region_matches(code, area)


def first_outside(area: str | None, codes: Sequence[str]) -> tuple[int, str | None] | None:
    """The first of `codes` the area does not cover, with its index; None when it covers all.
    No codes at all is the whole country (a filter that admits every region): index 0, None."""
    if area is None:
        return None
    if not codes:
        return 0, NATIONAL
    return next(((i, code) for i, code in enumerate(codes) if not covers(area, code)), None)


def within(area: str | None, codes: Iterable[str]) -> bool:
    """Whether every one of `codes` lies in the area, and there is at least one (see above)."""
    return first_outside(area, list(codes)) is None
