"""API keys and the scopes every write route asks for, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.main import create_app
from app.store.db import Database
from app.store.keys import Scope
from tests.conftest import make_settings
from tests.factories import PALOPO_SERVICE, bearer, issue_key
from tests.support.routes import concrete, write_routes


async def test_every_write_route_rejects_a_missing_token_and_a_token_without_its_scope(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    routes = write_routes(app)
    expected = {
        ("POST", "/api/v1/services"),
        ("DELETE", "/api/v1/keys/{key_id}"),
        ("PATCH", "/api/v1/maintenance/{window_id}"),
        ("POST", "/api/v1/regions/{code}/declarations"),
        ("POST", "/api/v1/incidents/{incident_id}/updates"),
    }
    assert expected <= {(method, path) for method, path, _ in routes}
    # For each scope, a key holding every other scope (but not admin).
    others: dict[str, str] = {}
    for scope in {scope for _, _, scope in routes}:
        wanted = [s for s in Scope if s not in (scope, Scope.ADMIN)]
        others[scope] = (await issue_key(client, admin_headers, *wanted))["token"]

    for method, path, scope in routes:
        url = concrete(path)
        missing = await client.request(method, url, json={})
        assert missing.status_code == 401, (method, path, missing.text)
        assert missing.headers["WWW-Authenticate"] == "Bearer"
        unscoped = await client.request(method, url, json={}, headers=bearer(others[scope]))
        assert unscoped.status_code == 403, (method, path, unscoped.text)
        assert scope in unscoped.json()["detail"]


async def test_a_key_works_for_its_scope_only_and_stops_when_revoked(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    issued = await issue_key(client, admin_headers, "services:write", name="portal bot")
    assert issued["token"].startswith("pantau_") and issued["last_used_at"] is None
    assert issued["scopes"] == ["services:write"] and issued["revoked_at"] is None

    created = await client.post(
        "/api/v1/services", json=PALOPO_SERVICE, headers=bearer(issued["token"])
    )
    assert created.status_code == 201, created.text
    window = {
        "title": "x",
        "starts_at": "2030-01-01T00:00:00Z",
        "ends_at": "2030-01-01T01:00:00Z",
        "regions": ["73"],
    }
    denied = await client.post("/api/v1/maintenance", json=window, headers=bearer(issued["token"]))
    assert denied.status_code == 403

    listed = (await client.get("/api/v1/keys", headers=admin_headers)).json()
    assert [k["id"] for k in listed] == [issued["id"]]
    assert "token" not in listed[0] and listed[0]["last_used_at"] is not None

    revoked = await client.delete(f"/api/v1/keys/{issued['id']}", headers=admin_headers)
    assert revoked.status_code == 204
    again = await client.post(
        "/api/v1/services", json=PALOPO_SERVICE, headers=bearer(issued["token"])
    )
    assert again.status_code == 403
    assert (await client.get("/api/v1/keys", headers=admin_headers)).json()[0]["revoked_at"]
    assert (await client.delete("/api/v1/keys/999", headers=admin_headers)).status_code == 404


async def test_an_admin_key_holds_every_scope(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    admin = bearer((await issue_key(client, admin_headers, "admin"))["token"])
    assert (
        await client.post("/api/v1/services", json=PALOPO_SERVICE, headers=admin)
    ).status_code == 201
    assert (await client.get("/api/v1/audit", headers=admin)).status_code == 200
    assert (await issue_key(client, admin, "agent:push"))["scopes"] == ["agent:push"]

    writer = bearer(
        (await issue_key(client, admin_headers, *[s for s in Scope if s != "admin"]))["token"]
    )
    assert (await client.get("/api/v1/audit", headers=writer)).status_code == 403
    assert (await client.get("/api/v1/keys", headers=writer)).status_code == 403
    assert (await client.get("/api/v1/keys")).status_code == 401


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"name": "x", "scopes": []}, ["body", "scopes"]),
        ({"name": "x", "scopes": ["root"]}, ["body", "scopes", 0]),
        ({"name": " ", "scopes": ["admin"]}, ["body", "name"]),
        ({"name": "x", "scopes": ["admin"], "token": "mine"}, ["body", "token"]),
    ],
)
async def test_invalid_key_requests_are_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], body: dict[str, Any], loc: list[Any]
) -> None:
    response = await client.post("/api/v1/keys", json=body, headers=admin_headers)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [loc]


async def test_keys_are_stored_hashed_never_in_clear(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    token = (await issue_key(client, admin_headers, "maintenance:write"))["token"]
    # pantau_<public prefix>_<secret>; the secret itself may contain "_".
    secret = token.removeprefix("pantau_").partition("_")[2]
    assert len(secret) >= 40
    async with database.reader.connect() as connection:
        rows = (await connection.execute(text("SELECT * FROM api_key"))).mappings().all()
        audit = (await connection.execute(text("SELECT * FROM audit_entry"))).mappings().all()
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0].values())
    assert token not in stored and secret not in stored
    assert len(rows[0]["token_hash"]) == 64 and rows[0]["token_hash"] != token
    assert secret not in " ".join(str(value) for row in audit for value in row.values())


async def test_keys_keep_working_without_the_admin_token(database_url: str) -> None:
    app = create_app(make_settings(database_url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            admin = bearer("test-admin-token")
            token = (await issue_key(client, admin, "services:write"))["token"]
    app = create_app(make_settings(database_url, admin_token=None))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post(
                "/api/v1/services", json=PALOPO_SERVICE, headers=bearer(token)
            )
            assert response.status_code == 201
            assert (await client.post("/api/v1/services", json=PALOPO_SERVICE)).status_code == 401
            admin_attempt = await client.get("/api/v1/keys", headers=bearer("test-admin-token"))
            assert admin_attempt.status_code == 403
