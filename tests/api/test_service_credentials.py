"""Service credentials are write-only and a service URL's query is for operators: userinfo
moves into `basic_auth`, which no route returns; the public sees scheme, host and path."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.store.db import Database
from app.store.models import Service
from tests.factories import bearer, issue_key

PASSWORD = "PASSWORD-SECRET-456"
QUERY = "api_key=QUERY-SECRET-789"
SPEC = {"region_code": "73.73", "name": "SIAK Palopo"}


async def create(
    client: httpx.AsyncClient, admin_headers: dict[str, str], **spec: Any
) -> httpx.Response:
    return await client.post("/api/v1/services", json=SPEC | spec, headers=admin_headers)


async def stored(database: Database, service_id: int) -> Service:
    async with database.read() as session:
        service = await session.get(Service, service_id)
    assert service is not None
    return service


async def test_userinfo_moves_into_basic_auth_and_the_public_sees_no_query(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    url = f"https://probe%40pantau:{PASSWORD}@siak.example/health?{QUERY}#top"
    response = await create(client, admin_headers, url=url)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["url"] == f"https://siak.example/health?{QUERY}#top"
    assert created["has_basic_auth"] is True and PASSWORD not in response.text
    row = await stored(database, created["id"])
    assert row.basic_auth == {"username": "probe@pantau", "password": PASSWORD}
    assert row.url == f"https://siak.example/health?{QUERY}#top"

    public = await client.get(f"/api/v1/services/{created['id']}")
    listed = await client.get("/api/v1/services")
    for anonymous in (public, listed):
        assert anonymous.status_code == 200
        assert "QUERY-SECRET" not in anonymous.text and PASSWORD not in anonymous.text
        assert "has_basic_auth" not in anonymous.text
    assert public.json()["url"] == "https://siak.example/health"

    audit = await client.get("/api/v1/audit", headers=admin_headers)
    assert audit.status_code == 200 and PASSWORD not in audit.text


async def test_a_services_write_key_sees_the_full_url_and_other_keys_the_public_one(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = (await create(client, admin_headers, url=f"https://siak.example/h?{QUERY}")).json()
    url = f"/api/v1/services/{created['id']}"
    writer = (await issue_key(client, admin_headers, "services:write"))["token"]
    other = (await issue_key(client, admin_headers, "maintenance:write"))["token"]
    assert (await client.get(url, headers=bearer(writer))).json()["url"].endswith(QUERY)
    assert (await client.get(url, headers=bearer(other))).json()["url"] == "https://siak.example/h"
    refused = await client.get(url, headers=bearer("not-a-token"))
    assert refused.status_code == 403  # a mistyped token is not taken for the public view


@pytest.mark.parametrize(
    ("spec", "loc"),
    [
        (
            {
                "url": "https://a:b@siak.example/",
                "basic_auth": {"username": "c", "password": "d"},
            },
            ["body", "url"],
        ),
        (
            {"url": "https://siak.example/", "basic_auth": {"username": "a:b", "password": "c"}},
            ["body", "basic_auth", "username"],
        ),
        (
            {"url": "https://siak.example/", "basic_auth": {"username": "a", "password": "\x00"}},
            ["body", "basic_auth", "password"],
        ),
        (
            {"url": "https://siak.example/", "basic_auth": {"username": "a"}},
            ["body", "basic_auth", "password"],
        ),
    ],
)
async def test_bad_credentials_are_422_naming_the_field_and_write_nothing(
    client: httpx.AsyncClient, admin_headers: dict[str, str], spec: dict[str, Any], loc: list[str]
) -> None:
    response = await create(client, admin_headers, **spec)
    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["detail"]] == [loc]
    assert (await client.get("/api/v1/services")).json()["items"] == []


async def test_credentials_follow_the_url_to_another_host_only_when_sent_again(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    basic_auth = {"username": "probe", "password": PASSWORD}
    created = (
        await create(client, admin_headers, url="https://siak.example/h", basic_auth=basic_auth)
    ).json()
    url = f"/api/v1/services/{created['id']}"

    moved = await client.patch(
        url, json={"url": "https://elsewhere.example/h"}, headers=admin_headers
    )
    assert moved.status_code == 422, moved.text
    assert moved.json()["detail"][0]["loc"] == ["body", "basic_auth"]
    assert (await stored(database, created["id"])).url == "https://siak.example/h"

    same_host = await client.patch(
        url, json={"url": "https://siak.example:443/health"}, headers=admin_headers
    )
    assert same_host.status_code == 200 and same_host.json()["has_basic_auth"] is True

    dropped = await client.patch(
        url, json={"url": "https://elsewhere.example/h", "basic_auth": None}, headers=admin_headers
    )
    assert dropped.status_code == 200 and dropped.json()["has_basic_auth"] is False
    assert (await stored(database, created["id"])).basic_auth is None

    again = await client.patch(
        url, json={"url": f"https://probe:{PASSWORD}@elsewhere.example/h"}, headers=admin_headers
    )
    assert again.status_code == 200 and PASSWORD not in again.text
    assert (await stored(database, created["id"])).basic_auth == basic_auth
