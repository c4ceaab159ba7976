from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import select

from app.core.domain import Reason, State, TransitionSource
from app.main import create_app
from app.store.db import Database
from app.store.models import Incident, Service, Transition
from app.store.types import utcnow
from tests.conftest import make_settings
from tests.factories import add_service, probe

PALOPO = {
    "region_code": "73.73",
    "name": "SIAK Gateway Palopo",
    "url": "https://siak.palopokota.go.id/health",
}
WRONG = {"Authorization": "Bearer not-the-token"}


async def create(client: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> Any:
    response = await client.post("/api/v1/services", json={**PALOPO, **fields}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def set_check_state(database: Database, service_id: int, **values: Any) -> None:
    async with database.transaction() as session:
        service = await session.get(Service, service_id)
        assert service is not None
        for name, value in values.items():
            setattr(service, name, value)
        session.add(service)


async def test_create_read_update_delete(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    before = utcnow()
    created = await create(client, admin_headers, region_code="7373")
    assert created["region_code"] == "73.73"
    assert {k: created[k] for k in ("method", "interval_seconds", "timeout_seconds")} == {
        "method": "GET",
        "interval_seconds": 60,
        "timeout_seconds": 10.0,
    }
    assert (created["failure_threshold"], created["success_threshold"]) == (3, 2)
    assert (created["degraded_latency_ms"], created["expected_status"]) == (2000, 200)
    assert created["policy_markers"] is None and created["cutoff_markers"] is None
    assert created["follow_redirects"] is False and created["is_paused"] is False
    assert created["key"] is None
    assert (created["state"], created["reason"], created["category"]) == ("unknown", None, None)
    assert created["since"] is None and created["last_checked_at"] is None
    assert before <= at(created["created_at"]) == at(created["updated_at"])
    first_check = at(created["next_check_at"]) - at(created["created_at"])
    assert timedelta(0) <= first_check < timedelta(seconds=10)

    url = f"/api/v1/services/{created['id']}"
    assert (await client.get(url, headers=admin_headers)).json() == created
    public = {k: v for k, v in created.items() if k != "has_basic_auth"}
    assert (await client.get(url)).json() == public

    response = await client.patch(
        url,
        json={"name": "SIAK Palopo", "policy_markers": ["dicabut"], "degraded_latency_ms": None},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["name"] == "SIAK Palopo" and updated["policy_markers"] == ["dicabut"]
    assert updated["degraded_latency_ms"] is None
    assert updated["url"] == PALOPO["url"] and updated["created_at"] == created["created_at"]
    assert at(updated["updated_at"]) > at(created["updated_at"])
    assert (await client.get(url, headers=admin_headers)).json() == updated

    response = await client.delete(url, headers=admin_headers)
    assert response.status_code == 204 and response.content == b""
    assert (await client.get(url)).status_code == 404


async def test_short_interval_gets_a_timeout_that_fits(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await create(client, admin_headers, interval_seconds=1, method="head")
    assert (created["timeout_seconds"], created["method"]) == (0.5, "HEAD")
    first_check = at(created["next_check_at"]) - at(created["created_at"])
    assert timedelta(0) <= first_check < timedelta(seconds=1)


def _write_requests(service_id: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("POST", "/api/v1/services", PALOPO),
        ("PATCH", f"/api/v1/services/{service_id}", {"name": "x"}),
        ("DELETE", f"/api/v1/services/{service_id}", None),
    ]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401),
        ({"Authorization": "Bearer"}, 401),
        (WRONG, 403),
        ({b"Authorization": "Bearer tést".encode()}, 403),
    ],
)
async def test_every_write_needs_the_admin_token(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    headers: Mapping[str, str] | Mapping[bytes, bytes],
    status: int,
) -> None:
    service = await create(client, admin_headers)
    for method, url, body in _write_requests(service["id"]):
        response = await client.request(method, url, json=body, headers=headers)
        assert response.status_code == status, (method, response.text)
        assert isinstance(response.json()["detail"], str)
        if status == 401:
            assert response.headers["WWW-Authenticate"] == "Bearer"
    listed = (await client.get("/api/v1/services", headers=admin_headers)).json()["items"]
    assert listed == [service]


async def test_writes_are_403_while_no_admin_token_is_set(database_url: str) -> None:
    app = create_app(make_settings(database_url, admin_token=None))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for method, url, body in _write_requests(1):
                for headers in ({}, WRONG):
                    response = await client.request(method, url, json=body, headers=headers)
                    assert response.status_code == 403
                    assert "PANTAU_ADMIN_TOKEN" in response.json()["detail"]
            assert (await client.get("/api/v1/services")).status_code == 200


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"url": "ftp://siak.palopokota.go.id/"}, ["url"]),
        ({"url": "https://"}, ["url"]),
        ({"url": "siak.palopokota.go.id"}, ["url"]),
        ({"url": "https://x.id/" + "a" * 2048}, ["url"]),
        ({"method": "POST"}, ["method"]),
        ({"interval_seconds": 0}, ["interval_seconds"]),
        ({"interval_seconds": 86_401}, ["interval_seconds"]),
        ({"timeout_seconds": 0}, ["timeout_seconds"]),
        ({"interval_seconds": 5, "timeout_seconds": 5}, ["timeout_seconds"]),
        ({"timeout_seconds": 60}, ["timeout_seconds"]),
        ({"failure_threshold": 0}, ["failure_threshold"]),
        ({"success_threshold": 0}, ["success_threshold"]),
        ({"failure_threshold": 101}, ["failure_threshold"]),
        ({"expected_status": 99}, ["expected_status"]),
        ({"degraded_latency_ms": 0}, ["degraded_latency_ms"]),
        ({"policy_markers": ["dicabut", ""]}, ["policy_markers", 1]),
        ({"cutoff_markers": ["  "]}, ["cutoff_markers", 0]),
        ({"policy_markers": ["x" * 101]}, ["policy_markers", 0]),
        ({"policy_markers": ["m"] * 51}, ["policy_markers"]),
        ({"name": "  "}, ["name"]),
        ({"region_code": "99.99"}, ["region_code"]),
        ({"region_code": "737"}, ["region_code"]),
        ({"region_code": "73.73.01"}, ["region_code"]),
        ({"region_code": 7373}, ["region_code"]),
        ({"key": "Palopo SIAK"}, ["key"]),
        ({"colour": "red"}, ["colour"]),
        ({"state": "operational"}, ["state"]),
    ],
)
async def test_invalid_create_is_422_naming_the_field(
    client: httpx.AsyncClient, admin_headers: dict[str, str], fields: dict[str, Any], loc: list[Any]
) -> None:
    body = {**PALOPO, **fields}
    response = await client.post("/api/v1/services", json=body, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["detail"]] == [["body", *loc]]
    assert (await client.get("/api/v1/services")).json()["items"] == []


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"timeout_seconds": 60}, "timeout_seconds"),  # not below the stored interval
        ({"interval_seconds": 10}, "timeout_seconds"),  # the stored timeout no longer fits
        ({"interval_seconds": 5, "timeout_seconds": 6}, "timeout_seconds"),
        ({"name": None}, "name"),
        ({"interval_seconds": None}, "interval_seconds"),
        ({"url": "file:///etc/passwd"}, "url"),
        ({"failure_threshold": 0}, "failure_threshold"),
        ({"region_code": "99.99"}, "region_code"),
        ({"region_code": "7"}, "region_code"),
        ({"key": "palopo"}, "key"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_invalid_patch_is_422_naming_the_field_and_changes_nothing(
    client: httpx.AsyncClient, admin_headers: dict[str, str], fields: dict[str, Any], loc: str
) -> None:
    created = await create(client, admin_headers)
    url = f"/api/v1/services/{created['id']}"
    response = await client.patch(url, json=fields, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["detail"]] == [["body", loc]]
    assert (await client.get(url, headers=admin_headers)).json() == created


async def test_patch_can_move_interval_and_timeout_together(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await create(client, admin_headers)
    url = f"/api/v1/services/{created['id']}"
    response = await client.patch(
        url, json={"interval_seconds": 5, "timeout_seconds": 2}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    assert (response.json()["interval_seconds"], response.json()["timeout_seconds"]) == (5, 2.0)


async def test_patch_keeps_check_state_and_pulls_the_next_check_in(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    created = await create(client, admin_headers)
    url = f"/api/v1/services/{created['id']}"
    changed_at = utcnow() - timedelta(hours=2)
    later = utcnow() + timedelta(hours=1)
    await set_check_state(
        database,
        created["id"],
        state=State.OUTAGE,
        reason=Reason.NETWORK_TIMEOUT,
        state_changed_at=changed_at,
        consecutive_successes=1,
        next_check_at=later,
    )

    body = {"url": "https://siak.palopokota.go.id/v2/health", "method": "HEAD"}
    response = await client.patch(url, json={**body, "interval_seconds": 30}, headers=admin_headers)
    assert response.status_code == 200, response.text
    patched = response.json()
    assert (patched["state"], patched["reason"], patched["category"]) == (
        "outage",
        "network.timeout",
        "network",
    )
    assert at(patched["since"]) == changed_at
    assert at(patched["next_check_at"]) <= utcnow() + timedelta(seconds=30)
    async with database.read() as session:
        service = await session.get(Service, created["id"])
        assert service is not None and service.consecutive_successes == 1

    # A longer interval does not postpone the check already due.
    response = await client.patch(url, json={"interval_seconds": 600}, headers=admin_headers)
    assert response.json()["next_check_at"] == patched["next_check_at"]


async def test_unknown_service_is_404(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    url = "/api/v1/services/4242"
    for method, body in (("GET", None), ("PATCH", {"name": "x"}), ("DELETE", None)):
        response = await client.request(method, url, json=body, headers=admin_headers)
        assert response.status_code == 404, method
        assert response.json()["resource"] == "service" and response.json()["key"] == "4242"


@pytest.mark.parametrize("service_id", ["0", "abc", str(2**31)])
async def test_malformed_service_id_is_422(client: httpx.AsyncClient, service_id: str) -> None:
    response = await client.get(f"/api/v1/services/{service_id}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "service_id"]


async def test_duplicate_key_is_409(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await create(client, admin_headers, key="palopo-siak")
    response = await client.post(
        "/api/v1/services", json={**PALOPO, "key": "palopo-siak"}, headers=admin_headers
    )
    assert response.status_code == 409
    assert "palopo-siak" in response.json()["detail"]


async def test_list_filters_by_region_prefix_and_state(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    palopo = await create(client, admin_headers)
    luwu = await create(client, admin_headers, region_code="73.17", name="Luwu")
    kendari = await create(client, admin_headers, region_code="74.71", name="Kendari")
    await set_check_state(database, luwu["id"], state=State.OUTAGE)

    async def ids(**params: str) -> list[int]:
        response = await client.get("/api/v1/services", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids() == [palopo["id"], luwu["id"], kendari["id"]]
    assert await ids(region="73") == [palopo["id"], luwu["id"]]
    assert await ids(region="7373") == await ids(region="73.73") == [palopo["id"]]
    assert await ids(region="74") == [kendari["id"]]
    assert await ids(region="11") == []
    assert await ids(state="outage") == [luwu["id"]]
    assert await ids(region="73", state="unknown") == [palopo["id"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"region": "7"}, "region"),
        ({"state": "down"}, "state"),
        ({"cursor": "x"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
    ],
)
async def test_bad_list_filters_are_422(
    client: httpx.AsyncClient, params: dict[str, Any], field: str
) -> None:
    response = await client.get("/api/v1/services", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


async def test_cursor_pagination_walks_every_service_once(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = [(await create(client, admin_headers, name=f"s{i}"))["id"] for i in range(5)]
    seen: list[int] = []
    pages = 0
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = (await client.get("/api/v1/services", params=params)).json()
        pages += 1
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == created and pages == 3

    exact = (await client.get("/api/v1/services", params={"limit": 5})).json()
    assert exact["next_cursor"] is None  # no empty trailing page


async def test_delete_keeps_the_transitions_as_history(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    service = await create(client, admin_headers)
    async with database.transaction() as session:
        transition = Transition(
            service_id=service["id"],
            region_code="73.73",
            from_state=State.UNKNOWN,
            to_state=State.OUTAGE,
            reason=Reason.POLICY_CUTOFF,
            source=TransitionSource.OPERATOR,
            evidence={"decree": "X.123"},
        )
        session.add(transition)
    response = await client.delete(f"/api/v1/services/{service['id']}", headers=admin_headers)
    assert response.status_code == 204

    async with database.read() as session:
        rows = (await session.exec(select(Transition))).all()
    assert [(r.service_id, r.region_code, r.reason, r.evidence) for r in rows] == [
        (None, "73.73", "policy.cutoff", {"decree": "X.123"})
    ]


async def test_openapi_declares_auth_on_writes_only(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    for path, method in [
        ("/api/v1/services", "post"),
        ("/api/v1/services/{service_id}", "patch"),
        ("/api/v1/services/{service_id}", "delete"),
    ]:
        operation = paths[path][method]
        assert {"401", "403"} <= set(operation["responses"]), (path, method)
        assert operation["security"] == [{"bearer": []}]
    for path in ("/api/v1/services", "/api/v1/services/{service_id}"):
        assert "security" not in paths[path]["get"]
    assert paths["/api/v1/services"]["post"]["responses"]["201"]


@pytest.mark.parametrize(
    ("method", "body"),
    [
        pytest.param("PATCH", {"is_paused": True}, id="paused"),
        pytest.param("PATCH", {"region_code": "73.71"}, id="moved"),
        pytest.param("DELETE", None, id="deleted"),
    ],
)
async def test_the_failing_service_paused_moved_or_deleted_ends_its_incident(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    database: Database,
    method: str,
    body: dict[str, Any] | None,
) -> None:
    service_id = await add_service(database)
    await probe(database, service_id, Reason.NETWORK_TIMEOUT, 0)
    url = f"/api/v1/services/{service_id}"
    response = await client.request(method, url, json=body, headers=admin_headers)
    assert response.is_success, response.text
    async with database.read() as session:
        (incident,) = (await session.exec(select(Incident))).all()
    assert (incident.region_code, incident.ended_at is not None) == ("73.73", True)
