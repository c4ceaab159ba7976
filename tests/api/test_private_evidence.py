"""Nothing private is published (issue #14, finding 5), end to end on a real uvicorn with the
checker and the dispatcher running: an endpoint whose error page holds a secret, and one
whose URL carries credentials and a secret query, are probed for real. Every anonymous JSON
route, page, feed, the SSE stream and the webhook bodies are then searched for the secrets;
holders of `services:write` still see the whole evidence and the full URL, and the prober
still authenticates."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn

from app.main import create_app
from app.settings import Settings
from app.simulator import Behaviour, Mode, Simulator
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.factories import bearer, issue_key
from tests.support.receiver import Received, Receiver, Reply
from tests.support.stream import connect
from tests.support.waiting import wait_for

BODY_SECRET = "SECRET-TOKEN-123"
PASSWORD = "PASSWORD-SECRET-456"
QUERY_SECRET = "QUERY-SECRET-789"
USERNAME = "probe-user"
SECRETS = (BODY_SECRET, PASSWORD, QUERY_SECRET, USERNAME)
ADMIN = bearer(ADMIN_TOKEN)
PUBLIC_EVIDENCE_KEYS = {"rule", "status_code", "latency_ms"}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url,
        run_checker=True,
        checker_tick_seconds=0.1,
        dispatcher_tick_seconds=0.1,
        webhook_allowed_networks="127.0.0.0/8",
        wave_national_min_regions=1000,
        wave_group_min_regions=1000,  # no failure here may read as a wave
    )


@pytest.fixture
async def base_url(settings: Settings) -> AsyncIterator[str]:
    app = create_app(settings)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await wait_for(lambda: _true(server.started), within=10, interval=0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def _true(value: bool) -> bool:
    return value


def _basic_auth_gate(request: Received) -> Reply:
    """A health endpoint that answers only with the right Basic credentials."""
    token = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    if request.headers.get("authorization") == f"Basic {token}":
        return Reply(200, body=b'{"status":"ok"}')
    return Reply(401, headers={"WWW-Authenticate": "Basic"}, body=b"login required")


async def _create(client: httpx.AsyncClient, region: str, url: str) -> dict[str, Any]:
    spec = {
        "region_code": region,
        "name": f"SIAK {region}",
        "url": url,
        "interval_seconds": 1,
        "timeout_seconds": 0.8,
        "failure_threshold": 1,
        "success_threshold": 1,
    }
    response = await client.post("/api/v1/services", json=spec, headers=ADMIN)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _history(client: httpx.AsyncClient, code: str, **headers: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/regions/{code}/history", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _reached(client: httpx.AsyncClient, code: str, reason: str) -> dict[str, Any]:
    """The region's newest transition once it has `reason`; until then {} (falsy)."""
    items = await _history(client, code)
    return items[0] if items and items[0]["reason"] == reason else {}


def _delivered(hooks: Receiver, transition_id: int) -> bool:
    bodies = [json.loads(r.body) for r in hooks.received]
    return any(b["data"].get("transition", {}).get("id") == transition_id for b in bodies)


def _assert_no_secret(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, (where, secret)


async def _anonymous_documents(
    client: httpx.AsyncClient, failing: dict[str, Any], gated: dict[str, Any], incident_id: int
) -> dict[str, str]:
    paths = [
        "/api/v1/status",
        "/api/v1/regions",
        "/api/v1/regions/73.73",
        "/api/v1/regions/73.73/history",
        "/api/v1/regions/73.72/history",
        "/api/v1/regions/73/history",
        f"/api/v1/services/{failing['id']}/history",
        "/api/v1/regions/73.73/uptime",
        "/api/v1/incidents",
        f"/api/v1/incidents/{incident_id}",
        "/api/v1/services",
        f"/api/v1/services/{gated['id']}",
        "/api/v2/summary.json",
        "/api/v2/components.json",
        "/api/v2/incidents.json",
        "/",
        "/regions/73.73",
        "/regions/73.72",
        "/widget/73.73",
        "/feeds/incidents.atom",
    ]
    documents = {}
    for path in paths:
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text)
        documents[path] = response.text
    return documents


async def _streamed(base_url: str, wanted: set[int]) -> list[str]:
    """Every transition's SSE data from the start, as an anonymous listener receives it."""
    data: list[str] = []
    seen: set[int] = set()
    async with connect(base_url, **{"Last-Event-ID": "0"}) as stream:
        while not wanted <= seen:
            event = await stream.next()
            seen.add(int(event["id"]))
            data.append(event["data"])
    return data


async def test_probe_evidence_and_url_secrets_reach_operators_only(
    base_url: str, simulator: Simulator
) -> None:
    simulator.set("73.73", Behaviour(Mode.ERROR, body=f"internal error; token={BODY_SECRET}"))
    async with (
        Receiver() as hooks,
        Receiver() as gate,
        httpx.AsyncClient(base_url=base_url, timeout=10) as client,
    ):
        gate.responder = _basic_auth_gate
        subscribed = await client.post(
            "/api/v1/subscriptions", json={"url": hooks.url()}, headers=ADMIN
        )
        assert subscribed.status_code == 201, subscribed.text

        failing = await _create(client, "73.73", simulator.url_for("73.73"))
        secret_url = (
            f"http://{USERNAME}:{PASSWORD}@127.0.0.1:{gate.port}/health?api_key={QUERY_SECRET}"
        )
        gated = await _create(client, "73.72", secret_url)
        # The creator holds services:write: the URL as probed, the credentials moved aside.
        assert gated["url"] == f"http://127.0.0.1:{gate.port}/health?api_key={QUERY_SECRET}"
        assert gated["has_basic_auth"] is True
        assert PASSWORD not in json.dumps(gated) and USERNAME not in json.dumps(gated)

        outage = await wait_for(lambda: _reached(client, "73.73", "upstream.error"), within=15)
        # The prober authenticates (and keeps the query): the gate lets it in.
        operational = await wait_for(lambda: _reached(client, "73.72", "ok"), within=15)
        assert gate.received and all(
            r.path == f"/health?api_key={QUERY_SECRET}" for r in gate.received
        )

        assert outage["evidence"]["rule"] == "status_5xx"
        assert outage["evidence"]["status_code"] == 500
        assert set(outage["evidence"]) <= PUBLIC_EVIDENCE_KEYS
        await wait_for(lambda: _true(_delivered(hooks, outage["id"])), within=15)

        documents = await _anonymous_documents(client, failing, gated, outage["incident_id"])
        documents |= {
            f"sse {i}": data
            for i, data in enumerate(await _streamed(base_url, {outage["id"], operational["id"]}))
        }
        documents |= {f"webhook {i}": r.body.decode() for i, r in enumerate(hooks.received)}
        for where, text in documents.items():
            _assert_no_secret(where, text)
        public_url = f"http://127.0.0.1:{gate.port}/health"
        assert json.loads(documents[f"/api/v1/services/{gated['id']}"])["url"] == public_url
        assert any(public_url in body for where, body in documents.items() if "webhook" in where)

        # Holders of services:write see what was observed; other keys see the public view.
        writer = (await issue_key(client, ADMIN, "services:write"))["token"]
        other = (await issue_key(client, ADMIN, "subscriptions:write"))["token"]
        for token in (ADMIN_TOKEN, writer):
            full = await _history(client, "73.73", **bearer(token))
            assert BODY_SECRET in full[0]["evidence"]["excerpt"]
            incident = await client.get(
                f"/api/v1/incidents/{outage['incident_id']}", headers=bearer(token)
            )
            assert BODY_SECRET in incident.text
            service = await client.get(f"/api/v1/services/{gated['id']}", headers=bearer(token))
            assert service.json()["url"].endswith(f"?api_key={QUERY_SECRET}")
            assert PASSWORD not in service.text
        _assert_no_secret("other key", json.dumps(await _history(client, "73.73", **bearer(other))))
        audit = await client.get("/api/v1/audit", params={"limit": 500}, headers=ADMIN)
        assert audit.status_code == 200 and PASSWORD not in audit.text

        # The evidence stays stored, and private, after the service is gone.
        deleted = await client.delete(f"/api/v1/services/{failing['id']}", headers=ADMIN)
        assert deleted.status_code == 204
        after = await _history(client, "73.73")
        assert after[0]["service_id"] is None
        _assert_no_secret("history after delete", json.dumps(after))
        full = await _history(client, "73.73", **ADMIN)
        assert BODY_SECRET in full[0]["evidence"]["excerpt"]
