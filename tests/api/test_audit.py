"""Every write lands in the audit log, with who, what, before and after; on both engines."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from app.store.db import Database
from app.store.types import utcnow
from tests.factories import LETTER, PALOPO_SERVICE, add_incident, bearer, iso, issue_key
from tests.support.routes import write_routes


async def ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201, 204), response.text
    return response.json() if response.content else None


async def test_every_write_is_audited(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    key = await issue_key(
        client, admin_headers, "services:write", "maintenance:write", "declarations:write"
    )
    headers = bearer(key["token"])
    service = await ok(await client.post("/api/v1/services", json=PALOPO_SERVICE, headers=headers))
    service_url = f"/api/v1/services/{service['id']}"
    await ok(await client.patch(service_url, json={"name": "SIAK Palopo"}, headers=headers))
    now = utcnow()
    window = {
        "title": "Migrasi",
        "starts_at": iso(now + timedelta(days=1)),
        "ends_at": iso(now + timedelta(days=1, hours=2)),
        "service_ids": [service["id"]],
    }
    created = await ok(await client.post("/api/v1/maintenance", json=window, headers=headers))
    window_url = f"/api/v1/maintenance/{created['id']}"
    await ok(await client.patch(window_url, json={"title": "Migrasi data"}, headers=headers))
    await ok(await client.delete(window_url, headers=headers))
    body = LETTER | {"kind": "cutoff"}
    declared = await ok(
        await client.post("/api/v1/regions/73.73/declarations", json=body, headers=headers)
    )
    incident_id = await add_incident(database)
    update = {"status": "identified", "body_id": "Akses diputus.", "body_en": "Access cut."}
    await ok(
        await client.post(f"/api/v1/incidents/{incident_id}/updates", json=update, headers=headers)
    )
    await ok(await client.delete(service_url, headers=headers))
    await ok(await client.delete(f"/api/v1/keys/{key['id']}", headers=admin_headers))

    page = (await client.get("/api/v1/audit", headers=admin_headers)).json()
    entries = list(reversed(page["items"]))
    actor = f"key:{key['id']}"
    assert [(e["action"], e["actor"], e["target_type"]) for e in entries] == [
        ("key.create", "admin-token", "key"),
        ("service.create", actor, "service"),
        ("service.update", actor, "service"),
        ("maintenance.create", actor, "maintenance"),
        ("maintenance.update", actor, "maintenance"),
        ("maintenance.delete", actor, "maintenance"),
        ("declaration.cutoff", actor, "declaration"),
        ("incident_update.create", actor, "incident"),
        ("service.delete", actor, "service"),
        ("key.revoke", "admin-token", "key"),
    ]
    assert all(e["key_id"] == (None if e["actor"] == "admin-token" else key["id"]) for e in entries)
    renamed = entries[2]
    assert renamed["before"]["name"] == "SIAK Gateway Palopo"
    assert renamed["after"]["name"] == "SIAK Palopo"
    assert entries[5]["before"]["title"] == "Migrasi data" and entries[5]["after"] is None
    assert entries[6]["after"]["reference"] == declared["reference"]
    assert entries[0]["after"]["scopes"] and "token" not in entries[0]["after"]
    assert entries[-1]["before"]["revoked_at"] is None and entries[-1]["after"]["revoked_at"]

    async def actions(**params: Any) -> list[str]:
        response = await client.get("/api/v1/audit", params=params, headers=admin_headers)
        assert response.status_code == 200, response.text
        return [e["action"] for e in response.json()["items"]]

    assert await actions(target_type="service", target_id=str(service["id"])) == [
        "service.delete",
        "service.update",
        "service.create",
    ]
    assert await actions(actor="admin-token") == ["key.revoke", "key.create"]
    assert await actions(action="maintenance.delete") == ["maintenance.delete"]
    assert await actions(since=iso(utcnow() + timedelta(minutes=1))) == []
    first = (await client.get("/api/v1/audit", params={"limit": 4}, headers=admin_headers)).json()
    rest = await actions(cursor=first["next_cursor"])
    assert [e["action"] for e in first["items"]] + rest == await actions()


async def test_no_route_changes_or_deletes_the_log(app: FastAPI) -> None:
    audit_routes = [
        method
        for route in iter_route_contexts(app.routes)
        if (route.path or "").startswith("/api/v1/audit")
        for method in route.methods or ()
    ]
    assert audit_routes == ["GET"]


async def test_a_failed_write_leaves_no_entry(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    bad = PALOPO_SERVICE | {"region_code": "99.99"}
    assert (
        await client.post("/api/v1/services", json=bad, headers=admin_headers)
    ).status_code == 422
    assert (await client.get("/api/v1/audit", headers=admin_headers)).json()["items"] == []


# Each write route and the audit action it records; the scenarios above and in
# tests/notify/test_subscriptions_api.py prove each one. A new write route fails this test
# until it is audited (or listed below with the reason it is not an operator's write).
AUDITED_WRITE_ROUTES = {
    ("POST", "/api/v1/keys"): "key.create",
    ("DELETE", "/api/v1/keys/{key_id}"): "key.revoke",
    ("POST", "/api/v1/services"): "service.create",
    ("PATCH", "/api/v1/services/{service_id}"): "service.update",
    ("DELETE", "/api/v1/services/{service_id}"): "service.delete",
    ("POST", "/api/v1/maintenance"): "maintenance.create",
    ("PATCH", "/api/v1/maintenance/{window_id}"): "maintenance.update",
    ("DELETE", "/api/v1/maintenance/{window_id}"): "maintenance.delete",
    ("POST", "/api/v1/regions/{code}/declarations"): "declaration.<kind>",
    # tests/api/test_letters.py: with the declaration (multipart) or afterwards
    ("POST", "/api/v1/regions/{code}/declarations/{declaration_id}/letter"): "declaration.letter",
    ("POST", "/api/v1/incidents/{incident_id}/updates"): "incident_update.create",
    ("POST", "/api/v1/subscriptions"): "subscription.create",
    ("PATCH", "/api/v1/subscriptions/{subscription_id}"): "subscription.update",
    ("DELETE", "/api/v1/subscriptions/{subscription_id}"): "subscription.delete",
    ("POST", "/api/v1/subscriptions/{subscription_id}/rotate-secret"): "subscription.rotate_secret",
    ("POST", "/api/v1/subscriptions/{subscription_id}/replay"): "subscription.replay",
    ("POST", "/api/v1/subscriptions/{subscription_id}/ping"): "subscription.ping",
    ("POST", "/api/v1/deliveries/{delivery_id}/retry"): "delivery.retry",
    ("POST", "/api/v1/agents"): "agent.create",
    ("DELETE", "/api/v1/agents/{agent_id}"): "agent.delete",
}
NOT_OPERATOR_WRITES: dict[tuple[str, str], str] = {
    # an agent's observations, every interval: data, like probe results, not an operator act
    ("POST", "/api/v1/agents/{agent_id}/results"): "agent results",
}


async def test_every_write_route_is_audited(app: FastAPI) -> None:
    routes = {(method, path) for method, path, _scope in write_routes(app)}
    assert routes == AUDITED_WRITE_ROUTES.keys() | NOT_OPERATOR_WRITES.keys()
