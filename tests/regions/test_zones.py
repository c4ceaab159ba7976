"""Each region's time zone from its province code: every province in the shipped registry has
one, and its regencies and cities share it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from app.core.domain import RegionLevel
from app.core.regions.registry import load_regions
from app.core.regions.zones import WIB, WIT, WITA, zone_of

AT = datetime(2026, 11, 29, 0, 0, tzinfo=UTC)

EXPECTED = {
    WIB: {"11", "12", "13", "14", "15", "16", "17", "18", "19", "21"}
    | {"31", "32", "33", "34", "35", "36", "61", "62"},
    WITA: {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"},
    WIT: {"81", "82", "91", "92", "93", "94", "95", "96"},
}


def test_every_province_and_region_in_the_registry_has_its_zone() -> None:
    provinces = {r.code for r in load_regions() if r.level == RegionLevel.PROVINCE}
    assert provinces == set().union(*EXPECTED.values())  # none unmapped, none left over
    for zone, codes in EXPECTED.items():
        for code in codes:
            assert zone_of(code) == zone, code
    for region in load_regions():
        assert region.parent_code is None or zone_of(region.code) == zone_of(region.parent_code)
    counts = Counter(zone_of(r.code).label for r in load_regions())
    assert counts == {"WIB": 319, "WITA": 162, "WIT": 71}  # 552 regions in all


@pytest.mark.parametrize(
    ("code", "name", "label", "hours"),
    [
        ("31.71", "Asia/Jakarta", "WIB", 7),
        ("73.73", "Asia/Makassar", "WITA", 8),
        ("51.71", "Asia/Makassar", "WITA", 8),
        ("94", "Asia/Jayapura", "WIT", 9),
    ],
)
def test_zone_names_labels_and_offsets(code: str, name: str, label: str, hours: int) -> None:
    zone = zone_of(code)
    assert (zone.name, zone.label, zone.tz.key) == (name, label, name)
    assert AT.astimezone(zone.tz).utcoffset() == timedelta(hours=hours)


def test_a_province_indonesia_does_not_have_has_no_zone() -> None:
    for code in ("99", "37.01", "20"):
        with pytest.raises(LookupError):
            zone_of(code)
