"""Every write route of the whole app (not only /api/, enumerated from `app.routes`, not a
hand list) and every admin read refuses a missing token with 401 and a wrong one, or one
without the route's scope, with 403."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.store.keys import Scope
from tests.factories import bearer, issue_key
from tests.support.routes import concrete, guarded_routes


async def test_every_write_route_and_admin_read_wants_a_valid_token_with_its_scope(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    writes, admin_reads = guarded_routes(app)
    assert len(writes) >= 20
    assert ("GET", "/api/v1/audit") in admin_reads and ("GET", "/api/v1/keys") in admin_reads
    # Every scope but `admin`: still too little for the admin-only routes and reads.
    every_scope_but_admin = [scope for scope in Scope if scope != Scope.ADMIN]
    broad = (await issue_key(client, admin_headers, *every_scope_but_admin))["token"]
    narrow = (await issue_key(client, admin_headers, Scope.AGENT_PUSH))["token"]

    for method, path in writes + admin_reads:
        url = concrete(path)
        body: dict[str, object] | None = {} if method != "GET" else None
        missing = await client.request(method, url, json=body)
        assert missing.status_code == 401, (method, path, missing.text)
        assert missing.headers["WWW-Authenticate"] == "Bearer"
        for token in ("not-a-token", "TEST-ADMIN-TOKEN", "test-admin-token2", broad[:-1]):
            wrong = await client.request(method, url, json=body, headers=bearer(token))
            assert wrong.status_code == 403, (method, path, token, wrong.text)
        if path.startswith("/api/v1/agents/{agent_id}/results"):
            continue  # the agent's own route: an agent:push key may call it
        weak = await client.request(method, url, json=body, headers=bearer(narrow))
        assert weak.status_code == 403, (method, path, weak.text)
