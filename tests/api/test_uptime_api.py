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
