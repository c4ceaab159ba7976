"""Cursors and filters against injection, on SQLite and PostgreSQL: each query parameter of
the list, history, audit and incident routes (and the path's own keys) gets hostile strings
(SQL fragments, NUL bytes, huge numbers, overlong text, odd unicode, forged cursors). Every
answer is a 4xx naming the parameter, or a valid page; never a 5xx. A NUL in a JSON body
(which PostgreSQL text cannot hold) is a 422 naming the field."""

from __future__ import annotations

import base64
from urllib.parse import quote

import httpx
import pytest

from app.http.nul_guard import nul_in_json, nul_in_request_line
from tests.factories import PALOPO_SERVICE


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


HOSTILE = [
    "' OR '1'='1",
    "1; DROP TABLE transition; --",
    "73.73' UNION SELECT secret FROM subscription --",
    "\x00",
    "73\x0073",
    "%",
    "_",
    "9" * 40,
    "-1",
    "1e309",
    "NaN",
    "x" * 5000,
    "𝕻𝖆𝖓𝖙𝖆𝖚 ‮ ٣",
    "true\u202e",
    _cursor("v1:99999999999999999999999:1"),
    _cursor("v1:1:99999999999"),
    _cursor("v1:-99999999999999:1"),
    _cursor("v1:1:1' OR 1=1"),
    _cursor("v2:1:1"),
]

ROUTES = {
    "/api/v1/regions/73.73/history": ["since", "until", "category", "cursor", "limit"],
    "/api/v1/services/1/history": ["since", "until", "category", "cursor", "limit"],
    "/api/v1/regions": ["level", "parent", "province", "state", "category", "cursor", "limit"],
    "/api/v1/services": ["region", "state", "cursor", "limit"],
    "/api/v1/audit": ["actor", "action", "target_type", "target_id", "since", "until", "cursor"],
    "/api/v1/incidents": ["active", "region", "category", "since", "until", "cursor", "limit"],
    "/api/v1/subscriptions": ["cursor", "limit"],
    "/api/v1/subscriptions/1/deliveries": ["status", "cursor", "limit"],
    "/api/v1/maintenance": ["region", "status", "limit"],
    "/feeds/incidents.atom": ["region"],
}
PATHS = [
    "/api/v1/regions/{}",
    "/api/v1/regions/{}/history",
    "/api/v1/regions/{}/uptime",
    "/api/v1/services/{}/history",
    "/api/v1/incidents/{}",
    "/badge/{}.svg",
    "/badge/{}/uptime.svg",
    # Pages outside the OpenAPI document, so outside the schemathesis run.
    "/regions/{}",
    "/widget/{}",
]


def _assert_safe(response: httpx.Response, where: str) -> None:
    assert response.status_code < 500, (where, response.status_code, response.text[:300])
    if response.status_code == 422:
        detail = response.json()["detail"]
        assert isinstance(detail, list) and detail[0]["loc"], (where, detail)


async def test_hostile_query_parameters_are_refused_or_answered(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await client.post("/api/v1/services", json=PALOPO_SERVICE, headers=admin_headers)
    assert created.status_code == 201
    await client.post(
        "/api/v1/subscriptions", json={"url": "https://hooks.example/x"}, headers=admin_headers
    )
    for path, params in ROUTES.items():
        for param in params:
            for value in HOSTILE:
                response = await client.get(path, params={param: value}, headers=admin_headers)
                _assert_safe(response, f"{path}?{param}={value[:20]!r}")
                if response.status_code == 422:
                    assert param in response.json()["detail"][0]["loc"]
                elif response.status_code == 200 and path.startswith("/api/"):
                    assert response.json() is not None


async def test_hostile_path_keys_are_refused_or_answered(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for template in PATHS:
        for value in HOSTILE:
            url = template.format(quote(value, safe=""))
            response = await client.get(url, headers=admin_headers)
            _assert_safe(response, url[:80])


@pytest.mark.parametrize(
    ("document", "location"),
    [
        ({"name": "a\x00b"}, ("name",)),
        ({"policy_markers": ["ok", "dic\x00abut"]}, ("policy_markers", 1)),
        ({"filters": {"x\x00": 1}}, ("filters", "x\x00")),
        ({"name": "Kota Palopo", "n": 3, "tags": [None, True]}, None),
    ],
)
def test_nul_is_found_wherever_it_hides(
    document: object, location: tuple[str | int, ...] | None
) -> None:
    assert nul_in_json(document) == location


async def test_a_nul_in_a_json_body_is_a_422_naming_the_field(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    cases = [
        ("/api/v1/services", {**PALOPO_SERVICE, "name": "SIAK\x00"}, ["body", "name"]),
        (
            "/api/v1/services",
            {**PALOPO_SERVICE, "policy_markers": ["dicabut", "\x00"]},
            ["body", "policy_markers", 1],
        ),
        ("/api/v1/keys", {"name": "bot\x00", "scopes": ["admin"]}, ["body", "name"]),
    ]
    for path, body, location in cases:
        response = await client.post(path, json=body, headers=admin_headers)
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == location
    # The escaped text `\\u0000` is no NUL: it is stored and read back as written.
    literal = {**PALOPO_SERVICE, "name": "SIAK \\u0000 gateway"}
    created = await client.post("/api/v1/services", json=literal, headers=admin_headers)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "SIAK \\u0000 gateway"


@pytest.mark.parametrize(
    ("path", "query", "location"),
    [
        ("/api/v1/regions/73\x0073", b"", ("path",)),
        ("/api/v1/regions/73%00", b"", None),  # an escaped `%2500`: text, not a NUL
        ("/api/v1/audit", b"actor=a%00b", ("query", "actor")),
        ("/api/v1/audit", b"limit=5&action=x%00", ("query", "action")),
        ("/api/v1/audit", b"actor=%E2%80%AE%F0%9D%95%BB&limit=5", None),
    ],
)
def test_nul_in_the_request_line(path: str, query: bytes, location: tuple[str, ...] | None) -> None:
    assert nul_in_request_line(path, query) == location
