"""Every instant the API takes, body or query, lies between 2000-01-01 and 2100-01-01 once read
in UTC: outside it, a 422 naming the field and nothing written, never a 500. On SQLite and
PostgreSQL."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.http.paging import EPOCH
from app.store.agents import results_of
from app.store.db import Database
from app.store.types import utcnow
from tests.factories import LETTER
from tests.support.agent import batch, push, register, result

# Each is out of range; the first two cannot even be read in UTC by Python's datetime.
FAR = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "1999-12-31T23:59:59Z",
    "2100-01-01T00:00:01Z",
    "9000-01-01T00:00:00Z",
]


def assert_named(response: httpx.Response, loc: list[Any]) -> None:
    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["detail"]] == [loc]


def window(**fields: Any) -> dict[str, Any]:
    start = utcnow() + timedelta(days=1)
    return {
        "title": "Migrasi data SIAK",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "regions": ["73"],
    } | fields


@pytest.mark.parametrize("value", FAR)
@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
async def test_maintenance_times_out_of_range(
    client: httpx.AsyncClient, admin_headers: dict[str, str], field: str, value: str
) -> None:
    created = await client.post(
        "/api/v1/maintenance", json=window(**{field: value}), headers=admin_headers
    )
    assert_named(created, ["body", field])
    assert (await client.get("/api/v1/maintenance")).json()["items"] == []

    kept = await client.post("/api/v1/maintenance", json=window(), headers=admin_headers)
    url = f"/api/v1/maintenance/{kept.json()['id']}"
    assert_named(
        await client.patch(url, json={field: value}, headers=admin_headers), ["body", field]
    )
    assert (await client.get(url)).json() == kept.json()


async def test_the_reported_far_window_and_the_long_rule_are_refused_quickly(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    far = window(
        starts_at="2000-01-01T00:00:00Z", ends_at="9000-01-01T00:00:00Z", rrule="FREQ=YEARLY"
    )
    assert_named(
        await client.post("/api/v1/maintenance", json=far, headers=admin_headers),
        ["body", "ends_at"],
    )

    longest = window(
        starts_at="2000-01-01T00:00:00Z",
        ends_at="2000-02-01T00:00:00Z",  # 31 days: the longest occurrence allowed
        rrule="FREQ=MONTHLY",
    )
    created = await client.post("/api/v1/maintenance", json=longest, headers=admin_headers)
    assert created.status_code == 201, created.text
    longer = longest | {"ends_at": "2000-02-01T00:00:01Z"}
    assert_named(
        await client.post("/api/v1/maintenance", json=longer, headers=admin_headers),
        ["body", "ends_at"],
    )

    # Every hour, minute and second of the day, from a start 30 days back: 437 characters.
    every_second = (
        "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24)))
        + ";BYMINUTE=" + ",".join(map(str, range(60)))
        + ";BYSECOND=" + ",".join(map(str, range(60)))
    )  # fmt: skip
    assert len(every_second) == 437
    start = utcnow() - timedelta(days=30)
    body = window(
        starts_at=start.isoformat(),
        ends_at=(start + timedelta(seconds=1)).isoformat(),
        rrule=every_second,
    )
    began = datetime.now(UTC)
    response = await client.post("/api/v1/maintenance", json=body, headers=admin_headers)
    assert_named(response, ["body", "rrule"])
    assert datetime.now(UTC) - began < timedelta(seconds=1)
    assert "48" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("value", FAR)
async def test_declaration_dates_out_of_range(
    client: httpx.AsyncClient, admin_headers: dict[str, str], value: str
) -> None:
    url = "/api/v1/regions/11.04/declarations"
    letter = LETTER | {"kind": "cutoff", "issued_at": value}
    assert_named(await client.post(url, json=letter, headers=admin_headers), ["body", "issued_at"])
    warning = LETTER | {"kind": "warning", "deadline": value}
    assert_named(await client.post(url, json=warning, headers=admin_headers), ["body", "deadline"])
    assert (await client.get(url)).json() == []


@pytest.mark.parametrize("value", FAR)
async def test_agent_clocks_out_of_range(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database, value: str
) -> None:
    agent = await register(client, admin_headers)
    sent = batch([result(1)]) | {"sent_at": value}
    assert_named(await push(client, agent, sent), ["body", "sent_at"])
    observed = batch([result(1) | {"observed_at": value}])
    assert_named(await push(client, agent, observed), ["body", "results", 0, "observed_at"])
    async with database.read() as session:
        assert await results_of(session, agent["id"]) == []


QUERIES = [
    ("/api/v1/incidents", "since"),
    ("/api/v1/incidents", "until"),
    ("/api/v1/regions/73.73/history", "since"),
    ("/api/v1/regions/73.73/history", "until"),
    ("/api/v1/services/1/history", "since"),
    ("/api/v1/services/1/history", "until"),
    ("/api/v1/audit", "since"),
    ("/api/v1/audit", "until"),
]


@pytest.mark.parametrize(("path", "name"), QUERIES)
async def test_query_instants_out_of_range(
    client: httpx.AsyncClient, admin_headers: dict[str, str], path: str, name: str
) -> None:
    for value in FAR:
        response = await client.get(path, params={name: value}, headers=admin_headers)
        assert_named(response, ["query", name])
    naive = await client.get(path, params={name: "2026-11-29T08:00:00"}, headers=admin_headers)
    assert_named(naive, ["query", name])
    assert "UTC offset" in naive.json()["detail"][0]["msg"]
    # The bounds themselves are fine (a missing service is a 404, not a bad query).
    for edge in ("2000-01-01T00:00:00Z", "2100-01-01T07:00:00+07:00"):
        response = await client.get(path, params={name: edge}, headers=admin_headers)
        assert response.status_code in (200, 404), response.text


async def test_replay_since_out_of_range(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for value in FAR:
        url = "/api/v1/subscriptions/1/replay"
        response = await client.post(url, params={"since": value}, headers=admin_headers)
        assert_named(response, ["query", "since"])


@pytest.mark.parametrize(
    "at", [datetime(1970, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC), None]
)
async def test_forged_cursors_far_in_time_are_refused(
    client: httpx.AsyncClient, at: datetime | None
) -> None:
    micros = 2**62 if at is None else (at - EPOCH) // timedelta(microseconds=1)
    cursor = base64.urlsafe_b64encode(f"v1:{micros}:1".encode()).decode().rstrip("=")
    for path in ("/api/v1/incidents", "/api/v1/regions/73.73/history"):
        response = await client.get(path, params={"cursor": cursor})
        assert_named(response, ["query", "cursor"])
