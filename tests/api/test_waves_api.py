"""GET /api/v1/waves and /api/v1/waves/{id}: newest first, `?active=true`, cursor pages,
public and cacheable; incidents name their wave."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.core.domain import Reason, State
from app.store.models import Incident
from tests.support.waves import MALUKU, NATIONAL, T0, at, reconcile


async def _two_waves(app: FastAPI) -> None:
    await reconcile(app.state.db, MALUKU, T0)
    await reconcile(app.state.db, [], at(60))  # the Maluku cut ends
    await reconcile(app.state.db, NATIONAL, at(120))


async def test_waves_newest_first_active_and_paged(app: FastAPI, client: httpx.AsyncClient) -> None:
    await _two_waves(app)

    everything = (await client.get("/api/v1/waves")).json()
    assert [w["scope"] for w in everything["items"]] == ["national", "island_group"]
    assert everything["next_cursor"] is None
    national, maluku = everything["items"]
    assert national["regions"] == sorted(NATIONAL) and national["ended_at"] is None
    assert (maluku["area"], maluku["area_label_id"], maluku["reason"]) == (
        "8",
        "Maluku",
        "network.backbone",
    )
    assert maluku["regions"] == sorted(MALUKU)  # the members at its end
    assert maluku["ended_at"] == "2026-11-29T07:03:00Z" and maluku["peak_regions"] == 3

    active = (await client.get("/api/v1/waves", params={"active": "true"})).json()
    assert [w["id"] for w in active["items"]] == [national["id"]]

    first = (await client.get("/api/v1/waves", params={"limit": 1})).json()
    assert [w["id"] for w in first["items"]] == [national["id"]]
    rest = await client.get("/api/v1/waves", params={"limit": 1, "cursor": first["next_cursor"]})
    assert [w["id"] for w in rest.json()["items"]] == [maluku["id"]]
    assert rest.json()["next_cursor"] is None


async def test_one_wave_or_404(app: FastAPI, client: httpx.AsyncClient) -> None:
    await _two_waves(app)
    listed = (await client.get("/api/v1/waves")).json()["items"]

    response = await client.get(f"/api/v1/waves/{listed[0]['id']}")
    assert response.status_code == 200 and response.json() == listed[0]
    assert response.headers["cache-control"].startswith("public")
    missing = await client.get("/api/v1/waves/999999")
    assert missing.status_code == 404
    assert (await client.get("/api/v1/waves/0")).status_code == 422
    assert (await client.get("/api/v1/waves", params={"cursor": "nope"})).status_code == 422


async def test_waves_are_readable_from_other_origins(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/waves", headers={"Origin": "https://example.org"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"


async def test_a_member_regions_incident_names_its_wave(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async with app.state.db.transaction() as session:
        for code in ("73.73", "81.71"):
            session.add(
                Incident(
                    region_code=code,
                    started_at=T0,
                    worst_state=State.OUTAGE,
                    category="network",
                    reason=Reason.NETWORK_TIMEOUT,
                )
            )
    await reconcile(app.state.db, NATIONAL, at(30))
    (wave,) = (await client.get("/api/v1/waves")).json()["items"]

    incidents = (await client.get("/api/v1/incidents")).json()["items"]
    assert {i["region_code"]: i["wave_id"] for i in incidents} == {
        "73.73": wave["id"],
        "81.71": None,
    }
    detail = (await client.get(f"/api/v1/incidents/{incidents[0]['id']}")).json()
    assert "wave_id" in detail


async def test_the_openapi_document_describes_the_wave_events(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    assert {"wave.started", "wave.updated", "wave.ended"} <= set(document["webhooks"])
    assert "/api/v1/waves/{wave_id}" in document["paths"]
