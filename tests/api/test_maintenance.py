"""Maintenance windows: the API, their effect on recorded probes, the region status and the
Statuspage documents, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import col, select

from app.core.domain import Reason, State
from app.store.db import Database
from app.store.models import Service, Transition
from app.store.types import utcnow
from app.store.webhooks import WebhookEvent
from tests.factories import add_service, iso, probe


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def window(start: datetime, end: datetime, **fields: Any) -> dict[str, Any]:
    body = {"title": "Migrasi data SIAK", "starts_at": iso(start), "ends_at": iso(end)}
    return body | {"regions": ["73"]} | fields


async def plan(client: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> Any:
    now = utcnow()
    body = window(now - timedelta(minutes=10), now + timedelta(hours=1)) | fields
    response = await client.post("/api/v1/maintenance", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_read_update_delete(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await plan(client, admin_headers, note="Pemeliharaan server pusat", timezone="WITA")
    assert created["status"] == "in_progress" and created["timezone"] == "Asia/Makassar"
    assert created["regions"] == ["73"] and created["service_ids"] == []
    assert created["next_occurrences"] == [
        {"starts_at": created["starts_at"], "ends_at": created["ends_at"]}
    ]
    url = f"/api/v1/maintenance/{created['id']}"
    assert (await client.get(url)).json() == created
    assert (await client.get("/api/v1/maintenance")).json()["items"] == [created]
    assert (await client.get("/api/v1/maintenance", params={"region": "7373"})).json()["items"] == [
        created
    ]
    assert (await client.get("/api/v1/maintenance", params={"region": "74"})).json()["items"] == []
    assert (await client.get("/api/v1/maintenance", params={"status": "completed"})).json()[
        "items"
    ] == []

    later = utcnow() + timedelta(days=1)
    changes = {"starts_at": iso(later), "ends_at": iso(later + timedelta(hours=2)), "note": None}
    response = await client.patch(url, json=changes, headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "scheduled" and response.json()["note"] is None
    assert (await client.get(url)).json() == response.json()

    assert (await client.delete(url, headers=admin_headers)).status_code == 204
    assert (await client.get(url)).status_code == 404
    assert (await client.patch(url, json={"title": "x"}, headers=admin_headers)).status_code == 404


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        (
            {"ends_at": "2030-01-01T00:00:00Z", "starts_at": "2030-01-01T02:00:00Z"},
            ["body", "ends_at"],
        ),
        ({"regions": ["73", "99.99"]}, ["body", "regions", 1]),
        ({"regions": ["737"]}, ["body", "regions", 0]),
        ({"regions": [], "service_ids": [4242]}, ["body", "service_ids", 0]),
        ({"regions": []}, ["body", "regions"]),
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX"}, ["body", "rrule"]),
        ({"rrule": "every sunday"}, ["body", "rrule"]),
        ({"rrule": "FREQ=MINUTELY"}, ["body", "rrule"]),
        ({"timezone": "Mars/Olympus"}, ["body", "timezone"]),
        ({"timezone": "Europe/Berlin"}, ["body", "timezone"]),
        ({"starts_at": "2030-01-01T00:00:00"}, ["body", "starts_at"]),
        ({"title": ""}, ["body", "title"]),
        ({"colour": "red"}, ["body", "colour"]),
    ],
)
async def test_invalid_windows_are_422_naming_the_field(
    client: httpx.AsyncClient, admin_headers: dict[str, str], fields: dict[str, Any], loc: list[Any]
) -> None:
    body = window(datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, 4, tzinfo=UTC)) | fields
    response = await client.post("/api/v1/maintenance", json=body, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["detail"]] == [loc]
    assert (await client.get("/api/v1/maintenance")).json()["items"] == []


async def test_invalid_patch_is_422_and_changes_nothing(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await plan(client, admin_headers)
    url = f"/api/v1/maintenance/{created['id']}"
    for changes, loc in [
        ({"ends_at": created["starts_at"]}, ["body", "ends_at"]),
        ({"rrule": "FREQ=DAILY;UNTIL=20200101T000000Z"}, ["body", "rrule"]),
        ({"title": None}, ["body", "title"]),
    ]:
        response = await client.patch(url, json=changes, headers=admin_headers)
        assert response.status_code == 422, response.text
        assert [error["loc"] for error in response.json()["detail"]] == [loc]
    assert (await client.get(url)).json() == created


async def test_maintenance_suppresses_the_outage(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    palopo = await add_service(database, "73.73", failure_threshold=2, success_threshold=2)
    kendari = await add_service(database, "74.71", failure_threshold=2, success_threshold=2)
    created = await plan(client, admin_headers)  # province 73, under way now
    start, end = at(created["starts_at"]), at(created["ends_at"])
    t = start + timedelta(minutes=1)
    for service_id in (palopo, kendari):
        await probe(database, service_id, Reason.OK, t)
        for i in (1, 2):
            await probe(database, service_id, Reason.NETWORK_TIMEOUT, t + timedelta(seconds=i))

    async with database.read() as session:
        rows = (await session.exec(select(Transition).order_by(col(Transition.id)))).all()
        service = await session.get(Service, palopo)
    moves = {(r.service_id, r.to_state, r.reason) for r in rows}
    assert (palopo, State.MAINTENANCE, Reason.MAINTENANCE_SCHEDULED) in moves
    assert (kendari, State.OUTAGE, Reason.NETWORK_TIMEOUT) in moves  # outside the window
    palopo_rows = [r for r in rows if r.service_id == palopo]
    assert State.OUTAGE not in {r.to_state for r in palopo_rows}
    async with database.read() as session:
        events = (
            await session.exec(select(WebhookEvent).order_by(col(WebhookEvent.created_at)))
        ).all()
    palopo_events = [e.type for e in events if e.region_code == "73.73"]
    assert sorted(palopo_events) == [
        "region.maintenance",
        "region.operational",
        "service.maintenance",
        "service.operational",
    ]
    assert "service.outage" in [e.type for e in events if e.region_code == "74.71"]
    assert palopo_rows[-1].evidence["observed_reason"] == "network.timeout"
    assert palopo_rows[-1].evidence["maintenance"]["id"] == created["id"]
    assert service is not None and service.state == State.MAINTENANCE

    region = (await client.get("/api/v1/regions/73.73")).json()
    assert region["state"] == "maintenance" and region["reason"] == "maintenance.scheduled"
    assert region["maintenance"] == [
        {
            "id": created["id"],
            "title": created["title"],
            "status": "in_progress",
            "starts_at": created["starts_at"],
            "ends_at": created["ends_at"],
        }
    ]
    assert (await client.get("/api/v1/regions/74.71")).json()["maintenance"] == []

    # After the window the same failures are an outage again, once the thresholds agree.
    for i in (1, 2):
        await probe(database, palopo, Reason.NETWORK_TIMEOUT, end + timedelta(seconds=i))
    async with database.read() as session:
        service = await session.get(Service, palopo)
    assert service is not None and (service.state, service.reason) == (
        State.OUTAGE,
        Reason.NETWORK_TIMEOUT,
    )


async def test_a_recurring_jayapura_window_opens_at_its_utc_instant(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    jayapura = await add_service(database, "91.71", failure_threshold=1, success_threshold=2)
    # Every Sunday 01:00–03:00 WIT, the first one a week from the coming Sunday.
    local = (utcnow() + timedelta(days=7)).astimezone(UTC).date()
    sunday = local + timedelta(days=(6 - local.weekday()) % 7)
    first = datetime(sunday.year, sunday.month, sunday.day, 1, tzinfo=UTC) - timedelta(hours=9)
    body = window(
        first,
        first + timedelta(hours=2),
        regions=["91.71"],
        rrule="FREQ=WEEKLY;BYDAY=SU",
        timezone="Asia/Jayapura",
    )
    body["starts_at"] = first.astimezone(ZoneInfo("Asia/Jayapura")).isoformat()  # 01:00+09:00
    created = (await client.post("/api/v1/maintenance", json=body, headers=admin_headers)).json()
    assert created["status"] == "scheduled"
    opens = [at(o["starts_at"]) for o in created["next_occurrences"][:2]]
    assert opens == [first, first + timedelta(days=7)]
    assert all((o.hour, o.minute, o.weekday()) == (16, 0, 5) for o in opens)  # Saturday 16:00 UTC

    second = first + timedelta(days=7)
    before = await probe(database, jayapura, Reason.NETWORK_TIMEOUT, second - timedelta(seconds=1))
    inside = await probe(database, jayapura, Reason.NETWORK_TIMEOUT, second)
    assert [(t.to_state, t.reason) for t in before] == [(State.OUTAGE, Reason.NETWORK_TIMEOUT)]
    assert [(t.to_state, t.reason) for t in inside] == [
        (State.MAINTENANCE, Reason.MAINTENANCE_SCHEDULED)
    ]

    upcoming = (await client.get("/api/v2/scheduled-maintenances/upcoming.json")).json()
    items = upcoming["scheduled_maintenances"]
    assert [at(i["scheduled_for"]) for i in items[:2]] == opens
    assert {i["status"] for i in items} == {"scheduled"}
    assert items[0]["components"][0]["id"] == "91.71"


async def test_statuspage_documents(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    now = utcnow()
    current = await plan(client, admin_headers, note="Pemeliharaan jaringan")
    soon = await plan(
        client,
        admin_headers,
        starts_at=iso(now + timedelta(days=1)),
        ends_at=iso(now + timedelta(days=1, hours=1)),
    )
    past = await plan(
        client,
        admin_headers,
        starts_at=iso(now - timedelta(days=2)),
        ends_at=iso(now - timedelta(days=1)),
    )

    everything = (await client.get("/api/v2/scheduled-maintenances.json")).json()
    assert everything["page"]["id"] == "pantau"
    items = everything["scheduled_maintenances"]
    assert [i["id"] for i in items] == [str(soon["id"]), str(current["id"]), str(past["id"])]
    assert [i["status"] for i in items] == ["scheduled", "in_progress", "completed"]
    item = items[1]
    assert set(item) >= {
        "id",
        "name",
        "status",
        "created_at",
        "updated_at",
        "monitoring_at",
        "resolved_at",
        "impact",
        "shortlink",
        "started_at",
        "page_id",
        "incident_updates",
        "components",
        "scheduled_for",
        "scheduled_until",
    }
    assert item["impact"] == "maintenance" and item["name"] == current["title"]
    assert at(item["scheduled_for"]) == at(current["starts_at"])
    assert at(item["scheduled_until"]) == at(current["ends_at"])
    assert item["components"] == [
        {
            "id": "73",
            "name": item["components"][0]["name"],
            "status": "under_maintenance",
            "page_id": "pantau",
            "group_id": None,
            "showcase": True,
            "only_show_if_degraded": False,
        }
    ]
    assert item["incident_updates"][0]["body"] == "Pemeliharaan jaringan"
    assert items[2]["resolved_at"] is not None and items[0]["resolved_at"] is None

    active = (await client.get("/api/v2/scheduled-maintenances/active.json")).json()
    assert [i["id"] for i in active["scheduled_maintenances"]] == [str(current["id"])]
    upcoming = (await client.get("/api/v2/scheduled-maintenances/upcoming.json")).json()
    assert [i["id"] for i in upcoming["scheduled_maintenances"]] == [str(soon["id"])]
