"""The map of Indonesia (#18): the shipped asset covers the registry; `/map.svg` is an SVG
document with a linked, titled path per regency and city; `/` draws the same map inline,
coloured by state and cause; a region page draws its province. Over the real app, on SQLite
and PostgreSQL, like the other page tests."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime

import httpx

from app.core.domain import Reason, State
from app.core.regions.overview import Overview, RegionRow, StateGroup, build_overview
from app.core.regions.registry import load_regions
from app.store.db import Database
from app.web.map_view import geometry, national_map, province_map, shape_class
from tests.support.pages import assert_csp_friendly, seed_country

SVG_NS = "{http://www.w3.org/2000/svg}"
PLACES = [r for r in load_regions() if r.parent_code is not None]
PROVINCES = [r for r in load_regions() if r.parent_code is None]


def map_path(body: str, code: str) -> str:
    """The `<path>` element of one region in a page or document."""
    found = re.search(rf'<path data-region="{re.escape(code)}"[^>]*>', body)
    assert found is not None, code
    return found.group(0)


def css_of(element: str) -> set[str]:
    found = re.search(r'class="([^"]*)"', element)
    assert found is not None, element
    return set(found.group(1).split())


def test_asset_covers_every_regency_city_and_province() -> None:
    shapes = geometry()
    assert len(PLACES) == 514
    assert list(shapes.country.paths) == [r.code for r in PLACES]  # none missing, no stranger
    assert sorted(shapes.outlines) == sorted(shapes.provinces) == [p.code for p in PROVINCES]
    for province in PROVINCES:
        members = [r.code for r in PLACES if r.parent_code == province.code]
        assert list(shapes.provinces[province.code].paths) == members
    assert 1000 <= shapes.country.width <= 1600
    assert all(d.startswith("M") and d.endswith("z") for d in shapes.country.paths.values())


def _overview(state: State, reason: Reason | None, *, code: str = "73.73") -> Overview:
    rows = [RegionRow(r.code, r.name, r.level, r.parent_code) for r in load_regions()]
    since = datetime(2026, 12, 1, 3, 0)
    return build_overview(rows, [StateGroup(code, state, reason, since, 1)])


def test_shape_classes_and_titles_follow_state_and_cause() -> None:
    overview = _overview(State.OUTAGE, Reason.POLICY_CUTOFF)
    assert shape_class(overview.regions["73.73"]) == "state-outage cause-policy"
    assert shape_class(overview.regions["73.71"]) == "state-unknown"
    view = national_map(overview, "en", in_wave={"73.73", "73.72"})
    shapes = {s.code: s for s in view.shapes}
    assert len(shapes) == 514
    assert shapes["73.73"].css == "state-outage cause-policy in-wave"
    assert shapes["73.73"].title.startswith("Kota Palopo — Terputus: ")
    assert " / Outage: " in shapes["73.73"].title  # Indonesian first, English beside it
    assert shapes["73.71"].title == "Kota Makassar — Tidak dipantau / Not monitored"
    operational = _overview(State.OPERATIONAL, Reason.OK).regions["73.73"]
    assert shape_class(operational) == "state-operational"
    assert [item.swatch for item in view.legend][:3] == ["c-ok", "c-network", "c-policy"]
    assert view.legend[-1].shape == "state-unknown"
    province = province_map(overview, "73", "id", current="73.73")
    assert province is not None
    assert {s.code for s in province.shapes} == {r.code for r in PLACES if r.parent_code == "73"}
    assert "current" in {s.code: s for s in province.shapes}["73.73"].css
    assert province_map(overview, "10", "id", current=None) is None


async def test_map_svg_is_a_document_with_a_link_per_region(client: httpx.AsyncClient) -> None:
    response = await client.get("/map.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    etag = response.headers["etag"]
    again = await client.get("/map.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG_NS}svg"
    paths = [p for p in root.iter(f"{SVG_NS}path") if p.get("data-region")]
    assert [p.get("data-region") for p in paths] == [r.code for r in PLACES]
    links = list(root.iter(f"{SVG_NS}a"))
    assert len(links) == 514
    palopo = next(a for a in links if a.get("href") == "/regions/73.73")
    title = palopo.find(f"{SVG_NS}title")
    assert title is not None and title.text == "Kota Palopo — Tidak dipantau / Not monitored"
    style = root.find(f"{SVG_NS}style")
    assert style is not None and style.text is not None
    assert "--policy:" in style.text and ".map-shapes .cause-policy" in style.text
    key = " ".join(t.text or "" for t in root.iter(f"{SVG_NS}text"))
    assert "Tidak dipantau / Not monitored" in key and "diputus pusat / cut off" in key


async def test_status_page_draws_the_map_coloured_by_state_and_cause(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    await seed_country(client, database, admin_headers)  # Palopo cut off, Makassar up
    body = (await client.get("/")).text
    assert body.count("<path data-region=") == 514
    assert css_of(map_path(body, "73.73")) == {"state-outage", "cause-policy"}
    assert css_of(map_path(body, "73.71")) == {"state-operational"}
    assert css_of(map_path(body, "31.71")) == {"state-unknown"}
    link = re.search(
        r'<a href="/regions/73\.73\?lang=id" tabindex="-1"><title>([^<]*)</title>', body
    )
    assert link is not None
    assert link.group(1) == (
        "Kota Palopo — Terputus: Pemutusan akses oleh pusat"
        " / Outage: Access cut off by central authority"
    )
    legend = body.split('class="map-legend"')[1].split("</ul>")[0]
    assert "Tidak dipantau" in legend and "Not monitored" in legend
    assert_csp_friendly(body)
    svg = (await client.get("/map.svg")).text  # rebuilt for the new data version
    assert css_of(map_path(svg, "73.73")) == {"state-outage", "cause-policy"}


async def test_region_page_draws_its_province(client: httpx.AsyncClient) -> None:
    body = (await client.get("/regions/73.73")).text
    drawn = re.findall(r'<path data-region="([\d.]+)"', body)
    members = [r.code for r in PLACES if r.parent_code == "73"]
    assert drawn == [c for c in members if c != "73.73"] + ["73.73"]  # its outline on top
    assert css_of(map_path(body, "73.73")) == {"state-unknown", "current"}
    assert '<a href="/regions/73.71?lang=id"><title>' in body  # in the tab order here
    assert_csp_friendly(body)
    province = (await client.get("/regions/73", params={"lang": "en"})).text
    assert re.findall(r'<path data-region="([\d.]+)"', province) == members
    assert "current" not in css_of(map_path(province, "73.73"))
    assert "Status map of Sulawesi Selatan" in province
