"""Subscription and delivery routes through the ASGI app, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from app.core.domain import Reason
from app.notify.dispatcher import Dispatcher
from app.store.db import Database
from app.store.webhooks import DeliveryStatus
from tests.factories import REFUSED_URLS, SERVICE_EVENTS, add_service, deliveries, later, probe
from tests.support.receiver import Receiver, Reply
from tests.support.waiting import drive

Headers = dict[str, str]
BASE = "/api/v1/subscriptions"


async def create(client: httpx.AsyncClient, headers: Headers, **body: Any) -> dict[str, Any]:
    response = await client.post(
        BASE, json={"url": "http://127.0.0.1:9/hook"} | body, headers=headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_create_returns_the_secret_once(
    client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    created = await create(
        client,
        admin_headers,
        description="Redaksi Palopo",
        event_types=["service.outage", "service.outage", "service.operational"],
        region_prefixes=["7373", "73"],
        categories=["policy"],
    )
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"][6:])) == 32
    assert created["event_types"] == ["service.outage", "service.operational"]
    assert created["region_prefixes"] == ["73.73", "73"]
    assert created["is_active"] is True

    shown = (await client.get(f"{BASE}/{created['id']}", headers=admin_headers)).json()
    listed = (await client.get(BASE, headers=admin_headers)).json()
    assert "secret" not in shown and all("secret" not in s for s in listed["items"])
    assert shown == {k: v for k, v in created.items() if k != "secret"}


BAD_FIELDS: list[tuple[dict[str, Any], str]] = [
    ({"url": "ftp://example.org/"}, "url"),
    ({"url": "http://user:pw@example.org/"}, "url"),
    ({"event_types": ["service.exploded"]}, "event_types"),
    ({"region_prefixes": ["7"]}, "region_prefixes"),
    ({"region_prefixes": [73]}, "region_prefixes"),
    ({"categories": ["weather"]}, "categories"),
    ({"description": "x" * 501}, "description"),
    ({"secret": "whsec_mine"}, "secret"),
]


async def test_bad_fields_are_named(client: httpx.AsyncClient, admin_headers: Headers) -> None:
    for body, field in BAD_FIELDS:  # one database for the table: validation is engine-free
        payload = {"url": "https://hooks.example.org/p"} | body
        response = await client.post(BASE, json=payload, headers=admin_headers)
        assert response.status_code == 422, body
        assert any(field in error["loc"] for error in response.json()["detail"]), body


async def test_private_literal_addresses_are_refused(app: Any, admin_headers: Headers) -> None:
    app.state.settings = app.state.settings.model_copy(update={"webhook_allowed_networks": []})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://pantau.test") as client:
        for url in REFUSED_URLS:
            response = await client.post(BASE, json={"url": url}, headers=admin_headers)
            assert response.status_code == 422, url
            (error,) = response.json()["detail"]
            assert error["loc"] == ["body", "url"] and "address" in error["msg"], url


async def test_auth_is_required(client: httpx.AsyncClient) -> None:
    assert (await client.post(BASE, json={"url": "https://a.example/"})).status_code == 401
    assert (await client.get(BASE)).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert (await client.get(BASE, headers=wrong)).status_code == 403
    assert (await client.post(f"{BASE}/1/ping", headers=wrong)).status_code == 403


async def test_patch_delete_and_not_found(
    client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    created = await create(client, admin_headers)
    url = f"{BASE}/{created['id']}"
    patched = await client.patch(
        url, json={"is_active": False, "categories": ["network"]}, headers=admin_headers
    )
    assert patched.status_code == 200
    assert patched.json()["categories"] == ["network"]
    assert patched.json()["disabled_reason"] == "disabled through the API"
    again = await client.patch(url, json={"is_active": True}, headers=admin_headers)
    assert again.json()["disabled_reason"] is None
    assert (await client.patch(url, json={"url": None}, headers=admin_headers)).status_code == 422
    bad = await client.patch(url, json={"url": "http://10.0.0.1/"}, headers=admin_headers)
    assert bad.status_code == 422
    assert (await client.delete(url, headers=admin_headers)).status_code == 204
    assert (await client.get(url, headers=admin_headers)).status_code == 404
    assert (await client.delete(url, headers=admin_headers)).status_code == 404


async def test_rotation_returns_a_new_secret_and_a_grace(
    client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    created = await create(client, admin_headers)
    rotated = await client.post(
        f"{BASE}/{created['id']}/rotate-secret", json={"grace_seconds": 60}, headers=admin_headers
    )
    assert rotated.status_code == 200
    assert rotated.json()["secret"] not in (created["secret"], None)
    shown = (await client.get(f"{BASE}/{created['id']}", headers=admin_headers)).json()
    assert shown["previous_secret_expires_at"] == rotated.json()["previous_secret_expires_at"]


async def test_delivery_log_retry_replay_and_ping(
    client: httpx.AsyncClient,
    admin_headers: Headers,
    database: Database,
    dispatcher: Dispatcher,
    receiver: Receiver,
) -> None:
    receiver.responder = lambda _request: Reply(500, body=b"receiver broken")
    created = await create(client, admin_headers, url=receiver.url(), event_types=SERVICE_EVENTS)
    sid = await add_service(database)
    await probe(database, sid, Reason.OK)
    await probe(database, sid, Reason.NETWORK_TIMEOUT, later(5))
    log = f"{BASE}/{created['id']}/deliveries"

    async def failed() -> list[dict[str, Any]]:
        page = (await client.get(log, params={"status": "failed"}, headers=admin_headers)).json()
        return list(page["items"]) if len(page["items"]) == 2 else []

    items = await drive(dispatcher, failed)
    assert [i["event_type"] for i in items] == ["service.outage", "service.operational"]
    first = f"/api/v1/deliveries/{items[0]['id']}"
    detail = (await client.get(first, headers=admin_headers)).json()
    assert [a["status_code"] for a in detail["attempts"]] == [500] * 4
    assert detail["attempts"][0]["response_excerpt"] == "receiver broken"
    pending = await client.get(log, params={"status": "pending"}, headers=admin_headers)
    assert pending.json()["items"] == []

    receiver.responder = None
    retried = await client.post(f"{first}/retry", headers=admin_headers)
    assert retried.status_code == 202 and retried.json()["status"] == "pending"
    replayed = await client.post(
        f"{BASE}/{created['id']}/replay",
        params={"since": "2000-01-01T00:00:00Z"},
        headers=admin_headers,
    )
    assert replayed.status_code == 202 and replayed.json()["events"] == 2
    pinged = await client.post(f"{BASE}/{created['id']}/ping", headers=admin_headers)
    assert pinged.status_code == 202

    async def all_succeeded() -> bool:
        rows = await deliveries(database)
        return len(rows) == 3 and all(d.status == DeliveryStatus.SUCCEEDED for d in rows)

    await drive(dispatcher, all_succeeded)
    ok = [r for r in receiver.received if r.verify(created["secret"])]
    types = {r.webhook_id: r.verify(created["secret"])["type"] for r in ok[-3:]}
    assert sorted(types.values()) == ["ping", "service.operational", "service.outage"]
    assert pinged.json()["event_id"] in types


BAD_QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("/replay", {"since": "yesterday"}),
    ("/replay", {"since": "2026-11-29T08:00:00"}),
    ("/deliveries", {"status": "lost"}),
    ("/deliveries", {"limit": 0}),
]


async def test_bad_queries_are_named(client: httpx.AsyncClient, admin_headers: Headers) -> None:
    created = await create(client, admin_headers)
    for path, params in BAD_QUERIES:
        method = client.post if path == "/replay" else client.get
        url = f"{BASE}/{created['id']}{path}"
        response = await method(url, params=params, headers=admin_headers)
        assert response.status_code == 422, (path, params)
        assert response.json()["detail"][0]["loc"][0] == "query"


async def test_every_subscription_write_is_audited_without_its_secret(
    client: httpx.AsyncClient, admin_headers: Headers, database: Database
) -> None:
    created = await create(client, admin_headers)
    url = f"{BASE}/{created['id']}"
    assert (
        await client.patch(url, json={"description": "Portal"}, headers=admin_headers)
    ).is_success
    rotated = (await client.post(f"{url}/rotate-secret", headers=admin_headers)).json()
    replay = {"since": "2000-01-01T00:00:00Z"}
    assert (await client.post(f"{url}/replay", params=replay, headers=admin_headers)).is_success
    assert (await client.post(f"{url}/ping", headers=admin_headers)).is_success
    delivery = (await client.get(f"{url}/deliveries", headers=admin_headers)).json()["items"][0]
    retry = await client.post(f"/api/v1/deliveries/{delivery['id']}/retry", headers=admin_headers)
    assert retry.status_code == 202
    assert (await client.delete(url, headers=admin_headers)).status_code == 204

    page = (await client.get("/api/v1/audit", headers=admin_headers)).json()
    entries = list(reversed(page["items"]))
    assert [(e["action"], e["target_id"]) for e in entries] == [
        ("subscription.create", str(created["id"])),
        ("subscription.update", str(created["id"])),
        ("subscription.rotate_secret", str(created["id"])),
        ("subscription.replay", str(created["id"])),
        ("subscription.ping", str(created["id"])),
        ("delivery.retry", str(delivery["id"])),
        ("subscription.delete", str(created["id"])),
    ]
    assert (
        entries[1]["before"]["description"] == "" and entries[1]["after"]["description"] == "Portal"
    )
    assert entries[-1]["before"]["url"] == created["url"] and entries[-1]["after"] is None
    logged = str(page)
    assert created["secret"] not in logged and rotated["secret"] not in logged
