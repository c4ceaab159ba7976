"""The region search on the pages, without JavaScript, over the real app on SQLite and
PostgreSQL: `/?q=` lists only what matches (with its province), best first, with a way back to
everything; `/regions/{name}` redirects to the one region it names, or suggests."""

from __future__ import annotations

import re

import httpx

from app.main import create_app
from tests.conftest import make_settings
from tests.support.pages import assert_csp_friendly


def region_list(body: str) -> str:
    """The status page's province list (the map beside it names every region too)."""
    found = re.search(r'<section aria-labelledby="regions-h">(.*?)</section>', body, re.S)
    assert found is not None
    return found.group(1)


def listed(body: str) -> tuple[list[str], list[str]]:
    """(provinces, regencies and cities) in the list, in order."""
    section = region_list(body)
    return (
        re.findall(r'<details class="province" data-province="([\d.]+)"', section),
        re.findall(r'<li class="region" data-code="([\d.]+)"', section),
    )


async def test_search_lists_only_what_matches(client: httpx.AsyncClient) -> None:
    response = await client.get("/", params={"q": "palopo"})
    assert response.status_code == 200
    body = response.text
    assert listed(body) == (["73"], ["73.73"])
    section = region_list(body)
    assert "Kota Palopo" in section and "Aceh" not in section
    assert re.search(r'<details class="province" data-province="73" open>', section)
    assert 'name="q" value="palopo"' in body
    assert "1 kabupaten/kota cocok dengan “palopo”." in section
    show_all = re.search(r'<a href="(/\?lang=id#regions-h)" data-role="show-all">(.*?)</a>', body)
    assert show_all is not None
    assert re.sub(r"<[^>]+>", "", show_all.group(2)) == "Tampilkan semua / Show all"
    assert "Cari kabupaten, kota atau provinsi" in body
    assert "Find a regency, city or province" in body
    assert '<script src="/static/search.js" defer></script>' in body
    assert_csp_friendly(body)

    luwu = (await client.get("/", params={"q": "luwu", "lang": "en"})).text
    assert listed(luwu) == (["73"], ["73.17", "73.22", "73.24"])  # best match first
    assert "3 regencies and cities match “luwu”." in luwu
    # The language switch keeps the search.
    assert 'href="?q=luwu&amp;lang=id"' in luwu

    typo = (await client.get("/", params={"q": "palapo"})).text
    assert listed(typo) == (["73"], ["73.73"])
    bogor = (await client.get("/", params={"q": "kota bogor"})).text
    assert listed(bogor) == (["32"], ["32.71", "32.01"])
    province = (await client.get("/", params={"q": "sulawesi selatan"})).text
    assert listed(province)[0][0] == "73" and len(listed(province)[1]) >= 24

    nothing = (await client.get("/", params={"q": "xyzzy"})).text
    assert listed(nothing) == ([], [])
    assert "Tidak ada daerah yang cocok dengan “xyzzy”." in nothing


async def test_no_query_lists_everything_and_a_bad_one_is_422(client: httpx.AsyncClient) -> None:
    for params in ({}, {"q": ""}, {"q": "  "}):
        body = (await client.get("/", params=params)).text
        provinces, places = listed(body)
        assert (len(provinces), len(places)) == (38, 514), params
        assert 'name="q" value=""' in body and 'data-role="show-all"' not in body
    for bad in ("x" * 101, "palo\npo"):
        response = await client.get("/", params={"q": bad})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "q"]


async def test_region_by_name_redirects_or_suggests(client: httpx.AsyncClient) -> None:
    for path, location in [
        ("/regions/palopo", "/regions/73.73"),
        ("/regions/kota-palopo", "/regions/73.73"),
        ("/regions/Kota%20Palopo?lang=en", "/regions/73.73?lang=en"),
        ("/regions/kab-luwu", "/regions/73.17"),
        ("/regions/kota-bogor", "/regions/32.71"),
    ]:
        response = await client.get(path)
        assert response.status_code == 302, path
        assert response.headers["location"] == location, path
    landed = await client.get("/regions/palopo", follow_redirects=True)
    assert landed.status_code == 200 and "Kota Palopo" in landed.text

    typo = await client.get("/regions/palapo")
    assert typo.status_code == 404
    assert "Mungkin maksud Anda" in typo.text and "Did you mean" in typo.text
    link = r'<a href="/regions/73\.73\?lang=id" data-code="73\.73">Kota Palopo</a>'
    assert re.search(link, typo.text)
    assert_csp_friendly(typo.text)

    both = await client.get("/regions/bogor", params={"lang": "en"})
    assert both.status_code == 404
    assert re.findall(r'data-code="([\d.]+)"', both.text)[:2] == ["32.01", "32.71"]

    for nothing in ("/regions/99.99", "/regions/xyzzy"):
        response = await client.get(nothing)
        assert response.status_code == 404
        assert 'data-role="suggestions"' not in response.text


async def test_a_name_redirect_uses_the_public_url(database_url: str) -> None:
    public = "https://pantau.example.go.id"
    app = create_app(make_settings(database_url, public_url=public))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://evil.example") as c:
            response = await c.get("/regions/palopo", params={"lang": "en"})
    assert response.status_code == 302
    assert response.headers["location"] == f"{public}/regions/73.73?lang=en"
