"""Statuspage v2 documents: field names and value vocabularies of each, over transitions
recorded through the real store functions; one language per string (`?lang=`, else
Accept-Language), every regency and city a component, maintenance never an incident."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.domain import Reason
from app.reads.cache import ReadCache
from app.store.db import Database
from app.store.types import utcnow
from tests.factories import add_service, iso, probe
from tests.support.statuspage_seed import seed

PAGE_KEYS = {"id", "name", "url", "time_zone", "updated_at"}
COMPONENT_KEYS = {
    "id", "name", "status", "created_at", "updated_at", "position", "description", "showcase",
    "start_date", "group_id", "page_id", "group", "only_show_if_degraded", "components",
}  # fmt: skip
INCIDENT_KEYS = {
    "id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at", "impact",
    "shortlink", "started_at", "page_id", "incident_updates", "components",
}  # fmt: skip
UPDATE_KEYS = {
    "id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
    "affected_components", "deliver_notifications", "custom_tweet", "tweet_id",
}  # fmt: skip
COMPONENT_STATUSES = {
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance",
}  # fmt: skip
INDICATORS = {"none", "minor", "major", "critical"}
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}


REGENCIES_AND_CITIES, PROVINCES = 514, 38


async def get(client: httpx.AsyncClient, name: str, **params: str) -> dict[str, Any]:
    response = await client.get(f"/api/v2/{name}", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert set(body["page"]) == PAGE_KEYS and body["page"]["time_zone"] == "Etc/UTC"
    return body


def texts(body: dict[str, Any]) -> list[str]:
    """Every human string of a document: names, descriptions, update bodies."""
    found = [body["page"]["name"]]
    found += [body["status"]["description"]] if "status" in body else []
    found += [c["description"] for c in body.get("components", [])]
    for incident in body.get("incidents", []) + body.get("scheduled_maintenances", []):
        found += [incident["name"], *(u["body"] for u in incident["incident_updates"])]
    return found


def check_incident(incident: dict[str, Any]) -> None:
    assert set(incident) == INCIDENT_KEYS
    assert incident["status"] in INCIDENT_STATUSES and incident["impact"] in INDICATORS
    assert incident["shortlink"].endswith(f"/api/v1/incidents/{incident['id']}")
    for update in incident["incident_updates"]:
        assert set(update) == UPDATE_KEYS and update["status"] in INCIDENT_STATUSES
        for affected in update["affected_components"] or []:
            assert set(affected) == {"code", "name", "old_status", "new_status"}
            assert {affected["old_status"], affected["new_status"]} <= COMPONENT_STATUSES


async def test_status_document(client: httpx.AsyncClient, database: Database) -> None:
    assert (await get(client, "status.json"))["status"] == {
        "indicator": "none",
        "description": "Semua layanan normal",
    }
    assert (await get(client, "status.json", lang="en"))["status"]["description"] == (
        "All Systems Operational"
    )
    await seed(database)
    body = await get(client, "status.json")
    assert set(body) == {"page", "status"} and body["status"]["indicator"] == "major"
    assert body["status"]["description"] == (
        "Sebagian layanan terputus: 3 dari 514 kabupaten/kota terdampak, 5 dipantau"
    )
    assert (await get(client, "status.json", lang="en"))["status"]["description"] == (
        "Partial System Outage: 3 of 514 regencies/cities affected, 5 monitored"
    )


async def test_components_are_every_regency_and_city_grouped_by_province(
    client: httpx.AsyncClient, database: Database
) -> None:
    await seed(database)
    components = (await get(client, "components.json"))["components"]
    assert all(set(c) == COMPONENT_KEYS and c["status"] in COMPONENT_STATUSES for c in components)
    by_id = {c["id"]: c for c in components}
    groups = [c for c in components if c["group"]]
    regions = [c for c in components if not c["group"]]
    assert (len(groups), len(regions)) == (PROVINCES, REGENCIES_AND_CITIES)
    assert len(by_id) == len(components)  # ids are unique
    for group in groups:  # each group lists its own regions, which follow it
        members = [c["id"] for c in regions if c["group_id"] == group["id"]]
        assert group["components"] == members and members
        at = components.index(group)
        assert [c["id"] for c in components[at + 1 : at + 1 + len(members)]] == members
    assert by_id["73"]["components"][:3] == ["73.01", "73.02", "73.03"]
    assert len(by_id["73"]["components"]) == 24
    assert by_id["73"]["status"] == "partial_outage" and by_id["73"]["group_id"] is None
    assert by_id["73"]["description"] == "2 dari 24 kabupaten/kota terdampak, 3 dipantau"
    # Not monitored: within Statuspage's statuses, said in words, no uptime showcase.
    luwu = by_id["73.17"]
    assert (luwu["status"], luwu["description"], luwu["showcase"], luwu["start_date"]) == (
        "operational",
        "Tidak dipantau",
        False,
        None,
    )
    aceh = by_id["11"]
    assert (aceh["status"], aceh["description"]) == ("operational", "Tidak dipantau")
    unmonitored = [c for c in regions if c["description"] == "Tidak dipantau"]
    assert len(unmonitored) == REGENCIES_AND_CITIES - 5
    assert all(c["status"] == "operational" and not c["showcase"] for c in unmonitored)
    english = {c["id"]: c for c in (await get(client, "components.json", lang="en"))["components"]}
    assert english["73.17"]["description"] == english["11"]["description"] == "Not monitored"
    assert english["73"]["description"] == "2 of 24 regencies/cities affected, 3 monitored"
    statuses = {code: by_id[code]["status"] for code in ("73.73", "73.71", "31.71", "32.73")}
    assert statuses == {
        "73.73": "major_outage",
        "73.71": "partial_outage",  # one of its two services is down
        "31.71": "operational",
        "32.73": "under_maintenance",
    }
    palopo = by_id["73.73"]
    assert (palopo["group_id"], palopo["showcase"], palopo["group"]) == ("73", True, False)
    assert palopo["description"] == (
        "Terputus: Pemutusan akses oleh pusat (policy.cutoff) sejak 2026-11-29 08:10 UTC"
    )
    assert english["73.73"]["description"] == (
        "Outage: Access cut off by central authority (policy.cutoff) since 2026-11-29 08:10 UTC"
    )
    assert [c["position"] for c in components] == list(range(1, len(components) + 1))


async def test_summary_holds_everything_and_only_unresolved_incidents(
    client: httpx.AsyncClient, database: Database
) -> None:
    await seed(database)
    body = await get(client, "summary.json")
    assert set(body) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    assert len(body["components"]) == PROVINCES + REGENCIES_AND_CITIES
    # Bandung's maintenance (announced by its endpoint) is no incident: its component says it.
    assert {i["components"][0]["id"] for i in body["incidents"]} == {"73.71", "73.73"}
    bandung = next(c for c in body["components"] if c["id"] == "32.73")
    assert bandung["status"] == "under_maintenance"
    for incident in body["incidents"]:
        check_incident(incident)
        assert incident["status"] != "resolved" and incident["resolved_at"] is None
    assert body["scheduled_maintenances"] == []


async def test_incidents_documents(client: httpx.AsyncClient, database: Database) -> None:
    await seed(database)
    everything = (await get(client, "incidents.json"))["incidents"]
    unresolved = (await get(client, "incidents/unresolved.json"))["incidents"]
    for incident in everything:
        check_incident(incident)
    assert len(everything) == 3 and len(unresolved) == 2
    assert "32.73" not in {i["components"][0]["id"] for i in everything}  # maintenance
    ended = next(i for i in everything if i["resolved_at"])
    assert ended["status"] == "resolved" and ended["impact"] == "major"
    assert ended["name"] == "Kabupaten Pangkajene dan Kepulauan: Gangguan server"
    assert [u["status"] for u in ended["incident_updates"]] == ["resolved", "investigating"]
    opened = ended["incident_updates"][1]
    assert (
        opened["body"] == "Terganggu sejak 2026-11-29 08:21 UTC: Gangguan server (upstream.error)."
    )
    assert (
        ended["incident_updates"][0]["body"] == "Pulih, aktif kembali sejak 2026-11-29 08:25 UTC."
    )
    english = next(
        i for i in (await get(client, "incidents.json", lang="en"))["incidents"] if i["resolved_at"]
    )
    assert english["name"] == "Kabupaten Pangkajene dan Kepulauan: Server error"
    assert [u["body"] for u in english["incident_updates"]] == [
        "Recovered at 2026-11-29 08:25 UTC.",
        "Disrupted since 2026-11-29 08:21 UTC: Server error (upstream.error).",
    ]
    assert opened["affected_components"] == [
        {
            "code": "73.10",
            "name": ended["components"][0]["name"],
            "old_status": "operational",
            "new_status": "major_outage",
        }
    ]


async def test_central_outage_is_critical(client: httpx.AsyncClient, database: Database) -> None:
    sid = await add_service(database, "73.73")
    await probe(database, sid, Reason.UPSTREAM_CENTRAL, 0)
    assert (await get(client, "status.json"))["status"]["indicator"] == "critical"
    (incident,) = (await get(client, "incidents/unresolved.json"))["incidents"]
    assert incident["impact"] == "critical"


async def test_declared_letter_reaches_the_text(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    sid = await add_service(database, "73.73")
    await probe(database, sid, Reason.NETWORK_TIMEOUT, 0)
    declaration = {
        "kind": "cutoff",
        "reference": "400.8/1234/Dukcapil",
        "issuer": "Ditjen Dukcapil Kemendagri",
        "issued_at": "2026-11-28T00:00:00Z",
    }
    await client.post("/api/v1/regions/73.73/declarations", json=declaration, headers=admin_headers)
    summary = await get(client, "summary.json")
    palopo = next(c for c in summary["components"] if c["id"] == "73.73")
    assert palopo["description"].endswith(
        "; surat 400.8/1234/Dukcapil (Ditjen Dukcapil Kemendagri)"
    )
    english = await get(client, "summary.json", lang="en")
    palopo_en = next(c for c in english["components"] if c["id"] == "73.73")
    assert palopo_en["description"].endswith(
        "; letter 400.8/1234/Dukcapil (Ditjen Dukcapil Kemendagri)"
    )
    (incident,) = summary["incidents"]
    assert incident["status"] == "identified"
    assert any("400.8/1234/Dukcapil" in u["body"] for u in incident["incident_updates"])


async def test_documents_revalidate_with_etags(client: httpx.AsyncClient) -> None:
    first = await client.get("/api/v2/summary.json")
    again = await client.get(
        "/api/v2/summary.json", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304


async def test_one_language_per_string(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    await seed(database)
    (palopo,) = [
        i
        for i in (await get(client, "incidents/unresolved.json"))["incidents"]
        if i["components"][0]["id"] == "73.73"
    ]
    update = {"status": "identified", "body_id": "Akses diputus pusat.", "body_en": "Cut off."}
    response = await client.post(
        f"/api/v1/incidents/{palopo['id']}/updates", json=update, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    documents = ("summary.json", "components.json", "incidents.json", "status.json")
    for lang, page_name, operator_said in (
        ("id", "Pantau — Status layanan e-KTP daerah", "Akses diputus pusat."),
        ("en", "Pantau — Regional e-KTP service status", "Cut off."),
    ):
        for name in documents:
            body = await get(client, name, lang=lang)
            assert body["page"]["name"] == page_name
            mixed = [text for text in texts(body) if " / " in text]
            assert mixed == [], (lang, name)
        summary = await get(client, "summary.json", lang=lang)
        said = [u["body"] for i in summary["incidents"] for u in i["incident_updates"]]
        unsaid = ({"Akses diputus pusat.", "Cut off."} - {operator_said}).pop()
        assert operator_said in said and unsaid not in said

    maintenance = await client.get("/api/v2/scheduled-maintenances.json", params={"lang": "en"})
    assert maintenance.json()["page"]["name"] == "Pantau — Regional e-KTP service status"
    assert "Accept-Language" in maintenance.headers["vary"]


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        (None, "Tidak dipantau"),
        ("en", "Not monitored"),
        ("en-GB,en;q=0.9", "Not monitored"),
        ("id;q=0.5, en;q=0.9", "Not monitored"),
        ("en;q=0, id", "Tidak dipantau"),
        ("fr, en;q=0.1", "Not monitored"),
        ("fr", "Tidak dipantau"),
        ("in", "Tidak dipantau"),
    ],
)
async def test_accept_language_chooses_with_its_q_values(
    client: httpx.AsyncClient, accept_language: str | None, expected: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = await client.get("/api/v2/components.json", headers=headers)
    assert response.status_code == 200
    assert response.json()["components"][0]["description"] == expected
    assert response.headers["content-language"] == ("id" if expected == "Tidak dipantau" else "en")
    # The query wins over the header.
    query = await client.get("/api/v2/components.json?lang=id", headers=headers)
    assert query.json()["components"][0]["description"] == "Tidak dipantau"


async def test_an_unknown_language_is_a_422_naming_lang(client: httpx.AsyncClient) -> None:
    for path in ("summary.json", "status.json", "scheduled-maintenances.json"):
        response = await client.get(f"/api/v2/{path}", params={"lang": "fr"})
        assert response.status_code == 422, path
        (error,) = response.json()["detail"]
        assert error["loc"] == ["query", "lang"]


async def test_documents_vary_on_language_and_cache_each_apart(
    client: httpx.AsyncClient, database: Database
) -> None:
    await seed(database)
    first_id = await client.get("/api/v2/summary.json")
    first_en = await client.get("/api/v2/summary.json", headers={"Accept-Language": "en"})
    again_id = await client.get("/api/v2/summary.json", headers={"Accept-Language": "id"})
    for response in (first_id, first_en, again_id):
        assert response.status_code == 200
        assert {"Accept-Encoding", "Accept-Language"} <= {
            v.strip() for v in response.headers["vary"].split(",")
        }
    assert first_id.content == again_id.content != first_en.content
    assert first_id.headers["etag"] != first_en.headers["etag"]
    # An ETag of one language does not revalidate the other.
    crossed = await client.get(
        "/api/v2/summary.json",
        headers={"Accept-Language": "en", "If-None-Match": first_id.headers["etag"]},
    )
    assert crossed.status_code == 200 and crossed.content == first_en.content
    same = await client.get(
        "/api/v2/summary.json?lang=en", headers={"If-None-Match": first_en.headers["etag"]}
    )
    assert same.status_code == 304


async def test_a_maintenance_window_is_only_a_scheduled_maintenance(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    sid = await add_service(database, "32.73")
    now = utcnow()
    window = {
        "title": "Migrasi data SIAK",
        "starts_at": iso(now - timedelta(minutes=10)),
        "ends_at": iso(now + timedelta(hours=1)),
        "regions": ["32.73"],
    }
    created = await client.post("/api/v1/maintenance", json=window, headers=admin_headers)
    assert created.status_code == 201, created.text
    (moved,) = await probe(database, sid, Reason.NETWORK_TIMEOUT, now, region="32.73")
    assert moved.reason == Reason.MAINTENANCE_SCHEDULED

    summary = await get(client, "summary.json")
    assert summary["incidents"] == []
    (maintenance,) = summary["scheduled_maintenances"]
    assert maintenance["status"] == "in_progress" and maintenance["impact"] == "maintenance"
    assert [(c["id"], c["status"]) for c in maintenance["components"]] == [
        ("32.73", "under_maintenance")
    ]
    bandung = next(c for c in summary["components"] if c["id"] == "32.73")
    assert bandung["status"] == "under_maintenance"
    assert bandung["description"].startswith("Pemeliharaan: Pemeliharaan terjadwal")
    assert (await get(client, "incidents.json"))["incidents"] == []
    assert (await get(client, "incidents/unresolved.json"))["incidents"] == []
    assert summary["status"]["indicator"] == "minor"


async def test_page_url_is_the_status_page(client: httpx.AsyncClient) -> None:
    for name in ("summary.json", "status.json", "components.json", "incidents.json"):
        assert (await get(client, name))["page"]["url"] == "http://127.0.0.1:8000/"
    maintenance = (await client.get("/api/v2/scheduled-maintenances.json")).json()
    assert maintenance["page"]["url"] == "http://127.0.0.1:8000/"
    page = await client.get("/")  # the page.url's path: the status page, not the JSON API
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


async def test_an_uncached_summary_of_every_region_renders_well_under_100_ms(
    app: FastAPI, client: httpx.AsyncClient, database: Database
) -> None:
    """552 components (38 provinces, 514 regencies and cities) rebuilt from nothing cached. Timed
    in this process's CPU seconds, not wall seconds: the render's own cost, which other
    processes sharing the machine's cores do not inflate."""
    await seed(database)
    cpu_seconds, wall_seconds = [], []
    for _ in range(5):
        app.state.read_cache = ReadCache(database)  # nothing cached: overview, context, bytes
        cpu, wall = time.process_time(), time.perf_counter()
        response = await client.get("/api/v2/summary.json", params={"lang": "en"})
        cpu_seconds.append(time.process_time() - cpu)
        wall_seconds.append(time.perf_counter() - wall)
        assert response.status_code == 200
        assert len(response.json()["components"]) == PROVINCES + REGENCIES_AND_CITIES
    assert min(cpu_seconds) < 0.1, (cpu_seconds, wall_seconds)
