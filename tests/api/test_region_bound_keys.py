"""Region-bound keys (#20 item 1): a key bound to an area (a city, or a province with its
regencies and cities) writes only there, every write route of the OpenAPI document walked; the
audit log names the key and its area. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.errors import Forbidden, OutsideArea
from app.http.auth import Principal
from app.http.auth_gate import guarded_writes
from app.settings import Settings
from app.store.db import Database
from app.store.keys import Scope
from tests.conftest import make_settings
from tests.factories import LETTER, add_incident, bearer
from tests.support.agent import batch, result

PALOPO, DENPASAR, LUWU = "73.73", "51.71", "73.17"
HOOK = "http://127.0.0.1:9/hook"  # never called: no dispatcher runs here
WRITE_METHODS = {"post", "put", "patch", "delete"}
OK = {200, 201, 202, 204}
Headers = dict[str, str]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url, run_dispatcher=False, webhook_allowed_networks=["127.0.0.0/8"]
    )


def service_body(region: str) -> dict[str, Any]:
    return {"region_code": region, "name": f"SIAK {region}", "url": "https://siak.example.go.id/"}


def window_body(region: str, **fields: Any) -> dict[str, Any]:
    times = {"starts_at": "2030-01-05T01:00:00Z", "ends_at": "2030-01-05T03:00:00Z"}
    return {"title": "Migrasi data", "regions": [region]} | times | fields


def subscription_body(region: str) -> dict[str, Any]:
    return {"url": HOOK, "region_prefixes": [region]}


async def created(response: Awaitable[httpx.Response]) -> dict[str, Any]:
    answer = await response
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def bound_key(
    client: httpx.AsyncClient, admin_headers: Headers, area: str, *scopes: str
) -> dict[str, Any]:
    body = {"name": f"kantor {area}", "scopes": list(scopes), "region_code": area}
    return await created(client.post("/api/v1/keys", json=body, headers=admin_headers))


@dataclass
class Targets:
    """Fresh things to act on, in a given region, made by the admin."""

    client: httpx.AsyncClient
    admin: Headers
    database: Database

    async def post(self, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.client.post(url, json=body, headers=self.admin)
        assert response.status_code in OK, response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def service(self, region: str) -> int:
        return int((await self.post("/api/v1/services", service_body(region)))["id"])

    async def window(self, region: str) -> int:
        return int((await self.post("/api/v1/maintenance", window_body(region)))["id"])

    async def subscription(self, region: str) -> int:
        return int((await self.post("/api/v1/subscriptions", subscription_body(region)))["id"])

    async def delivery(self, region: str) -> int:
        subscription = await self.subscription(region)
        await self.post(f"/api/v1/subscriptions/{subscription}/ping")
        url = f"/api/v1/subscriptions/{subscription}/deliveries"
        page = (await self.client.get(url, headers=self.admin)).json()
        return int(page["items"][0]["id"])

    async def agent(self, region: str) -> int:
        body = {"region_code": region, "name": f"agen {region}"}
        return int((await self.post("/api/v1/agents", body))["id"])

    async def incident(self, region: str) -> int:
        return await add_incident(self.database, region)

    async def region(self, region: str) -> str:
        return region

    async def declaration(self, region: str) -> int:
        body = LETTER | {"kind": "cutoff"}
        return int((await self.post(f"/api/v1/regions/{region}/declarations", body))["id"])

    async def fill(self, path: str, region: str) -> str:
        """The path with each parameter a fresh target in `region` (`{code}`: the region)."""
        builders: dict[str, Callable[[str], Awaitable[object]]] = {
            "code": self.region,
            "service_id": self.service,
            "window_id": self.window,
            "incident_id": self.incident,
            "subscription_id": self.subscription,
            "delivery_id": self.delivery,
            "agent_id": self.agent,
            "declaration_id": self.declaration,
        }
        for name in re.findall(r"{(\w+)}", path):
            path = path.replace(f"{{{name}}}", str(await builders[name](region)))
        return path


@dataclass(frozen=True)
class Case:
    body: Callable[[str], dict[str, Any]] | None = None
    params: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None  # multipart instead of JSON


UPDATE = {"status": "identified", "body_id": "Akses diputus.", "body_en": "Access cut."}
SUBSCRIPTION = "/api/v1/subscriptions/{subscription_id}"
# Every write route a key may call, and a request it accepts when the target is in its area.
# A new write route fails the walk below until it is listed here (or among the admin's); one
# listed here that the app does not have is skipped.
CASES: dict[tuple[str, str], Case] = {
    ("POST", "/api/v1/services"): Case(service_body),
    ("PATCH", "/api/v1/services/{service_id}"): Case(lambda r: {"name": "SIAK", "is_paused": True}),
    ("DELETE", "/api/v1/services/{service_id}"): Case(),
    ("POST", "/api/v1/maintenance"): Case(window_body),
    ("PATCH", "/api/v1/maintenance/{window_id}"): Case(lambda r: {"title": "Migrasi"}),
    ("DELETE", "/api/v1/maintenance/{window_id}"): Case(),
    ("POST", "/api/v1/regions/{code}/declarations"): Case(lambda r: LETTER | {"kind": "cutoff"}),
    ("POST", "/api/v1/incidents/{incident_id}/updates"): Case(lambda r: UPDATE),
    ("POST", "/api/v1/subscriptions"): Case(subscription_body),
    ("PATCH", SUBSCRIPTION): Case(lambda r: {"description": "Redaksi"}),
    ("DELETE", SUBSCRIPTION): Case(),
    ("POST", f"{SUBSCRIPTION}/rotate-secret"): Case(),
    ("POST", f"{SUBSCRIPTION}/replay"): Case(params={"since": "2026-01-01T00:00:00Z"}),
    ("POST", f"{SUBSCRIPTION}/ping"): Case(),
    ("POST", "/api/v1/deliveries/{delivery_id}/retry"): Case(),
    ("POST", "/api/v1/agents/{agent_id}/results"): Case(lambda r: batch([result(1)])),
    ("POST", "/api/v1/regions/{code}/declarations/{declaration_id}/letter"): Case(
        files={"file": ("surat.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}
    ),
}
# Only admins call these, and an admin key cannot be bound to a region.
ADMIN_ONLY = {
    ("POST", "/api/v1/keys"),
    ("DELETE", "/api/v1/keys/{key_id}"),
    ("POST", "/api/v1/agents"),
    ("DELETE", "/api/v1/agents/{agent_id}"),
}


def assert_outside(response: httpx.Response, region: str | None, area: str, loc: list[Any]) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert (body["region"], body["area"], body["loc"]) == (region, area, loc), body
    assert area in body["detail"]


async def test_a_palopo_key_writes_for_palopo_only_on_every_write_route(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: Headers, database: Database
) -> None:
    document = (await client.get("/openapi.json")).json()
    secured = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in WRITE_METHODS and operation.get("security")
    }
    assert secured - ADMIN_ONLY <= CASES.keys(), "a write route without a case below"
    scopes = {(m, w.path): w.scopes for w in guarded_writes(app.routes) for m in w.methods}
    assert {route for route in secured if scopes[route] == (Scope.ADMIN,)} == ADMIN_ONLY

    everything = [s for s in Scope if s != Scope.ADMIN]
    key = await bound_key(client, admin_headers, "7373", *everything)
    palopo = bearer(key["token"])
    targets = Targets(client, admin_headers, database)
    walked = {route: CASES[route] for route in sorted(secured - ADMIN_ONLY)}
    for (method, path), case in walked.items():
        for region in (DENPASAR, PALOPO):
            url = await targets.fill(path, region)
            body = case.body(region) if case.body else None
            response = await client.request(
                method, url, json=body, params=case.params, files=case.files, headers=palopo
            )
            if region == DENPASAR:
                assert response.status_code == 403, (method, path, response.text)
                refusal = response.json()
                assert (refusal.get("region"), refusal.get("area")) == (DENPASAR, PALOPO), refusal
                assert refusal["loc"][0] in ("path", "body"), (method, path, refusal)
            else:
                assert response.status_code in OK, (method, path, response.text)
    for method, path in ADMIN_ONLY:
        response = await client.request(method, path.replace("{", "").replace("}", ""))
        assert response.status_code == 401  # no token at all
        response = await client.request(method, re.sub(r"{\w+}", "1", path), headers=palopo)
        assert response.status_code == 403 and "'admin'" in response.json()["detail"]

    # Every write it made is in the log with the key and its area; none touched Denpasar.
    actor = f"key:{key['id']}"
    log = (await client.get("/api/v1/audit", params={"actor": actor}, headers=admin_headers)).json()
    entries = log["items"]
    shown = {
        "id": key["id"],
        "prefix": key["prefix"],
        "name": key["name"],
        "region_code": PALOPO,
    }
    assert len(entries) == len(walked) - 1  # an agent's results are data, not an operator's act
    assert all(entry["key"] == shown for entry in entries)
    assert DENPASAR not in str([(e["before"], e["after"]) for e in entries])
    admins = await client.get(
        "/api/v1/audit", params={"actor": "admin-token"}, headers=admin_headers
    )
    assert admins.json()["items"] and all(e["key"] is None for e in admins.json()["items"])


async def test_a_province_key_acts_on_its_regencies_and_cities_but_not_elsewhere(
    client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    key = await bound_key(client, admin_headers, "73", "services:write", "declarations:write")
    assert key["region_code"] == "73"
    headers = bearer(key["token"])
    palopo = await created(
        client.post("/api/v1/services", json=service_body(PALOPO), headers=headers)
    )
    await created(client.post("/api/v1/services", json=service_body(LUWU), headers=headers))
    denied = await client.post("/api/v1/services", json=service_body(DENPASAR), headers=headers)
    assert_outside(denied, DENPASAR, "73", ["body", "region_code"])

    cutoff = LETTER | {"kind": "cutoff"}
    url = "/api/v1/regions/{}/declarations"
    await created(client.post(url.format(LUWU), json=cutoff, headers=headers))
    await created(client.post(url.format("73"), json=cutoff, headers=headers))
    denied = await client.post(url.format("5171"), json=cutoff, headers=headers)
    assert_outside(denied, DENPASAR, "73", ["path", "code"])

    # Moving a service: within the province yes, out of it no (and nothing changes).
    service_url = f"/api/v1/services/{palopo['id']}"
    moved = await client.patch(service_url, json={"region_code": LUWU}, headers=headers)
    assert moved.status_code == 200 and moved.json()["region_code"] == LUWU
    away = await client.patch(service_url, json={"region_code": DENPASAR}, headers=headers)
    assert_outside(away, DENPASAR, "73", ["body", "region_code"])
    assert (await client.get(service_url)).json()["region_code"] == LUWU
    # A Denpasar service cannot be moved into the province either.
    denpasar = await created(
        client.post("/api/v1/services", json=service_body(DENPASAR), headers=admin_headers)
    )
    url = f"/api/v1/services/{denpasar['id']}"
    taken = await client.patch(url, json={"region_code": PALOPO}, headers=headers)
    assert_outside(taken, DENPASAR, "73", ["path", "service_id"])


async def test_a_bound_keys_subscriptions_name_regions_within_its_area(
    client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    key = await bound_key(client, admin_headers, PALOPO, "subscriptions:write")
    headers = bearer(key["token"])
    base = "/api/v1/subscriptions"
    for prefixes, region, loc in (
        ([], None, ["body", "region_prefixes"]),  # every region: the whole country
        (["73"], "73", ["body", "region_prefixes", 0]),  # the province is wider than Palopo
        (["7373", "51.71"], DENPASAR, ["body", "region_prefixes", 1]),
    ):
        body = {"url": HOOK, "region_prefixes": prefixes}
        assert_outside(await client.post(base, json=body, headers=headers), region, PALOPO, loc)
    own = await created(client.post(base, json=subscription_body("7373"), headers=headers))
    national = await created(client.post(base, json={"url": HOOK}, headers=admin_headers))
    theirs = await created(
        client.post(base, json=subscription_body(DENPASAR), headers=admin_headers)
    )
    ministry_for_palopo = await created(
        client.post(base, json=subscription_body(PALOPO), headers=admin_headers)
    )

    # It sees and changes those whose filters lie in its area, whoever made them.
    listed = (await client.get(base, headers=headers)).json()
    assert [s["id"] for s in listed["items"]] == [own["id"], ministry_for_palopo["id"]]
    one = await client.get(base, params={"limit": 1}, headers=headers)
    assert [s["id"] for s in one.json()["items"]] == [own["id"]]
    rest = await client.get(base, params={"cursor": one.json()["next_cursor"]}, headers=headers)
    assert [s["id"] for s in rest.json()["items"]] == [ministry_for_palopo["id"]]
    everyone = (await client.get(base, headers=admin_headers)).json()["items"]
    assert len(everyone) == 4
    assert_outside(
        await client.get(f"{base}/{national['id']}", headers=headers),
        None,
        PALOPO,
        ["path", "subscription_id"],
    )
    assert_outside(
        await client.get(f"{base}/{theirs['id']}/deliveries", headers=headers),
        DENPASAR,
        PALOPO,
        ["path", "subscription_id"],
    )
    widened = {"region_prefixes": ["73.73", "51.71"]}
    response = await client.patch(f"{base}/{own['id']}", json=widened, headers=headers)
    assert_outside(response, DENPASAR, PALOPO, ["body", "region_prefixes", 1])
    changed = await client.patch(
        f"{base}/{ministry_for_palopo['id']}", json={"description": "Kantor"}, headers=headers
    )
    assert changed.status_code == 200, changed.text

    # The delivery log of another region's subscription is out of reach too.
    pinged = await client.post(f"{base}/{theirs['id']}/ping", headers=admin_headers)
    assert pinged.status_code == 202, pinged.text
    page = (await client.get(f"{base}/{theirs['id']}/deliveries", headers=admin_headers)).json()
    delivery = f"/api/v1/deliveries/{page['items'][0]['id']}"
    loc = ["path", "delivery_id"]
    assert_outside(await client.get(delivery, headers=headers), DENPASAR, PALOPO, loc)
    refused = await client.post(f"{delivery}/retry", headers=headers)
    assert_outside(refused, DENPASAR, PALOPO, loc)


async def test_a_bound_keys_maintenance_covers_its_area_only(
    client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    key = await bound_key(client, admin_headers, PALOPO, "maintenance:write")
    headers = bearer(key["token"])
    denpasar = await created(
        client.post("/api/v1/services", json=service_body(DENPASAR), headers=admin_headers)
    )
    palopo = await created(
        client.post("/api/v1/services", json=service_body(PALOPO), headers=admin_headers)
    )
    base = "/api/v1/maintenance"
    both = window_body(PALOPO, regions=[PALOPO, DENPASAR])
    denied = await client.post(base, json=both, headers=headers)
    assert_outside(denied, DENPASAR, PALOPO, ["body", "regions", 1])
    by_service = window_body(PALOPO, regions=[], service_ids=[palopo["id"], denpasar["id"]])
    denied = await client.post(base, json=by_service, headers=headers)
    assert_outside(denied, DENPASAR, PALOPO, ["body", "service_ids", 1])

    own = await created(
        client.post(base, json=window_body(PALOPO, service_ids=[palopo["id"]]), headers=headers)
    )
    retarget = {"service_ids": [denpasar["id"]]}
    denied = await client.patch(f"{base}/{own['id']}", json=retarget, headers=headers)
    assert_outside(denied, DENPASAR, PALOPO, ["body", "service_ids", 0])
    ministry = await created(client.post(base, json=window_body("73"), headers=admin_headers))
    denied = await client.delete(f"{base}/{ministry['id']}", headers=headers)
    assert_outside(denied, "73", PALOPO, ["path", "window_id"])
    assert (await client.get(f"{base}/{ministry['id']}")).status_code == 200


async def test_keys_take_an_area_for_any_scope_but_admin(
    client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    for scopes in (["admin"], ["admin", "services:write"]):
        body = {"name": "x", "scopes": scopes, "region_code": "73"}
        response = await client.post("/api/v1/keys", json=body, headers=admin_headers)
        assert response.status_code == 422, response.text
        assert [e["loc"] for e in response.json()["detail"]] == [["body", "region_code"]]
    unknown = {"name": "x", "scopes": ["services:write"], "region_code": "99.99"}
    response = await client.post("/api/v1/keys", json=unknown, headers=admin_headers)
    assert response.status_code == 422
    for scope in [s for s in Scope if s != Scope.ADMIN]:
        assert (await bound_key(client, admin_headers, "73", scope))["region_code"] == "73"
    listed = (await client.get("/api/v1/keys", headers=admin_headers)).json()
    assert {k["region_code"] for k in listed} == {"73"}


def test_a_bound_write_that_checked_no_region_fails_closed() -> None:
    """`record_write` asks this: a route that forgot `require_area` cannot write for a bound
    key. Admins (whose keys are never bound) and unbound keys reach everywhere."""
    bound = Principal(
        name="kantor", scopes=frozenset({"services:write"}), key_id=1, region_code="73"
    )
    with pytest.raises(Forbidden):
        bound.require_checked_area()
    with pytest.raises(OutsideArea):
        bound.require_area("51.71", loc=("body", "region_code"))
    bound.require_area("73.73", loc=("body", "region_code"))
    bound.require_checked_area()
    assert bound.reaches("73.17") and not bound.reaches(None) and not bound.reaches_all([])
    unbound = Principal(name="alat", scopes=frozenset({"services:write"}), key_id=2)
    unbound.require_checked_area()
    assert unbound.reaches(None) and unbound.reaches_all([])
    admin = Principal(name="lama", scopes=frozenset({"admin"}), key_id=3, region_code="73.73")
    assert admin.area is None and admin.reaches("51.71")
