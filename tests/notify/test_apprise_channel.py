"""Chat and push channels through Apprise, on SQLite and PostgreSQL: the in-process app and the
real dispatcher send a cutoff to an Apprise `json://` URL pointed at a loopback receiver, once,
retried after a 500; a URL Apprise cannot read, or naming a private host, is a 422 naming
`url`; the URL's tokens are never shown again (responses, audit log); the connection guard
refuses an address the SSRF rules forbid even when the URL check could not see it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import requests
from sqlmodel import col, select

from app.core.domain import Reason
from app.notify import apprise_channel
from app.notify.apprise_channel import AppriseSender, BlockedChannelAddress
from app.notify.dispatcher import Dispatcher
from app.store.db import Database
from app.store.webhooks import DeliveryAttempt, DeliveryStatus
from tests.factories import LETTER, SERVICE_EVENTS, add_service, deliveries, probe, subscribe
from tests.support.receiver import Receiver, Reply
from tests.support.waiting import drive

Headers = dict[str, str]
BASE = "/api/v1/subscriptions"
TOKEN = "s3cr3t-t0ken-palopo"


async def attempts(database: Database) -> list[DeliveryAttempt]:
    async with database.read() as session:
        query = select(DeliveryAttempt).order_by(col(DeliveryAttempt.id))
        return list((await session.exec(query)).all())


async def settled(database: Database) -> list[str] | None:
    statuses = [str(d.status) for d in await deliveries(database)]
    return statuses if statuses and "pending" not in statuses else None


async def test_a_cutoff_reaches_the_channel_once_retried_after_a_500(
    client: httpx.AsyncClient,
    admin_headers: Headers,
    database: Database,
    dispatcher: Dispatcher,
    receiver: Receiver,
) -> None:
    receiver.script["/chat"] = [Reply(500, body=b"chat server hiccup")]
    url = f"json://pantau:{TOKEN}@127.0.0.1:{receiver.port}/chat"
    spec = {"channel": "apprise", "url": url, "event_types": ["cutoff.declared"]}
    created = await client.post(
        BASE, json=spec | {"region_prefixes": ["73"]}, headers=admin_headers
    )
    assert created.status_code == 201, created.text
    assert created.json()["channel"] == "apprise"
    assert created.json()["url"] == f"json://127.0.0.1:{receiver.port}/…"

    declared = await client.post(
        "/api/v1/regions/73.73/declarations",
        json=LETTER | {"kind": "cutoff"},
        headers=admin_headers,
    )
    assert declared.status_code == 201, declared.text
    assert await drive(dispatcher, lambda: settled(database)) == ["succeeded"]

    first, second = receiver.at("/chat")  # the 500, then the one message that got through
    assert first.body == second.body  # the same message on every attempt
    assert second.headers["authorization"].startswith("Basic ")  # the URL's credentials
    message = json.loads(second.body)
    assert message["title"] == "Kota Palopo: layanan e-KTP diputus / e-KTP service cut off"
    assert message["type"] == "failure"
    body = message["message"]
    assert "Surat / Letter: 470/1234/Dukcapil" in body and "28 Nov 2026" in body
    assert "Penyebab / Cause: Pemutusan" in body
    assert "Wilayah / Region: Kota Palopo (73.73), Sulawesi Selatan" in body
    tried = await attempts(database)
    assert [(a.number, a.outcome, a.error_class) for a in tried] == [
        (1, "retry", "apprise_failed"),
        (2, "succeeded", None),
    ]
    assert (tried[1].attempted_at - tried[0].attempted_at).total_seconds() >= 0.2  # schedule

    log = await client.get(f"{BASE}/{created.json()['id']}/deliveries", headers=admin_headers)
    (item,) = log.json()["items"]
    assert (item["event_type"], item["status"], item["attempt_count"]) == (
        "cutoff.declared",
        "succeeded",
        2,
    )


async def test_urls_are_checked_per_channel_and_named(
    app: Any, client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    bad: list[tuple[dict[str, Any], str]] = [
        ({"channel": "apprise", "url": "foo://bar"}, "url"),  # no such service
        ({"channel": "apprise", "url": "tgram://"}, "url"),  # the token is missing
        ({"channel": "apprise", "url": "ntfys://a b"}, "url"),
        ({"channel": "webhook", "url": "ntfys://palopo"}, "url"),  # not http(s)
        ({"channel": "carrier-pigeon", "url": "ntfys://palopo"}, "channel"),
    ]
    for body, field in bad:
        response = await client.post(BASE, json=body, headers=admin_headers)
        assert response.status_code == 422, body
        (error,) = response.json()["detail"]
        assert error["loc"] == ["body", field], body
    unknown = await client.post(
        BASE, json={"channel": "apprise", "url": "foo://bar"}, headers=admin_headers
    )
    assert "Apprise URL" in unknown.json()["detail"][0]["msg"]

    app.state.settings = app.state.settings.model_copy(update={"webhook_allowed_networks": []})
    for url in ("ntfy://10.0.0.1/palopo", "json://localhost:8080/x", "json://[::1]/x"):
        response = await client.post(
            BASE, json={"channel": "apprise", "url": url}, headers=admin_headers
        )
        assert response.status_code == 422, url
        (error,) = response.json()["detail"]
        assert error["loc"] == ["body", "url"] and "address" in error["msg"], url
    public = await client.post(
        BASE, json={"channel": "apprise", "url": "ntfys://pantau-palopo"}, headers=admin_headers
    )
    assert public.status_code == 201  # the public ntfy.sh: no host of the operator's choosing


async def test_the_url_and_its_tokens_are_never_shown_again(
    client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    bot = "123456789:AAEhBP0av28-rahasia"
    spec = {"channel": "apprise", "url": f"tgram://{bot}/-100987654", "description": "Ops"}
    created = (await client.post(BASE, json=spec, headers=admin_headers)).json()
    path = f"{BASE}/{created['id']}"
    assert created["url"] == "tgram://…"
    shown = await client.get(path, headers=admin_headers)
    listed = await client.get(BASE, headers=admin_headers)
    renamed = await client.patch(path, json={"description": "Ops 2"}, headers=admin_headers)
    moved = await client.patch(
        path, json={"url": f"tgram://{bot}/-100111222"}, headers=admin_headers
    )
    assert moved.status_code == 200 and moved.json()["url"] == "tgram://…"
    # A new channel needs a URL that fits it: this one is no webhook.
    refused = await client.patch(path, json={"channel": "webhook"}, headers=admin_headers)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "url"]
    audit = await client.get("/api/v1/audit", headers=admin_headers)
    for response in (shown, listed, renamed, moved, refused, audit):
        assert response.is_success or response is refused
        assert "AAEhBP0av28" not in response.text and "987654" not in response.text
    assert "tgram://…" in audit.text


async def test_the_guard_refuses_a_forbidden_address_at_connect_time(
    database: Database, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    """A redirect or a name that resolves elsewhere only shows when connecting: inside a
    delivery every connection Apprise's HTTP library opens is vetted."""
    apprise_channel.parse_target("json://127.0.0.1/")  # loads Apprise and its guard
    token = apprise_channel._ALLOWED.set(())
    try:
        with pytest.raises(requests.ConnectionError) as raised:
            await asyncio.to_thread(requests.post, receiver.url("/guarded"), timeout=2)
    finally:
        apprise_channel._ALLOWED.reset(token)
    assert "private, loopback" in str(raised.value)
    assert receiver.at("/guarded") == []
    outside = await asyncio.to_thread(requests.post, receiver.url("/unguarded"), timeout=2)
    assert outside.status_code == 200  # outside a delivery, urllib3 is untouched

    # A delivery whose URL names a forbidden host is refused, named and retried.
    dispatcher.apprise = AppriseSender(allowed=())
    await subscribe(
        database,
        f"json://127.0.0.1:{receiver.port}/chat",
        channel="apprise",
        event_types=SERVICE_EVENTS,
    )
    await probe(database, await add_service(database), Reason.OK)
    assert await drive(dispatcher, lambda: settled(database)) == [str(DeliveryStatus.FAILED)]
    assert {a.error_class for a in await attempts(database)} == {"blocked_address"}
    assert receiver.at("/chat") == []
    assert issubclass(BlockedChannelAddress, OSError)
