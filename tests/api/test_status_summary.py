"""GET /api/v1/status, region filters and province summaries, and the HTTP behaviour every
read route shares (ETag/304, Cache-Control, CORS, gzip); on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.core.domain import Reason
from app.main import create_app
from app.reads.freshness import DataVersions
from app.settings import Settings
from app.store.db import Database
from tests.conftest import make_settings
from tests.factories import add_service, probe

OK, TIMEOUT, CUTOFF = Reason.OK, Reason.NETWORK_TIMEOUT, Reason.POLICY_CUTOFF


async def seed(database: Database) -> dict[str, int]:
    """Palopo cut off; Makassar half down; Jakarta Pusat up; Bandung under maintenance."""
    ids = {
        "palopo": await add_service(database, "73.73"),
        "makassar_a": await add_service(database, "73.71"),
        "makassar_b": await add_service(database, "73.71"),
        "jakarta": await add_service(database, "31.71"),
        "bandung": await add_service(database, "32.73"),
    }
    for key, sid in ids.items():
        region = {"p": "73.73", "m": "73.71", "j": "31.71", "b": "32.73"}[key[0]]
        await probe(database, sid, OK, 0, region=region)
    await probe(database, ids["makassar_a"], TIMEOUT, 5, region="73.71")
    await probe(database, ids["palopo"], CUTOFF, 10, region="73.73")
    await probe(database, ids["bandung"], Reason.MAINTENANCE_ANNOUNCED, 20, region="32.73")
    return ids


async def test_nothing_monitored_is_all_unknown(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/status")).json()
    assert body["state"] == "unknown" and body["updated_at"] is None
    assert body["blast_radius"]["affected"] == 0 and body["blast_radius"]["total"] == 514
    assert body["by_state"]["unknown"] == 514
    assert len(body["provinces"]) == 38 and body["not_operational"] == []


async def test_summary_counts_blast_radius_and_regions_not_operational(
    client: httpx.AsyncClient, database: Database
) -> None:
    await seed(database)
    body = (await client.get("/api/v1/status")).json()
    assert body["state"] == "outage"
    assert body["blast_radius"] == {
        "affected": 3,
        "monitored": 4,
        "total": 514,
        "label": {
            "id": "3 dari 514 kabupaten/kota terdampak, 4 dipantau",
            "en": "3 of 514 regencies/cities affected, 4 monitored",
        },
    }
    assert body["by_state"] == {
        "operational": 1,
        "degraded": 0,
        "outage": 2,
        "maintenance": 1,
        "unknown": 510,
    }
    assert body["by_category"]["policy"] == 1 and body["by_category"]["network"] == 1
    assert body["by_category"]["maintenance"] == 1 and body["by_category"]["upstream"] == 0
    listed = [(r["code"], r["state"], r["reason"]) for r in body["not_operational"]]
    assert listed == [
        ("73.71", "outage", "network.timeout"),  # outages first, the longest first
        ("73.73", "outage", "policy.cutoff"),
        ("32.73", "maintenance", "maintenance.announced"),
    ]
    makassar = body["not_operational"][0]
    assert (makassar["services"], makassar["services_down"]) == (2, 1)
    assert makassar["reason_label"] == {"id": "Waktu koneksi habis", "en": "Timed out"}
    sulsel = next(p for p in body["provinces"] if p["code"] == "73")
    assert (sulsel["state"], sulsel["blast_radius"]["affected"]) == ("outage", 2)
    assert sulsel["blast_radius"]["total"] == 24 and sulsel["by_state"]["outage"] == 2
    # The province's roll-up says how many of its regions are watched at all.
    assert sulsel["blast_radius"]["monitored"] == 2
    assert sulsel["blast_radius"]["label"]["en"].endswith(
        "of 24 regencies/cities affected, 2 monitored"
    )
    aceh = next(p for p in body["provinces"] if p["code"] == "11")
    assert (aceh["state"], aceh["blast_radius"]["monitored"]) == ("unknown", 0)
    assert aceh["blast_radius"]["label"]["id"] == "0 dari 23 kabupaten/kota terdampak, 0 dipantau"


async def test_a_new_transition_shows_at_once(
    client: httpx.AsyncClient, database: Database
) -> None:
    ids = await seed(database)
    assert (await client.get("/api/v1/status")).json()["blast_radius"]["affected"] == 3
    await probe(database, ids["palopo"], OK, 30, region="73.73")
    assert (await client.get("/api/v1/status")).json()["blast_radius"]["affected"] == 2


async def test_a_version_is_reused_briefly_unless_this_process_commits(
    database: Database,
) -> None:
    versions = DataVersions(database, ttl=60)
    first = await versions.current()
    assert await versions.current() is first  # nothing committed since: no query
    await add_service(database)
    second = await versions.current()
    assert second.key != first.key
    assert (await DataVersions(database, ttl=0).current()).key == second.key


async def test_pausing_a_service_changes_the_summary(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    ids = await seed(database)
    await client.get("/api/v1/status")
    patch = {"is_paused": True}
    url = f"/api/v1/services/{ids['bandung']}"
    assert (await client.patch(url, json=patch, headers=admin_headers)).status_code == 200
    body = (await client.get("/api/v1/status")).json()
    assert body["by_state"]["maintenance"] == 0 and body["blast_radius"]["monitored"] == 3


async def test_declared_cutoff_is_cited(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    ids = await seed(database)
    await probe(database, ids["palopo"], TIMEOUT, 40, region="73.73")  # now a plain timeout
    declaration = {
        "kind": "cutoff",
        "reference": "400.8/1234/Dukcapil",
        "issuer": "Ditjen Dukcapil Kemendagri",
        "issued_at": "2026-11-28T00:00:00Z",
    }
    url = "/api/v1/regions/73.73/declarations"
    assert (await client.post(url, json=declaration, headers=admin_headers)).status_code == 201
    body = (await client.get("/api/v1/status")).json()
    palopo = next(r for r in body["not_operational"] if r["code"] == "73.73")
    assert palopo["reason"] == "policy.cutoff"
    assert palopo["declaration"]["reference"] == "400.8/1234/Dukcapil"


async def test_region_filters_and_province_summary(
    client: httpx.AsyncClient, database: Database
) -> None:
    await seed(database)

    async def codes(**params: str) -> list[str]:
        response = await client.get("/api/v1/regions", params=params)
        assert response.status_code == 200, response.text
        return [item["code"] for item in response.json()["items"]]

    assert await codes(state="outage") == ["73", "73.71", "73.73"]
    assert await codes(state="outage", level="city") == ["73.71", "73.73"]
    assert await codes(category="policy") == ["73", "73.73"]
    assert await codes(category="maintenance", province="32") == ["32", "32.73"]
    assert len(await codes(province="73", limit="100")) == 25
    province = (await client.get("/api/v1/regions/73")).json()
    assert (province["state"], province["reason"]) == ("outage", "network.timeout")
    page = (await client.get("/api/v1/regions", params={"state": "outage", "limit": 2})).json()
    assert page["total"] == 3 and page["next_cursor"] == "73.71"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"province": "73.73"}, "province"),
        ({"state": "down"}, "state"),
        ({"category": "x"}, "category"),
    ],
)
async def test_bad_region_filters_are_422(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await client.get("/api/v1/regions", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


async def test_etag_304_cache_control_and_gzip(client: httpx.AsyncClient) -> None:
    first = await client.get("/api/v1/status")
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["cache-control"] == "public, max-age=5"
    assert first.headers["content-encoding"] == "gzip"  # httpx asks for it; it decodes
    again = await client.get("/api/v1/status", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    plain = await client.get("/api/v1/status", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == first.json()
    raw = await client.get("/api/v1/regions", headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip" and raw.headers["etag"].startswith('W/"')
    other = await client.get("/api/v1/regions/73", headers={"If-None-Match": raw.headers["etag"]})
    assert other.status_code == 200


async def test_authorised_reads_are_not_cached_publicly(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/status", headers=admin_headers)
    assert response.headers["cache-control"] == "private, no-store"


async def test_cors_is_open_for_reads(client: httpx.AsyncClient) -> None:
    origin = {"Origin": "https://palopokota.go.id"}
    response = await client.get("/api/v1/status", headers=origin)
    assert response.headers["access-control-allow-origin"] == "*"
    assert "etag" in response.headers["access-control-expose-headers"].lower()
    preflight = {**origin, "Access-Control-Request-Method": "GET"}
    assert (await client.options("/api/v1/status", headers=preflight)).status_code == 200
    write = {**origin, "Access-Control-Request-Method": "POST"}
    assert (await client.options("/api/v1/services", headers=write)).status_code == 400


@pytest.fixture
async def portal_only(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    limited = make_settings(settings.database_url, cors_origins="https://palopokota.go.id")
    app = create_app(limited)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://pantau.test") as c:
            yield c


async def test_cors_origins_are_configurable(portal_only: httpx.AsyncClient) -> None:
    allowed = await portal_only.get(
        "/api/v1/status", headers={"Origin": "https://palopokota.go.id"}
    )
    assert allowed.headers["access-control-allow-origin"] == "https://palopokota.go.id"
    other = await portal_only.get("/api/v1/status", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
