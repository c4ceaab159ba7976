"""The status page's search box and what a search leaves of its province list, and the
suggestions of a region page asked for by a name that is no one region's. Labels are bilingual,
Indonesian first. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from app.core.regions.search import Match, region_index
from app.web.status_view import ProvinceBlock

SUGGESTIONS = 5


@dataclass(frozen=True, slots=True)
class SearchBox:
    """The search form; `query` and `summary` are empty without a search."""

    query: str
    summary_id: str
    summary_en: str
    shown: int  # regencies and cities listed
    label_id: str = "Cari kabupaten, kota atau provinsi"
    label_en: str = "Find a regency, city or province"
    submit_id: str = "Cari"
    submit_en: str = "Search"
    show_all_id: str = "Tampilkan semua"
    show_all_en: str = "Show all"
    # Filtering as one types (search.js) says this when nothing is left.
    none_id: str = "Tidak ada daerah yang cocok."
    none_en: str = "No region matches."


def search_box(query: str | None, provinces: Sequence[ProvinceBlock]) -> SearchBox:
    if query is None:
        return SearchBox("", "", "", 0)
    shown = sum(len(p.regions) for p in provinces)
    if not provinces:
        return SearchBox(
            query,
            f"Tidak ada daerah yang cocok dengan “{query}”.",
            f"No region matches “{query}”.",
            0,
        )
    return SearchBox(
        query,
        f"{shown} kabupaten/kota cocok dengan “{query}”.",
        f"{shown} {'regency or city matches' if shown == 1 else 'regencies and cities match'} "
        f"“{query}”.",
        shown,
    )


def search_provinces(provinces: Sequence[ProvinceBlock], query: str) -> list[ProvinceBlock]:
    """The provinces a search leaves, open, best match first: a province that matches with
    all its regencies and cities, another with only those that match (best first)."""
    ranks = {match.code: rank for rank, match in enumerate(region_index().search(query))}
    kept: list[tuple[int, ProvinceBlock]] = []
    for province in provinces:
        if province.code in ranks:
            kept.append((ranks[province.code], replace(province, is_open=True)))
            continue
        regions = sorted(
            (r for r in province.regions if r.code in ranks), key=lambda r: ranks[r.code]
        )
        if regions:
            best = ranks[regions[0].code]
            kept.append((best, replace(province, regions=regions, is_open=True)))
    return [province for _, province in sorted(kept, key=lambda item: item[0])]


def suggestions(query: str) -> list[Match]:
    """The regions a 404 page offers for a name that is no one region's, best first."""
    return region_index().search(query)[:SUGGESTIONS]
