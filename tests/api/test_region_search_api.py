"""`GET /api/v1/regions?q=`: names and codes, best match first, with the other filters and the
cursor; an empty `q` is no search; a bad one is a 422 naming `q`. On SQLite and PostgreSQL."""

from __future__ import annotations

import httpx

SEARCHES = {
    "palopo": ["73.73"],
    "kota ambon": ["81.71"],
    "7373": ["73.73"],
    "73.73": ["73.73"],
    "luwu": ["73.17", "73.22", "73.24"],
    "palapo": ["73.73"],
    "Sulawesi Selatan": ["73"],
    "KOTA BOGOR": ["32.71", "32.01"],
}


async def codes(client: httpx.AsyncClient, **params: str | int) -> list[str]:
    response = await client.get("/api/v1/regions", params=params)
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.json()["items"]]


async def test_search_by_name_and_code_best_first(client: httpx.AsyncClient) -> None:
    for query, expected in SEARCHES.items():
        found = await codes(client, q=query)
        assert found[: len(expected)] == expected, (query, found)
    body = (await client.get("/api/v1/regions", params={"q": "luwu"})).json()
    assert [i["name"] for i in body["items"]] == [
        "Kabupaten Luwu",
        "Kabupaten Luwu Utara",
        "Kabupaten Luwu Timur",
    ]
    assert body["total"] == 3 and body["next_cursor"] is None
    assert body["items"][0]["state"] == "unknown"  # the usual region status shape
    assert await codes(client, q="xyzzy") == []


async def test_search_with_filters_and_cursor(client: httpx.AsyncClient) -> None:
    assert await codes(client, q="bogor", level="city") == ["32.71"]
    assert await codes(client, q="utara", province="73") == ["73.22", "73.26"]  # Toraja Utara
    everything = await codes(client, q="utara", limit=600)
    assert len(everything) > 10
    paged: list[str] = []
    params: dict[str, str | int] = {"q": "utara", "limit": 4}
    while True:
        page = (await client.get("/api/v1/regions", params=params)).json()
        paged += [item["code"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert paged == everything  # the cursor keeps the ranked order


async def test_empty_q_is_no_search(client: httpx.AsyncClient) -> None:
    plain = (await client.get("/api/v1/regions", params={"limit": 5})).json()
    for empty in ("", "   "):
        body = (await client.get("/api/v1/regions", params={"q": empty, "limit": 5})).json()
        assert body == plain
    assert plain["total"] == 38 + 514


async def test_bad_q_is_422_naming_q(client: httpx.AsyncClient) -> None:
    for bad in ("x" * 101, "palo\tpo", "palopo\n", "pa\x1blopo", "\x7f"):
        response = await client.get("/api/v1/regions", params={"q": bad})
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["detail"][0]["loc"] == ["query", "q"], bad
    assert (await client.get("/api/v1/regions", params={"q": "x" * 100})).status_code == 200
