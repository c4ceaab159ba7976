"""Every route that takes a region code reads it the same way: `73.73`, `7373` and `73` are
accepted; anything else is a 422 naming the parameter or field (the API), or a 404 page or
badge (the pages, which answer in their own format)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

BAD = "73.7x"
MESSAGE = f"invalid Kemendagri region code: {BAD!r}"

PATHS = [
    "/api/v1/regions/{code}",
    "/api/v1/regions/{code}/history",
    "/api/v1/regions/{code}/uptime",
    "/api/v1/regions/{code}/declarations",
    "/api/v1/regions/{code}/agents",
]
QUERIES = [
    ("/api/v1/regions", "parent"),
    ("/api/v1/regions", "province"),
    ("/api/v1/regions", "cursor"),
    ("/api/v1/services", "region"),
    ("/api/v1/incidents", "region"),
    ("/api/v1/maintenance", "region"),
    ("/api/v1/agents", "region"),
    ("/api/v1/events", "region"),
    ("/feeds/incidents.atom", "region"),
]
BODIES: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("/api/v1/keys", {"name": "k", "scopes": ["agent:push"], "region_code": BAD}, ["region_code"]),
    ("/api/v1/agents", {"name": "a", "region_code": BAD}, ["region_code"]),
    (
        "/api/v1/maintenance",
        {
            "title": "t",
            "starts_at": "2030-01-01T00:00:00Z",
            "ends_at": "2030-01-01T01:00:00Z",
            "regions": ["73", BAD],
        },
        ["regions", 1],
    ),
    (
        "/api/v1/subscriptions",
        {"url": "https://example.org/hook", "region_prefixes": [BAD]},
        ["region_prefixes", 0],
    ),
]


def _only_error(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    return dict(error)


@pytest.mark.parametrize("path", PATHS)
async def test_bad_code_in_a_path_is_a_422_naming_it(client: httpx.AsyncClient, path: str) -> None:
    error = _only_error(await client.get(path.format(code=BAD)))
    assert (error["loc"], error["msg"], error["input"]) == (["path", "code"], MESSAGE, BAD)


@pytest.mark.parametrize(("path", "field"), QUERIES)
async def test_bad_code_in_a_query_is_a_422_naming_it(
    client: httpx.AsyncClient, admin_headers: dict[str, str], path: str, field: str
) -> None:
    response = await client.get(path, params={field: BAD}, headers=admin_headers)
    error = _only_error(response)
    assert (error["loc"], error["msg"], error["input"]) == (["query", field], MESSAGE, BAD)


@pytest.mark.parametrize(("path", "body", "where"), BODIES)
async def test_bad_code_in_a_body_is_a_422_naming_the_field(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    path: str,
    body: dict[str, Any],
    where: list[Any],
) -> None:
    error = _only_error(await client.post(path, json=body, headers=admin_headers))
    assert error["loc"] == ["body", *where]
    assert MESSAGE in error["msg"]


@pytest.mark.parametrize(
    ("path", "field", "message"),
    [
        ("/api/v1/keys", "region_code", 'region code must be a string such as "73.73"'),
        ("/api/v1/subscriptions", "region_prefixes", 'a region prefix is a string such as "73"'),
    ],
)
async def test_a_number_is_not_a_code(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    path: str,
    field: str,
    message: str,
) -> None:
    body: dict[str, Any] = (
        {"name": "k", "scopes": ["agent:push"], "region_code": 73.73}
        if field == "region_code"
        else {"url": "https://example.org/hook", "region_prefixes": [73]}
    )
    error = _only_error(await client.post(path, json=body, headers=admin_headers))
    assert message in error["msg"]


@pytest.mark.parametrize("path", ["/regions/{code}", "/widget/{code}", "/badge/{code}.svg"])
async def test_pages_answer_a_bad_code_with_their_own_404(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path.format(code=BAD))
    assert response.status_code == 404
    assert not response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("code", ["73.73", "7373", " 73.73 "])
async def test_every_spelling_of_a_code_is_accepted(client: httpx.AsyncClient, code: str) -> None:
    assert (await client.get("/api/v1/services", params={"region": code})).status_code == 200
    assert (await client.get("/api/v1/maintenance", params={"region": code})).status_code == 200
    assert (await client.get(f"/badge/{code.strip()}.svg")).status_code == 200
