"""Statuspage v2 documents: field names and value vocabularies of each, over transitions
recorded through the real store functions."""

from __future__ import annotations

from typing import Any

import httpx

from app.core.domain import Reason
from app.store.db import Database
from tests.factories import add_service, probe

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


async def seed(database: Database) -> None:
    """Palopo cut off; Makassar half down; Jakarta Pusat up; Bandung under maintenance;
    Pangkep had an outage that ended."""
    spec = [("73.73", 1), ("73.71", 2), ("31.71", 1), ("32.73", 1), ("73.10", 1)]
    ids = {code: [await add_service(database, code) for _ in range(n)] for code, n in spec}
    for code, sids in ids.items():
        for sid in sids:
            await probe(database, sid, Reason.OK, 0, region=code)
    await probe(database, ids["73.71"][0], Reason.NETWORK_TIMEOUT, 5, region="73.71")
    await probe(database, ids["73.73"][0], Reason.POLICY_CUTOFF, 10, region="73.73")
    await probe(database, ids["32.73"][0], Reason.MAINTENANCE_ANNOUNCED, 20, region="32.73")
    await probe(database, ids["73.10"][0], Reason.UPSTREAM_ERROR, 21, region="73.10")
    await probe(database, ids["73.10"][0], Reason.OK, 25, region="73.10")


async def get(client: httpx.AsyncClient, name: str) -> dict[str, Any]:
    response = await client.get(f"/api/v2/{name}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert set(body["page"]) == PAGE_KEYS and body["page"]["time_zone"] == "Etc/UTC"
    return body


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
        "description": "Semua layanan normal / All Systems Operational",
    }
    await seed(database)
    body = await get(client, "status.json")
    assert set(body) == {"page", "status"} and body["status"]["indicator"] == "major"
    assert body["status"]["description"] == (
        "Sebagian layanan terputus: 3 dari 514 kabupaten/kota terdampak / "
        "Partial System Outage: 3 of 514 regencies/cities affected"
    )


async def test_components_are_provinces_grouping_monitored_regions(
    client: httpx.AsyncClient, database: Database
) -> None:
    await seed(database)
    components = (await get(client, "components.json"))["components"]
    assert all(set(c) == COMPONENT_KEYS and c["status"] in COMPONENT_STATUSES for c in components)
    by_id = {c["id"]: c for c in components}
    assert [c["id"] for c in components if c["group"]] == ["31", "32", "73"]
    assert by_id["73"]["components"] == ["73.10", "73.71", "73.73"]
    assert by_id["73"]["status"] == "partial_outage" and by_id["73"]["group_id"] is None
    statuses = {code: by_id[code]["status"] for code in ("73.73", "73.71", "31.71", "32.73")}
    assert statuses == {
        "73.73": "major_outage",
        "73.71": "partial_outage",  # one of its two services is down
        "31.71": "operational",
        "32.73": "under_maintenance",
    }
    palopo = by_id["73.73"]
    assert (palopo["group_id"], palopo["showcase"], palopo["group"]) == ("73", True, False)
    assert palopo["description"].startswith(
        "Terputus: Pemutusan akses oleh pusat (policy.cutoff) sejak 2026-11-29 08:10 UTC / "
        "Outage: Access cut off by central authority"
    )
    assert [c["position"] for c in components] == list(range(1, len(components) + 1))


async def test_summary_holds_everything_and_only_unresolved_incidents(
    client: httpx.AsyncClient, database: Database
) -> None:
    await seed(database)
    body = await get(client, "summary.json")
    assert set(body) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    assert len(body["components"]) == 3 + 5
    assert {i["components"][0]["id"] for i in body["incidents"]} == {"73.71", "73.73", "32.73"}
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
    assert len(everything) == 4 and len(unresolved) == 3
    ended = next(i for i in everything if i["resolved_at"])
    assert ended["status"] == "resolved" and ended["impact"] == "major"
    assert ended["name"] == "Kabupaten Pangkajene dan Kepulauan: Gangguan server / Server error"
    assert [u["status"] for u in ended["incident_updates"]] == ["resolved", "investigating"]
    opened = ended["incident_updates"][1]
    assert "(upstream.error)" in opened["body"]
    assert opened["affected_components"] == [
        {
            "code": "73.10",
            "name": ended["components"][0]["name"],
            "old_status": "operational",
            "new_status": "major_outage",
        }
    ]
    maintenance = next(i for i in unresolved if i["components"][0]["id"] == "32.73")
    assert maintenance["impact"] == "minor" and maintenance["status"] == "investigating"


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
    assert "surat 400.8/1234/Dukcapil (Ditjen Dukcapil Kemendagri)" in palopo["description"]
    assert "letter 400.8/1234/Dukcapil" in palopo["description"]
    (incident,) = summary["incidents"]
    assert incident["status"] == "identified"
    assert any("400.8/1234/Dukcapil" in u["body"] for u in incident["incident_updates"])


async def test_documents_revalidate_with_etags(client: httpx.AsyncClient) -> None:
    first = await client.get("/api/v2/summary.json")
    again = await client.get(
        "/api/v2/summary.json", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
