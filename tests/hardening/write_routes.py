"""The write routes of the OpenAPI document and what the sweeps need to reach each one: the
resources their paths name, a valid body for each, a way to put a hostile value anywhere in
it, and the checks every answer must pass."""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from app.core.domain import Reason
from app.store.db import Database
from app.store.types import utcnow
from tests.factories import add_service, probe

Route = tuple[str, str]  # (method, path template)
Location = tuple[str | int, ...]
WRITE_METHODS = ("post", "put", "patch", "delete")
REGION = "73.73"
# A subscriber on loopback is allowed by the tests' settings; no dispatcher ever sends to it.
HOOK_URL = "http://127.0.0.1:9/hook"
# Email configured, so citizens' subscriptions are accepted; no mailer runs to send them.
MAIL_SETTINGS = {"smtp_url": "smtp://127.0.0.1:9", "mail_from": "pantau@example.org"}


@dataclass(frozen=True, slots=True)
class BodySpec:
    schema: dict[str, Any]
    required: bool


def body_routes(app: FastAPI) -> dict[Route, BodySpec]:
    """Every write route that takes a body, with its body's JSON schema."""
    routes = {}
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            request_body = operation.get("requestBody", {})
            content = request_body.get("content", {})
            if method in WRITE_METHODS and "application/json" in content:
                schema = content["application/json"]["schema"]
                spec = BodySpec(schema, required=request_body.get("required", False))
                routes[(method.upper(), path)] = spec
    return routes


@dataclass(frozen=True, slots=True)
class Provisioned:
    """Existing resources, so a route reaches its body instead of answering 404."""

    path_values: dict[str, str]

    def url(self, template: str) -> str:
        return template.format(**self.path_values)


async def _created_id(
    client: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict[str, str]
) -> str:
    response = await client.post(url, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def provision(
    client: httpx.AsyncClient, database: Database, headers: dict[str, str]
) -> Provisioned:
    failing = await add_service(database, REGION)
    await probe(database, failing, Reason.OK, utcnow() - timedelta(minutes=10))
    await probe(database, failing, Reason.NETWORK_TIMEOUT, utcnow() - timedelta(minutes=5))
    incidents = (await client.get("/api/v1/incidents", params={"active": "true"})).json()
    bodies = base_bodies()
    values = {"code": REGION, "incident_id": str(incidents["items"][0]["id"])}
    values["service_id"] = str(failing)
    values["agent_id"] = await _created_id(client, "/api/v1/agents", bodies["agent"], headers)
    values["window_id"] = await _created_id(
        client, "/api/v1/maintenance", bodies["window"], headers
    )
    values["subscription_id"] = await _created_id(
        client, "/api/v1/subscriptions", bodies["hook"], headers
    )
    return Provisioned(values)


def base_bodies() -> dict[str, dict[str, Any]]:
    now = utcnow()
    soon, later = now + timedelta(days=1), now + timedelta(days=1, hours=2)
    result = {
        "seq": 1,
        "target": "central-1",
        "role": "central",
        "observed_at": (now - timedelta(seconds=5)).isoformat(),
        "reachable": True,
        "status_code": 200,
        "latency_ms": 12.5,
    }
    return {
        "service": {
            "region_code": REGION,
            "name": "SIAK Palopo",
            "url": "https://siak.example/health",
            "timeout_seconds": 5.0,
            "body_contains": "ok",
            "policy_markers": ["diblokir"],
        },
        "service_change": {"name": "SIAK Palopo Barat", "timeout_seconds": 4.5},
        "key": {"name": "operator", "scopes": ["declarations:write"]},
        "agent": {"region_code": REGION, "name": "kantor-palopo"},
        "batch": {
            "stream": "s1",
            "sent_at": now.isoformat(),
            "agent_version": "1.0",
            "interval_seconds": 60.0,
            "results": [result],
        },
        "window": {
            "title": "Migrasi data SIAK",
            "note": "Catatan",
            "starts_at": soon.isoformat(),
            "ends_at": later.isoformat(),
            "regions": ["73"],
        },
        "window_change": {"title": "Migrasi data SIAK (2)", "note": "Diubah"},
        "declaration": {
            "kind": "warning",
            "reference": "470/0999/Dukcapil",
            "issuer": "Ditjen Dukcapil Kemendagri",
            "issued_at": now.isoformat(),
            "note": "Teguran",
            "deadline": (now + timedelta(days=3)).isoformat(),
        },
        "update": {"status": "identified", "body_id": "Akses diputus.", "body_en": "Cut off."},
        "hook": {"url": HOOK_URL, "description": "operators"},
        "hook_change": {"description": "operators on call"},
        "rotation": {"grace_seconds": 60.0},
        "subscriber": {"email": "warga@example.org", "regions": [REGION, "73"], "lang": "en"},
    }


# A valid body for each write route; a route missing here fails the sweeps' completeness check.
BODY_OF: dict[Route, str] = {
    ("POST", "/api/v1/services"): "service",
    ("PATCH", "/api/v1/services/{service_id}"): "service_change",
    ("POST", "/api/v1/keys"): "key",
    ("POST", "/api/v1/agents"): "agent",
    ("POST", "/api/v1/agents/{agent_id}/results"): "batch",
    ("POST", "/api/v1/maintenance"): "window",
    ("PATCH", "/api/v1/maintenance/{window_id}"): "window_change",
    ("POST", "/api/v1/regions/{code}/declarations"): "declaration",
    ("POST", "/api/v1/incidents/{incident_id}/updates"): "update",
    ("POST", "/api/v1/subscriptions"): "hook",
    ("PATCH", "/api/v1/subscriptions/{subscription_id}"): "hook_change",
    ("POST", "/api/v1/subscriptions/{subscription_id}/rotate-secret"): "rotation",
    ("POST", "/api/v1/subscribers"): "subscriber",
}


MARK = "@@hostile@@"
# Raw JSON, put where a field's value goes: what Python's json module reads and JSON is not.
NOT_JSON_VALUES = {
    "NaN": b"NaN",
    "Infinity": b"Infinity",
    "-Infinity": b"-Infinity",
    "NaN in a list": b"[NaN]",
    "lone high surrogate": b'"\\ud800"',
    "lone low surrogate": b'"x\\udc00y"',
    "lone surrogate as a key": b'{"\\ud800": 1}',
    "NUL": b'"a\\u0000b"',
}


def encoded(body: Any, location: Location | None = None, raw: bytes = b"") -> bytes:
    """`body` as JSON bytes, with `raw` spliced in verbatim at `location`."""
    if location is None:
        return json.dumps(body).encode()
    return json.dumps(with_value(body, location, MARK)).encode().replace(f'"{MARK}"'.encode(), raw)


def hostile_twins(body: Any) -> list[bytes]:
    """`body` made unlawful in each way a lax JSON reader accepts: a value of NOT_JSON_VALUES
    at its first leaf (or as the whole body), then UTF-16, UTF-32 and undecodable bytes."""
    leaf = next(leaf_locations(body), None)
    text = json.dumps(body)
    return [
        *(raw if leaf is None else encoded(body, leaf, raw) for raw in NOT_JSON_VALUES.values()),
        text.encode("utf-16"),
        text.encode("utf-32"),
        b'"\xff\xfe' + text.encode(),
    ]


def with_value(body: Any, location: Location, value: Any) -> Any:
    """A copy of `body` holding `value` at `location`, creating the lists and objects on the
    way (a field the body left out, the first entry of a list it did not send)."""
    changed = copy.deepcopy(body)
    container = changed
    for step, following in itertools.pairwise(location):
        if isinstance(container, list):
            while len(container) <= int(step):
                container.append([] if isinstance(following, int) else {})
            container = container[int(step)]
        else:
            if not isinstance(container.get(step), list | dict):
                container[step] = [] if isinstance(following, int) else {}
            container = container[step]
    last = location[-1]
    if isinstance(container, list) and int(last) >= len(container):
        container.append(value)
    else:
        container[last] = value
    return changed


def leaf_locations(value: Any, location: Location = ()) -> Iterator[Location]:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaf_locations(item, (*location, key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from leaf_locations(item, (*location, index))
    elif location:
        yield location


def field_locations(schema: dict[str, Any], components: dict[str, Any]) -> Iterator[Location]:
    """The location of every field of a body schema, arrays' items as their first entry."""
    yield from _walk(schema, components, (), want_strings=False)


def string_locations(schema: dict[str, Any], components: dict[str, Any]) -> Iterator[Location]:
    """Where a body schema takes a string (a text, a code, an enum, an instant)."""
    yield from _walk(schema, components, (), want_strings=True)


def _walk(
    schema: dict[str, Any], components: dict[str, Any], location: Location, *, want_strings: bool
) -> Iterator[Location]:
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    options = [o for o in schema.get("anyOf", [schema]) if o.get("type") != "null"]
    for option in options:
        if "$ref" in option:
            yield from _walk(option, components, location, want_strings=want_strings)
        elif option.get("type") == "object" or "properties" in option:
            for name, field in option.get("properties", {}).items():
                yield from _walk(field, components, (*location, name), want_strings=want_strings)
        elif option.get("type") == "array":
            if not want_strings:
                yield location
            item = option.get("items", {})
            yield from _walk(item, components, (*location, 0), want_strings=want_strings)
        elif location and (not want_strings or option.get("type") == "string"):
            yield location


def strict_json(response: httpx.Response) -> Any:
    """The body, decoded as RFC 8259 JSON text: UTF-8, finite numbers, no lone surrogates."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in the response body")

    document = json.loads(response.content.decode("utf-8"), parse_constant=refuse)
    json.dumps(document, ensure_ascii=False).encode("utf-8")  # raises on a lone surrogate
    return document


def names(response: httpx.Response, location: Location) -> bool:
    """A 422 whose errors name `location` (or a place inside it), in strict JSON."""
    if response.status_code != 422:
        return False
    wanted = list(location)
    return any(e["loc"][: len(wanted)] == wanted for e in strict_json(response)["detail"])


SNAPSHOT_OF = (
    "/api/v1/services",
    "/api/v1/keys",
    "/api/v1/agents",
    "/api/v1/maintenance",
    "/api/v1/subscriptions",
    "/api/v1/audit",
    "/api/v1/regions/{code}/declarations",
    "/api/v1/incidents/{incident_id}/updates",
)


async def snapshot(
    client: httpx.AsyncClient, provisioned: Provisioned, headers: dict[str, str]
) -> dict[str, Any]:
    """What the write routes can change, as their readers show it."""
    shown = {}
    for template in SNAPSHOT_OF:
        response = await client.get(provisioned.url(template), headers=headers)
        assert response.status_code == 200, (template, response.text)
        shown[template] = response.json()
    return shown
