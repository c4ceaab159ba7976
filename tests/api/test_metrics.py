"""`/metrics`: Prometheus text that prometheus-client's own parser reads, with probe counts
once the checker has run, webhook sends once the dispatcher has sent, database-backed gauges,
and a registry per application."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from app.main import create_app
from app.simulator import Behaviour, Mode, Simulator
from tests.conftest import make_settings


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def total(found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str) -> float:
    return sum(value for (sample, _), value in found.items() if sample == name)


async def test_metrics_parse_without_a_checker(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    assert total(found, "pantau_probes_total") == 0
    assert ("pantau_services", (("state", "unknown"),)) in found
    assert ("pantau_webhook_outbox_depth", ()) in found


@pytest.fixture
async def checking_app(database_url: str) -> AsyncIterator[FastAPI]:
    settings = make_settings(database_url, run_checker=True, checker_tick_seconds=0.1)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


async def test_probe_counts_and_states_after_some_checks(
    checking_app: FastAPI, admin_headers: dict[str, str]
) -> None:
    transport = httpx.ASGITransport(app=checking_app)
    async with (
        Simulator() as sim,
        httpx.AsyncClient(transport=transport, base_url="http://pantau.test") as client,
    ):
        sim.set("73.71", Behaviour(Mode.ERROR, status=502))
        for code in ("73.73", "73.71"):
            body = {
                "region_code": code,
                "name": f"SIAK {code}",
                "url": sim.url_for(code),
                "interval_seconds": 1,
                "timeout_seconds": 0.8,
                "failure_threshold": 1,
                "success_threshold": 1,
            }
            response = await client.post("/api/v1/services", json=body, headers=admin_headers)
            assert response.status_code == 201, response.text

        found: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        for _ in range(100):
            found = samples((await client.get("/metrics")).text)
            # The state gauge is read from the database at scrape time; wait for both.
            outage = found.get(("pantau_services", (("state", "outage"),)), 0)
            if total(found, "pantau_transitions_total") >= 2 and outage == 1:
                break
            await asyncio.sleep(0.1)

    ok = ("pantau_probes_total", (("category", "ok"), ("outcome", "answered")))
    failed = ("pantau_probes_total", (("category", "upstream"), ("outcome", "answered")))
    assert found[ok] >= 1 and found[failed] >= 1
    assert found[("pantau_probe_latency_seconds_count", ())] == total(found, "pantau_probes_total")
    assert found[("pantau_schedule_lag_seconds_count", ())] >= 2
    assert found[("pantau_lease_claims_total", ())] >= 2
    assert found[("pantau_services", (("state", "operational"),))] == 1
    assert found[("pantau_services", (("state", "outage"),))] == 1
    to_outage = (("reason", "upstream.error"), ("to_state", "outage"))
    assert found[("pantau_transitions_total", to_outage)] == 1
    assert found[("pantau_record_batches_total", (("result", "ok"),))] >= 1
    # bounded labels: no URL, service or region anywhere
    assert "73.73" not in "".join(str(key) for key in found)


@asynccontextmanager
async def accepting_endpoint() -> AsyncIterator[str]:
    """A loopback webhook receiver that answers every request 204."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        await reader.readexactly(length)
        writer.write(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"


async def test_webhook_sends_are_counted_by_outcome(
    database_url: str, admin_headers: dict[str, str]
) -> None:
    settings = make_settings(
        database_url,
        dispatcher_tick_seconds=0.05,
        webhook_allowed_networks="127.0.0.0/8",
    )
    application = create_app(settings)
    transport = httpx.ASGITransport(app=application)
    async with (
        accepting_endpoint() as hook_url,
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=transport, base_url="http://pantau.test") as client,
    ):
        before = samples((await client.get("/metrics")).text)
        body = {"url": hook_url}
        created = await client.post("/api/v1/subscriptions", json=body, headers=admin_headers)
        assert created.status_code == 201, created.text
        ping = f"/api/v1/subscriptions/{created.json()['id']}/ping"
        assert (await client.post(ping, headers=admin_headers)).status_code == 202
        succeeded = ("pantau_webhook_sends_total", (("outcome", "succeeded"),))
        found = before
        for _ in range(100):
            found = samples((await client.get("/metrics")).text)
            if found[succeeded] >= 1:
                break
            await asyncio.sleep(0.1)

    assert before[succeeded] == 0  # every outcome is there from the start, at zero
    assert found[succeeded] == 1
    assert total(found, "pantau_webhook_sends_total") == 1


async def test_each_app_has_its_own_registry(database_url: str) -> None:
    apps = [create_app(make_settings(database_url)) for _ in range(2)]
    texts = []
    for application in apps:
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                texts.append((await client.get("/metrics")).text)
    assert all(samples(text) for text in texts)  # no "Duplicated timeseries" on the second
