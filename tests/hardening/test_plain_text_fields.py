"""Every string a write route takes, found in the OpenAPI document (names, notes, letters,
update bodies, descriptions, codes, URLs, agent versions...), refuses control characters with
a 422 naming the field, on SQLite and PostgreSQL; tab and newline are text."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from app.settings import Settings
from app.store.db import Database
from tests.conftest import make_settings
from tests.hardening.write_routes import (
    BODY_OF,
    MAIL_SETTINGS,
    base_bodies,
    body_routes,
    names,
    provision,
    snapshot,
    string_locations,
    with_value,
)

NOT_TEXT = {
    "controls inside text": "Akses\u0001diputus\u000b\u001b[31m",
    "a lone control": "\u001b",
    "C1 control": "Akses\u0085diputus",
}
# HTTP Basic credentials follow RFC 7617's own rule (no CTL, C1 allowed) and are never shown.
CREDENTIALS = "basic_auth"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url,
        run_dispatcher=False,
        webhook_allowed_networks=["127.0.0.0/8"],
        **MAIL_SETTINGS,
    )


async def test_every_string_field_refuses_control_characters_by_name(
    app: FastAPI, client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    routes = body_routes(app)
    assert set(routes) == set(BODY_OF), "give every write route with a body a valid one"
    components = app.openapi()["components"]["schemas"]
    provisioned = await provision(client, database, admin_headers)
    before = await snapshot(client, provisioned, admin_headers)
    failures, tried = [], 0
    for (method, template), spec in routes.items():
        body = base_bodies()[BODY_OF[(method, template)]]
        for location in string_locations(spec.schema, components):
            if location[0] == CREDENTIALS:
                continue
            for case, text in NOT_TEXT.items():
                tried += 1
                response = await client.request(
                    method,
                    provisioned.url(template),
                    json=with_value(body, location, text),
                    headers=admin_headers,
                )
                if not names(response, ("body", *location)):
                    failures.append(f"{method} {template} {location} {case}: {response.text}")
    assert tried > 100
    assert failures == [], "\n".join(failures)
    assert await snapshot(client, provisioned, admin_headers) == before


async def test_tab_and_newline_are_text(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    provisioned = await provision(client, database, admin_headers)
    update = base_bodies()["update"] | {"body_id": "Akses diputus.\n\tSurat 470/1234."}
    url = provisioned.url("/api/v1/incidents/{incident_id}/updates")
    response = await client.post(url, json=update, headers=admin_headers)
    assert response.status_code == 201, response.text
    assert response.json()["body_id"] == "Akses diputus.\n\tSurat 470/1234."
