"""The shipped Kemendagri registry (app/core/regions/data/regions.csv) and region-code parsing."""

from __future__ import annotations

import pickle
from collections import Counter

import pytest

from app.core.domain import RegionLevel
from app.core.regions.registry import InvalidRegionCode, RegionRecord, load_regions, normalize_code


def by_code() -> dict[str, RegionRecord]:
    return {r.code: r for r in load_regions()}


def test_counts_per_level() -> None:
    counts = Counter(r.level for r in load_regions())
    assert counts[RegionLevel.PROVINCE] == 38
    assert counts[RegionLevel.REGENCY] == 416
    assert counts[RegionLevel.CITY] == 98
    assert len(load_regions()) == 38 + 416 + 98


def test_papua_provinces_after_the_split() -> None:
    regions = by_code()
    expected = {
        "91": "Papua",
        "92": "Papua Barat",
        "93": "Papua Selatan",
        "94": "Papua Tengah",
        "95": "Papua Pegunungan",
        "96": "Papua Barat Daya",
    }
    for code, name in expected.items():
        assert regions[code].name == name
        assert regions[code].level is RegionLevel.PROVINCE
        assert regions[code].parent_code is None


def test_palopo() -> None:
    regions = by_code()
    palopo = regions["73.73"]
    assert palopo == RegionRecord("73.73", "Kota Palopo", RegionLevel.CITY, "73")
    assert regions["73"].name == "Sulawesi Selatan"
    assert regions["73"].level is RegionLevel.PROVINCE


def test_every_parent_is_an_existing_province() -> None:
    regions = by_code()
    for record in regions.values():
        if record.level is RegionLevel.PROVINCE:
            assert record.parent_code is None
            continue
        assert record.parent_code is not None
        assert record.code.startswith(f"{record.parent_code}.")
        assert regions[record.parent_code].level is RegionLevel.PROVINCE


def test_codes_unique_normalised_and_in_order() -> None:
    codes = [r.code for r in load_regions()]
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)
    assert all(normalize_code(c) == c for c in codes)


def test_level_follows_the_code_rule() -> None:
    for record in load_regions():
        parts = record.code.split(".")
        if len(parts) == 1:
            assert record.level is RegionLevel.PROVINCE
        elif 1 <= int(parts[1]) <= 69:
            assert record.level is RegionLevel.REGENCY
        else:
            assert 71 <= int(parts[1]) <= 99
            assert record.level is RegionLevel.CITY


def test_names_carry_their_kind() -> None:
    for record in load_regions():
        if record.level is RegionLevel.REGENCY:
            assert record.name.startswith("Kabupaten ")
        elif record.level is RegionLevel.CITY:
            assert record.name.startswith("Kota ")
        else:
            assert not record.name.startswith(("Kabupaten", "Kota", "Provinsi"))
        assert record.name == record.name.strip()
        assert record.name != record.name.upper()


def test_load_regions_is_cached_and_immutable() -> None:
    first = load_regions()
    assert load_regions() is first
    with pytest.raises(AttributeError):
        first[0].name = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("73", "73"),
        ("73.73", "73.73"),
        ("7373", "73.73"),
        (" 73.73 ", "73.73"),
        ("\t7373\n", "73.73"),
        ("11", "11"),
        ("99.99", "99.99"),
        ("31.01", "31.01"),
        ("9101", "91.01"),
    ],
)
def test_normalize_code_accepts(raw: str, expected: str) -> None:
    assert normalize_code(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "7",
        "737",
        "73.7",
        "7.373",
        "73.",
        ".73",
        "73..73",
        "73 73",
        "73-73",
        "73.73.01",
        "737301",
        "73.73.01.1001",
        "10",
        "00",
        "05.01",
        "73.00",
        "7300",
        "ab",
        "73.ab",
        "73a",
        "+73",
        "٧٣",  # Arabic-Indic digits are not Kemendagri codes
    ],
)
def test_normalize_code_rejects(raw: str) -> None:
    with pytest.raises(InvalidRegionCode) as info:
        normalize_code(raw)
    assert info.value.raw == raw
    assert isinstance(info.value, ValueError)


def test_invalid_region_code_message_and_pickle() -> None:
    error = InvalidRegionCode("737")
    assert "'737'" in str(error)
    again = pickle.loads(pickle.dumps(error))
    assert isinstance(again, InvalidRegionCode)
    assert again.raw == "737"
