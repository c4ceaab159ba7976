from __future__ import annotations

import httpx
import pytest


async def test_region_by_compact_code_is_palopo(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/regions/7373")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "73.73"
    assert body["name"] == "Kota Palopo"
    assert body["level"] == "city"
    assert body["parent_code"] == "73"
    assert body["state"] == "unknown"
    assert body["reason"] is None and body["since"] is None
    assert body["services"] == [] and body["declaration"] is None


async def test_parent_province_is_sulawesi_selatan(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/regions/73")).json()
    assert (body["name"], body["level"], body["parent_code"]) == (
        "Sulawesi Selatan",
        "province",
        None,
    )


async def test_unknown_code_is_404_naming_the_code(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/regions/99.99")
    assert response.status_code == 404
    assert "99.99" in response.json()["detail"]


@pytest.mark.parametrize("bad", ["abc", "737", "73.7", "73.73.01", "7a73"])
async def test_malformed_code_is_422_naming_the_field(client: httpx.AsyncClient, bad: str) -> None:
    response = await client.get(f"/api/v1/regions/{bad}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "code"]


async def test_counts_by_level(client: httpx.AsyncClient) -> None:
    totals = {}
    for level in ("province", "regency", "city"):
        response = await client.get("/api/v1/regions", params={"level": level, "limit": 1})
        totals[level] = response.json()["total"]
    assert totals == {"province": 38, "regency": 416, "city": 98}


async def test_filter_by_parent_and_paginate_through_all(client: httpx.AsyncClient) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"parent": "73", "limit": 10}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/api/v1/regions", params=params)).json()
        seen += [item["code"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == page["total"] == 24  # Sulawesi Selatan: 21 regencies, 3 cities
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
    assert all(code.startswith("73.") for code in seen)


async def test_papua_provinces_listed(client: httpx.AsyncClient) -> None:
    page = (await client.get("/api/v1/regions", params={"level": "province", "limit": 50})).json()
    codes = {item["code"] for item in page["items"]}
    assert {"91", "92", "93", "94", "95", "96"} <= codes


@pytest.mark.parametrize(
    ("params", "field"),
    [({"level": "district"}, "level"), ({"limit": 0}, "limit"), ({"parent": "x"}, "parent")],
)
async def test_bad_filters_are_422_naming_the_field(
    client: httpx.AsyncClient, params: dict[str, str | int], field: str
) -> None:
    response = await client.get("/api/v1/regions", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]
