"""Indonesia's three time zones and the zone of each region, from its province code. Pure.

WIB (Asia/Jakarta, UTC+7): Sumatra, Java, West and Central Kalimantan. WITA (Asia/Makassar,
UTC+8): Bali, Nusa Tenggara, South, East and North Kalimantan, Sulawesi. WIT (Asia/Jayapura,
UTC+9): Maluku and Papua. A regency or city shares its province's zone. National views (the
status page, the country's feed) read WIB, where most offices and the central services are.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

__all__ = ["NATIONAL", "WIB", "WIT", "WITA", "Zone", "view_zone", "zone_of"]


@dataclass(frozen=True, slots=True)
class Zone:
    name: str  # the IANA name, e.g. "Asia/Makassar"
    label: str  # "WIB", "WITA" or "WIT", as Indonesians write it after a time
    tz: ZoneInfo


WIB = Zone("Asia/Jakarta", "WIB", ZoneInfo("Asia/Jakarta"))
WITA = Zone("Asia/Makassar", "WITA", ZoneInfo("Asia/Makassar"))
WIT = Zone("Asia/Jayapura", "WIT", ZoneInfo("Asia/Jayapura"))
NATIONAL = WIB  # the zone of views of the whole country

_PROVINCES: dict[Zone, tuple[int, ...]] = {
    WIB: (*range(11, 20), 21, *range(31, 37), 61, 62),
    WITA: (51, 52, 53, 63, 64, 65, *range(71, 77)),
    WIT: (81, 82, *range(91, 97)),
}
_ZONE_OF_PROVINCE = {f"{p:02d}": zone for zone, codes in _PROVINCES.items() for p in codes}


def zone_of(code: str) -> Zone:
    """The zone of a region by its Kemendagri code (`73`, `73.73`); LookupError for a
    province code Indonesia does not have."""
    try:
        return _ZONE_OF_PROVINCE[code[:2]]
    except KeyError:
        raise LookupError(f"no time zone known for region code {code!r}") from None


def view_zone(code: str | None) -> Zone:
    """The zone a view reads its times in: a region's or a province's own (`73.73`, `73`), or
    WIB for the whole country (None)."""
    return NATIONAL if code is None else zone_of(code)
