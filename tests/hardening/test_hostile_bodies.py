"""Hostile bodies against every write route of the OpenAPI document, as an admin, on SQLite and
PostgreSQL: NaN and the infinities, lone surrogates, NUL, undecodable, UTF-16 and UTF-32
bodies, bodies not sent as JSON, deep nesting, instants at the ends of time. Every answer is
a 4xx, never a 5xx; a 422 is strict JSON and names the field at fault; nothing is written."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.settings import Settings
from app.store.db import Database
from tests.conftest import make_settings
from tests.hardening.write_routes import (
    BODY_OF,
    MAIL_SETTINGS,
    NOT_JSON_VALUES,
    Location,
    Route,
    base_bodies,
    body_routes,
    encoded,
    field_locations,
    leaf_locations,
    names,
    provision,
    snapshot,
    strict_json,
    with_value,
)

JSON = {"Content-Type": "application/json"}
# Far outside what any instant of this service can be: datetime arithmetic overflows here.
END_OF_TIME = {
    "year 1, +14:00": b'"0001-01-01T00:00:00+14:00"',
    "year 9999, -14:00": b'"9999-12-31T23:59:59-14:00"',
}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url,
        run_dispatcher=False,
        webhook_allowed_networks=["127.0.0.0/8"],
        **MAIL_SETTINGS,
    )


def whole_body_cases(body: Any) -> dict[str, tuple[bytes, dict[str, str]]]:
    valid = json.dumps(body)
    return {
        "invalid UTF-8": (b'{"name": "\xff\xfe"}', JSON),
        "a surrogate encoded in UTF-8": (b'{"name": "\xed\xa0\x80"}', JSON),
        "UTF-16 with a BOM": (valid.encode("utf-16"), JSON),
        "UTF-16-LE": (valid.encode("utf-16-le"), JSON),
        "UTF-32": (valid.encode("utf-32"), JSON),
        "no content type": (valid.encode(), {}),
        "text/plain": (valid.encode(), {"Content-Type": "text/plain"}),
        "NUL as text/plain": (
            encoded(body, next(leaf_locations(body)), b'"a\\u0000b"'),
            {"Content-Type": "text/plain"},
        ),
        "truncated": (valid.encode()[:-1], JSON),
        "empty": (b"", JSON),
        "deeply nested with NaN": (b"[" * 20_000 + b"NaN" + b"]" * 20_000, JSON),
        "deeply nested": (b'{"name": ' + b"[" * 20_000 + b"]" * 20_000 + b"}", JSON),
    }


def value_locations(route_schema: dict[str, Any], body: Any, app: FastAPI) -> list[Location]:
    components = app.openapi()["components"]["schemas"]
    found = [*leaf_locations(body), *field_locations(route_schema, components)]
    return list(dict.fromkeys(found))


def instant_locations(body: Any) -> list[Location]:
    return [
        at for at in leaf_locations(body) if str(at[-1]).endswith("_at") or at[-1] == "deadline"
    ]


async def test_every_write_route_answers_hostile_bodies_with_a_4xx_in_strict_json(
    app: FastAPI,
    client: httpx.AsyncClient,
    database: Database,
    admin_headers: dict[str, str],
) -> None:
    routes = body_routes(app)
    assert set(routes) == set(BODY_OF), "give every write route with a body a valid one here"
    provisioned = await provision(client, database, admin_headers)
    bodies = {route: base_bodies()[BODY_OF[route]] for route in routes}
    for (method, template), body in bodies.items():  # each is valid: what fails is the change
        url = provisioned.url(template)
        response = await client.request(method, url, json=body, headers=admin_headers)
        assert response.status_code < 300, (template, response.text)
    before = await snapshot(client, provisioned, admin_headers)
    failures: list[str] = []

    async def send(
        route: Route, case: str, content: bytes, headers: dict[str, str], named: Location | None
    ) -> None:
        """`named`: where the 422 must point (None: any 4xx will do)."""
        method, template = route
        response = await client.request(
            method, provisioned.url(template), content=content, headers=admin_headers | headers
        )
        what = f"{method} {template}, {case} at {named}: {response.status_code} {response.text}"
        if not 400 <= response.status_code < 500:
            failures.append(what)
        elif response.status_code == 422:
            try:
                strict_json(response)
            except (ValueError, AssertionError) as exc:
                failures.append(f"{what} (not strict JSON: {exc})")
                return
        if named is not None and not names(response, ("body", *named)):
            failures.append(f"{what} (no 422 naming the field)")

    for route, body in bodies.items():
        for location in value_locations(routes[route].schema, body, app):
            for case, raw in NOT_JSON_VALUES.items():
                await send(route, case, encoded(body, location, raw), JSON, location)
        for location in instant_locations(body):
            for case, raw in END_OF_TIME.items():
                await send(route, case, encoded(body, location, raw), JSON, None)
        for case, (content, headers) in whole_body_cases(body).items():
            if content or routes[route].required:  # an optional body may be left out
                await send(route, case, content, headers, ())
    push = ("POST", "/api/v1/agents/{agent_id}/results")
    clocks = with_value(bodies[push], ("sent_at",), "0001-01-01T00:00:00+14:00")
    clocks = with_value(clocks, ("results", 0, "observed_at"), "9999-12-31T23:59:59-14:00")
    await send(push, "sent in year 1, observed in 9999", encoded(clocks), JSON, None)

    assert failures == [], "\n".join(failures)
    assert await snapshot(client, provisioned, admin_headers) == before
