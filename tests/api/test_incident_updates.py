"""Incident updates: the bilingual story of an incident, on both engines."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.store.db import Database
from app.store.incident_updates import updates_of_incidents
from tests.factories import add_incident

UPDATE = {
    "status": "investigating",
    "body_id": "Layanan adminduk terputus; penyebab sedang diperiksa.",
    "body_en": "Civil-registry service down; cause under investigation.",
}


async def test_post_and_list_updates(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    incident_id = await add_incident(database)
    url = f"/api/v1/incidents/{incident_id}/updates"
    first = (await client.post(url, json=UPDATE, headers=admin_headers)).json()
    resolved = UPDATE | {"status": "resolved", "body_id": "Pulih.", "body_en": "Recovered."}
    response = await client.post(url, json=resolved, headers=admin_headers)
    assert response.status_code == 201, response.text
    second = response.json()
    assert (first["incident_id"], first["status"], first["body_en"]) == (
        incident_id,
        "investigating",
        UPDATE["body_en"],
    )
    assert (await client.get(url)).json() == [second, first]  # newest first, like Statuspage
    async with database.read() as session:
        grouped = await updates_of_incidents(session, [incident_id, incident_id + 1])
    assert [u.id for u in grouped[incident_id]] == [second["id"], first["id"]]
    assert grouped[incident_id + 1] == []


async def test_unknown_incident_is_404(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    url = "/api/v1/incidents/4242/updates"
    assert (await client.post(url, json=UPDATE, headers=admin_headers)).status_code == 404
    assert (await client.get(url)).status_code == 404


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"status": "fixed"}, ["body", "status"]),
        ({"body_en": ""}, ["body", "body_en"]),
        ({"body_id": None}, ["body", "body_id"]),
        ({"note": "x"}, ["body", "note"]),
    ],
)
async def test_invalid_updates_are_422(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    database: Database,
    fields: dict[str, Any],
    loc: list[Any],
) -> None:
    url = f"/api/v1/incidents/{await add_incident(database)}/updates"
    response = await client.post(url, json=UPDATE | fields, headers=admin_headers)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [loc]
