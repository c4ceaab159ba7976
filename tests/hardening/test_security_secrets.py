"""Secrets and tokens are shown once, at creation, and never again: the real service runs
at DEBUG with JSON logs; an API key and a webhook subscription are created, the secret is
rotated and a ping delivered with it; then every later response (lists, details, audit log,
deliveries, metrics) and every log line is searched for the admin token, the key's token and
both secrets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN
from tests.support.harness import PantauProcess
from tests.support.receiver import Receiver
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as r:
        yield r


def _variants(secret: str) -> list[str]:
    """The secret as issued and its bare key material (a `whsec_` secret minus its prefix)."""
    return [secret, secret.removeprefix("whsec_")]


async def _later_responses(
    client: httpx.AsyncClient, key_token: str, subscription_id: int, delivery_id: int
) -> list[httpx.Response]:
    as_key = {"Authorization": f"Bearer {key_token}"}
    reads = [
        "/api/v1/keys",
        "/api/v1/audit?limit=500",
        "/api/v1/subscriptions",
        f"/api/v1/subscriptions/{subscription_id}",
        f"/api/v1/subscriptions/{subscription_id}/deliveries",
        f"/api/v1/deliveries/{delivery_id}",
        "/api/v1/agents",
        "/api/v1/status",
        "/metrics",
        "/openapi.json",
    ]
    responses = [await client.get(path) for path in reads]
    responses.append(await client.get(f"/api/v1/subscriptions/{subscription_id}", headers=as_key))
    # A failed request must not echo the credential it was refused with either.
    responses.append(await client.get("/api/v1/keys", headers=as_key))
    responses.append(await client.post("/api/v1/keys", json={"name": key_token, "scopes": []}))
    return responses


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_no_secret_in_any_later_response_or_log_line(
    database_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    log = tmp_path / "pantau.log"
    pantau = PantauProcess(
        database_url,
        log,
        log_level="debug",
        log_format="json",
        webhook_allowed_networks="127.0.0.0/8",
        dispatcher_tick_seconds="0.1",
    )
    await pantau.start()
    try:
        async with pantau.client() as client:
            issued = await client.post(
                "/api/v1/keys", json={"name": "newsroom bot", "scopes": ["subscriptions:write"]}
            )
            key_token = issued.json()["token"]
            as_key = {"Authorization": f"Bearer {key_token}"}
            created = await client.post(
                "/api/v1/subscriptions",
                json={"url": receiver.url(), "description": "redaksi"},
                headers=as_key,
            )
            assert created.status_code == 201, created.text
            subscription_id = created.json()["id"]
            first_secret = created.json()["secret"]
            rotated = await client.post(
                f"/api/v1/subscriptions/{subscription_id}/rotate-secret", headers=as_key
            )
            second_secret = rotated.json()["secret"]
            ping = await client.post(f"/api/v1/subscriptions/{subscription_id}/ping")
            assert ping.status_code == 202, ping.text
            await wait_for(lambda: asyncio.sleep(0, receiver.received), within=10)
            receiver.received[0].verify(second_secret)  # the secrets are real and in use

            async def delivered() -> list[int]:
                page = await client.get(f"/api/v1/subscriptions/{subscription_id}/deliveries")
                return [d["id"] for d in page.json()["items"] if d["status"] == "succeeded"]

            delivery_id = (await wait_for(delivered, within=10))[0]
            responses = await _later_responses(client, key_token, subscription_id, delivery_id)
    finally:
        await pantau.stop()

    secrets = [ADMIN_TOKEN, key_token, *_variants(first_secret), *_variants(second_secret)]
    assert all(r.status_code < 500 for r in responses)
    for response in responses:
        for secret in secrets:
            assert secret not in response.text, (response.request.url, secret[:8])
            assert secret not in str(response.headers), (response.request.url, secret[:8])
    lines = log.read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert any(r["level"] == "DEBUG" for r in records)  # the capture really was at DEBUG
    assert any(r["logger"] == "uvicorn.access" for r in records)
    for secret in secrets:
        assert not [line for line in lines if secret in line], secret[:8]
