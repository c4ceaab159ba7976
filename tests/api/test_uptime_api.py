"""Uptime routes over transitions recorded through the real store functions."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from app.core.domain import Reason
from app.store.db import Database
from app.store.types import utcnow
from tests.factories import add_service, probe

H = 3600.0


async def test_service_uptime_splits_downtime_by_cause(
    client: httpx.AsyncClient, database: Database
) -> None:
    sid = await add_service(database)
    now = utcnow()
    await probe(database, sid, Reason.OK, now - timedelta(hours=10))
    await probe(database, sid, Reason.NETWORK_TIMEOUT, now - timedelta(hours=4))
    await probe(database, sid, Reason.OK, now - timedelta(hours=3))
    response = await client.get(f"/api/v1/services/{sid}/uptime", params={"window": "24h"})
    body = response.json()
    assert (body["window"], body["service_id"], body["region_code"]) == ("24h", sid, "73.73")
    assert body["downtime_by_category"]["network"] == pytest.approx(H)
    assert body["unmonitored_seconds"] == pytest.approx(14 * H, abs=5)
    assert body["citizens"]["uptime_percent"] == pytest.approx(90.0, abs=0.01)
    assert body["citizens"]["label"]["id"] == "Ketersediaan bagi warga"
    assert body["office"]["uptime_percent"] == body["citizens"]["uptime_percent"]


async def test_region_uptime_is_the_worst_service_and_office_leaves_declared_maintenance_out(
    client: httpx.AsyncClient, database: Database
) -> None:
    a, b = await add_service(database), await add_service(database)
    now = utcnow()
    for sid in (a, b):
        await probe(database, sid, Reason.OK, now - timedelta(days=2))
    await probe(database, a, Reason.MAINTENANCE_SCHEDULED, now - timedelta(hours=6))
    await probe(database, a, Reason.OK, now - timedelta(hours=4))
    await probe(database, b, Reason.POLICY_CUTOFF, now - timedelta(hours=2))
    await probe(database, b, Reason.OK, now - timedelta(hours=1))
    body = (await client.get("/api/v1/regions/73/uptime", params={"window": "24h"})).json()
    assert body["downtime_by_category"]["maintenance"] == pytest.approx(2 * H)
    assert body["downtime_by_category"]["policy"] == pytest.approx(H)
    assert body["citizens"]["uptime_percent"] == pytest.approx(100 * 21 / 24, abs=0.01)
    assert body["office"]["excluded_seconds"] == pytest.approx(2 * H)
    assert body["office"]["uptime_percent"] == pytest.approx(100 * 21 / 22, abs=0.01)
    assert 0 <= body["office"]["uptime_percent"] <= 100


async def test_region_without_services_has_no_figure(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/regions/73.73/uptime")).json()
    assert body["window"] == "30d" and body["citizens"]["uptime_percent"] is None
    assert body["unmonitored_seconds"] == pytest.approx(30 * 24 * H, abs=1)


async def test_bad_window_is_422_and_unknown_subjects_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/regions/73.73/uptime", params={"window": "1h"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "window"]
    assert (await client.get("/api/v1/regions/99.99/uptime")).status_code == 404
    assert (await client.get("/api/v1/services/4242/uptime")).status_code == 404


async def test_a_minute_of_data_says_so_in_every_window(
    client: httpx.AsyncClient, database: Database
) -> None:
    """Palopo after a minute of monitoring: the figure comes with its coverage and start."""
    sid = await add_service(database)
    first = utcnow() - timedelta(seconds=60)
    await probe(database, sid, Reason.OK, first)
    await probe(database, sid, Reason.NETWORK_TIMEOUT, first + timedelta(seconds=54))
    for window, days in (("24h", 1), ("30d", 30), ("90d", 90)):
        body = (await client.get("/api/v1/regions/7373/uptime", params={"window": window})).json()
        observed = body["citizens"]["observed_seconds"]
        assert 60 <= observed < 120 and body["citizens"]["uptime_percent"] < 95
        assert body["coverage"] == pytest.approx(observed / (days * 86_400))
        assert body["citizens"]["coverage"] == body["coverage"]
        assert body["coverage_verdict"] == "too_little"
        assert body["monitored_since"] == first.isoformat().replace("+00:00", "Z")
    service = (await client.get(f"/api/v1/services/{sid}/uptime")).json()
    assert service["monitored_since"] == body["monitored_since"]
    assert service["coverage"] == pytest.approx(body["coverage"] * 3, rel=0.01)  # 30 of 90 d


async def test_coverage_grows_to_full_and_starts_at_the_earliest_service(
    client: httpx.AsyncClient, database: Database
) -> None:
    a, b = await add_service(database), await add_service(database, "73.71")
    now = utcnow()
    await probe(database, b, Reason.OK, now - timedelta(days=5), region="73.71")
    await probe(database, a, Reason.OK, now - timedelta(days=2))

    async def verdict(window: str) -> tuple[str, float]:
        body = (await client.get("/api/v1/regions/73/uptime", params={"window": window})).json()
        assert body["monitored_since"].startswith((now - timedelta(days=5)).date().isoformat())
        return body["coverage_verdict"], body["coverage"]

    assert await verdict("24h") == ("full", 1.0)
    assert (await verdict("7d"))[0] == "partial"
    assert (await verdict("7d"))[1] == pytest.approx(5 / 7, abs=0.001)
    assert (await verdict("30d"))[0] == "too_little"
    palopo = (await client.get("/api/v1/regions/73.73/uptime", params={"window": "7d"})).json()
    assert palopo["coverage"] == pytest.approx(2 / 7, abs=0.001)


async def test_never_observed_has_no_coverage_and_no_start(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/regions/31.71/uptime")).json()
    assert (body["coverage"], body["coverage_verdict"], body["monitored_since"]) == (
        0.0,
        "no_data",
        None,
    )
    assert body["office"]["coverage"] == 0.0
