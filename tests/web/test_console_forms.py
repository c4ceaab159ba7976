"""The operators' console in process, on SQLite and PostgreSQL: signing in (a server-side
session, the cookie's flags, no token kept), signing out, a revoked key, idle and absolute
expiry on the app's clock, failed sign-ins limited, CSRF and origin checks on every post, the
API's validation messages on the forms, and a Palopo key confined to Palopo."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlmodel import col, select

from app.core.domain import Reason
from app.core.letters import NOT_A_LETTER
from app.main import create_app
from app.settings import Settings
from app.store.audit import AuditEntry
from app.store.console import ConsoleSession
from app.store.declarations import Declaration
from app.store.incident_updates import IncidentUpdate
from app.store.keys import Scope, create_key
from app.store.maintenance import MaintenanceWindow
from app.store.models import Service
from app.store.types import utcnow
from app.store.webhooks import Subscription, WebhookEvent
from tests.conftest import make_settings
from tests.factories import add_incident, add_service, bearer, probe
from tests.support.clock import SetClock
from tests.support.routes import CONSOLE, concrete

ORIGIN = "https://pantau.test"
OFFICE_SCOPES = [
    Scope.SERVICES_WRITE,
    Scope.DECLARATIONS_WRITE,
    Scope.MAINTENANCE_WRITE,
    Scope.SUBSCRIPTIONS_WRITE,
]
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
# Small limits, so that a letter past the ordinary body limit (yet within its own) is cheap.
MAX_BODY = 16 * 1024
LETTER_MAX = 64 * 1024
# A real one-page PDF, padded by a comment past MAX_BODY: only the console's declaration
# route admits it.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"%" + b"0" * (MAX_BODY + 100) + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG_HEAD = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url,
        run_dispatcher=False,
        console_sign_in_failures=3,
        webhook_allowed_networks="127.0.0.1/32",
        max_body_bytes=MAX_BODY,
        letter_max_bytes=LETTER_MAX,
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        application.state.clock = SetClock(datetime(2026, 12, 4, 6, 0, tzinfo=UTC))
        yield application


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client as a browser on the console's origin: https (the cookie is Secure), Origin set."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url=ORIGIN, headers={"Origin": ORIGIN}
    ) as client:
        yield client


async def issue(app: FastAPI, region: str | None = "73.73", name: str = "Kantor Palopo") -> str:
    async with app.state.db.transaction() as session:
        _key, token = await create_key(
            session, name=name, scopes=OFFICE_SCOPES, created_by="test", region_code=region
        )
    return token


async def sign_in(client: httpx.AsyncClient, token: str) -> str:
    """Signs in; returns the page's CSRF token."""
    response = await client.post("/console/login", data={"token": token})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/console"
    home = await client.get("/console")
    assert home.status_code == 200
    found = CSRF.search(home.text)
    assert found is not None
    return found.group(1)


async def rows(app: FastAPI, model: type) -> list:  # type: ignore[type-arg]
    async with app.state.db.read() as session:
        return list((await session.exec(select(model))).all())


async def audit_actions(app: FastAPI) -> list[str]:
    async with app.state.db.read() as session:
        query = select(AuditEntry.action).order_by(col(AuditEntry.id))
        return list((await session.exec(query)).all())


async def test_sign_in_opens_a_server_side_session_behind_a_strict_cookie(
    app: FastAPI, browser: httpx.AsyncClient
) -> None:
    token = await issue(app)
    assert (await browser.get("/console")).headers["location"] == "/console/login"
    response = await browser.post("/console/login", data={"token": token})
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    session_id = re.match(r"pantau_console=([^;]+);", cookie)
    assert session_id is not None
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/console"} <= flags
    assert token not in cookie and response.headers.get("cache-control") == "no-store"
    stored = await rows(app, ConsoleSession)
    assert len(stored) == 1 and session_id.group(1) not in stored[0].id_hash
    home = await browser.get("/console")
    assert home.status_code == 200 and "Kantor Palopo" in home.text
    assert token not in home.text
    assert home.headers["referrer-policy"] == "same-origin"
    assert "script-src 'self'" in home.headers["content-security-policy"]

    csrf = CSRF.search(home.text)
    assert csrf is not None
    out = await browser.post("/console/logout", data={"csrf": csrf.group(1)})
    assert out.status_code == 303 and out.headers["location"] == "/console/login"
    assert await rows(app, ConsoleSession) == []
    browser.cookies.set("pantau_console", session_id.group(1), domain="pantau.test")
    assert (await browser.get("/console")).headers["location"] == "/console/login"


async def test_a_revoked_key_ends_its_sessions(
    app: FastAPI, browser: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    token = await issue(app)
    await sign_in(browser, token)
    (key,) = (await browser.get("/api/v1/keys", headers=admin_headers)).json()
    key_id = key["id"]
    revoked = await browser.delete(f"/api/v1/keys/{key_id}", headers=admin_headers)
    assert revoked.status_code == 204
    assert (await browser.get("/console")).headers["location"] == "/console/login"
    assert await rows(app, ConsoleSession) == []


async def test_sessions_expire_when_idle_and_after_their_absolute_limit(
    app: FastAPI, browser: httpx.AsyncClient
) -> None:
    clock: SetClock = app.state.clock
    await sign_in(browser, await issue(app))
    # Seen every 29 minutes, the session lives on past any one idle span...
    for _ in range(3):
        clock.at += timedelta(minutes=29)
        assert (await browser.get("/console")).status_code == 200
    # ...but not 30 minutes without a request (PANTAU_CONSOLE_IDLE_MINUTES, default 30).
    clock.at += timedelta(minutes=30)
    assert (await browser.get("/console")).headers["location"] == "/console/login"

    await sign_in(browser, await issue(app, name="second"))
    started = clock.at
    while clock.at < started + timedelta(hours=12) - timedelta(minutes=20):
        clock.at += timedelta(minutes=20)
        assert (await browser.get("/console")).status_code == 200
    clock.at = started + timedelta(hours=12)  # PANTAU_CONSOLE_MAX_HOURS, default 12
    assert (await browser.get("/console")).headers["location"] == "/console/login"


async def test_failed_sign_ins_are_refused_then_limited(
    app: FastAPI, browser: httpx.AsyncClient
) -> None:
    token = await issue(app)
    for attempt in ("pantau_abc_wrong", "", "Bearer x"):
        refused = await browser.post("/console/login", data={"token": attempt})
        assert refused.status_code == 401
        assert "Kunci API tidak dikenal" in refused.text
    limited = await browser.post("/console/login", data={"token": token})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "set-cookie" not in limited.headers
    app.state.clock.at += timedelta(minutes=16)
    assert (await browser.post("/console/login", data={"token": token})).status_code == 303


async def test_every_post_needs_the_session_token_and_the_console_origin(
    app: FastAPI, browser: httpx.AsyncClient
) -> None:
    csrf = await sign_in(browser, await issue(app))
    form = {"name": "SIAK Palopo", "url": "http://127.0.0.1:9/health"}
    path = "/console/regions/73.73/services"
    cases: list[tuple[dict[str, str], dict[str, str]]] = [
        ({}, {}),  # no token
        ({"csrf": "0" * 64}, {}),  # a wrong one
        ({"csrf": csrf}, {"Origin": "https://evil.example"}),
        ({"csrf": csrf}, {"Origin": "null"}),
        ({"csrf": csrf}, {"Origin": "", "Referer": "https://evil.example/page"}),
    ]
    for extra, headers in cases:
        response = await browser.post(path, data=form | extra, headers=headers)
        assert response.status_code == 403, (extra, headers)
    # Neither Origin nor Referer: refused too.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as bare:
        bare.cookies = browser.cookies
        assert (await bare.post(path, data=form | {"csrf": csrf})).status_code == 403
        login = await bare.post("/console/login", data={"token": "x"})
        assert login.status_code == 403
    assert await rows(app, Service) == []
    # A Referer from the console itself stands in for a missing Origin.
    del browser.headers["Origin"]
    referred = {"Referer": f"{ORIGIN}/console/regions/73.73"}
    accepted = await browser.post(path, data=form | {"csrf": csrf}, headers=referred)
    assert accepted.status_code == 303
    assert [s.name for s in await rows(app, Service)] == ["SIAK Palopo"]


def console_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, concrete path) of every console route but its sign-in."""
    found = []
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if path.startswith(CONSOLE) and path != "/console/login":
            found += [(m, concrete(path)) for m in sorted((route.methods or set()) - {"HEAD"})]
    return found


async def test_every_console_route_wants_a_session_and_every_post_its_csrf_token(
    app: FastAPI, browser: httpx.AsyncClient
) -> None:
    routes = console_routes(app)
    posts = [path for method, path in routes if method == "POST"]
    assert len(posts) >= 9 and len(routes) - len(posts) >= 5
    for method, path in routes:
        response = await browser.request(method, path, data={"csrf": "0" * 64})
        assert response.status_code == 303, (method, path)
        assert response.headers["location"] == "/console/login"
        cross = await browser.request(method, path, headers={"Origin": "https://a.example"})
        assert "access-control-allow-origin" not in cross.headers, path
    await sign_in(browser, await issue(app, region=None))
    for path in posts:
        response = await browser.post(path, data={"paused": "1"})
        assert response.status_code == 403, path
        assert "Formulir ini kedaluwarsa atau tidak sah" in response.text
    assert await rows(app, AuditEntry) == []


async def test_forms_show_the_apis_validation_messages_indonesian_first(
    app: FastAPI, browser: httpx.AsyncClient
) -> None:
    token = await issue(app)
    csrf = await sign_in(browser, token)
    body = {"kind": "warning", "reference": "", "issuer": "Ditjen Dukcapil"}
    api = await browser.post(
        "/api/v1/regions/73.73/declarations",
        json=body | {"issued_at": "2026-12-01T00:00:00+08:00"},
        headers=bearer(token),
    )
    assert api.status_code == 422
    messages = {e["loc"][-1]: e["msg"].removeprefix("Value error, ") for e in api.json()["detail"]}
    assert set(messages) == {"reference", "deadline"}
    page = await browser.post(
        "/console/regions/73.73/declarations",
        data=body | {"issued_at": "2026-12-01", "csrf": csrf},
    )
    assert page.status_code == 422
    shown = dict(re.findall(r'<li data-field="(\w+)">([^<]+)</li>', page.text))
    assert shown["reference"].startswith("Nomor surat / Letter number: wajib diisi")
    for field, message in messages.items():
        assert shown[field].endswith(message)
    # The form keeps what was typed.
    assert 'value="Ditjen Dukcapil"' in page.text


async def test_a_palopo_key_sees_and_acts_only_on_palopo(
    app: FastAPI, browser: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    denpasar_service = await add_service(app.state.db, "51.71")
    denpasar_incident = await add_incident(app.state.db, "51.71")
    hook = await browser.post(
        "/api/v1/subscriptions",
        json={"url": "http://127.0.0.1:9/hook", "region_prefixes": ["51.71"]},
        headers=admin_headers,
    )
    assert hook.status_code == 201
    csrf = await sign_in(browser, await issue(app))

    home = await browser.get("/console")
    assert re.findall(r'<tr data-region="([\d.]+)"', home.text) == ["73.73"]
    assert "Denpasar" not in home.text
    assert (await browser.get("/console/regions/73.73")).status_code == 200
    assert (await browser.get("/console/regions/51.71")).status_code == 404
    assert (await browser.get(f"/console/services/{denpasar_service}")).status_code == 404
    listed = await browser.get("/console/subscriptions")
    assert listed.status_code == 200 and "/hook" not in listed.text
    subscription_id = hook.json()["id"]
    assert (await browser.get(f"/console/subscriptions/{subscription_id}")).status_code == 403

    token = {"csrf": csrf}
    letter = {"reference": "400/1", "issuer": "Dukcapil", "issued_at": "2026-12-01"}
    window = {"title": "M", "starts_at": "2030-01-05T22:00", "ends_at": "2030-01-05T23:00"}
    update = {"status": "identified", "body_id": "a", "body_en": "b"}
    posts = [
        ("/console/regions/51.71/declarations", {"kind": "cutoff", **letter}, 403),
        ("/console/regions/51.71/maintenance", window | {"action": "save"}, 403),
        ("/console/regions/51.71/services", {"name": "x", "url": "http://127.0.0.1:9/"}, 403),
        (f"/console/regions/73.73/incidents/{denpasar_incident}/updates", update, 403),
        (f"/console/services/{denpasar_service}", {"name": "x", "url": "http://a.test/"}, 404),
        (f"/console/services/{denpasar_service}/pause", {"paused": "1"}, 404),
        (f"/console/services/{denpasar_service}/check", {}, 404),
    ]
    for path, data, status in posts:
        response = await browser.post(path, data=data | token)
        assert response.status_code == status, (path, response.text[:300])
    # Nothing was written for Denpasar, and no audit entry names the key.
    assert await rows(app, MaintenanceWindow) == []
    assert await rows(app, IncidentUpdate) == []
    assert [s.name for s in await rows(app, Service)] == ["SIAK 51.71"]
    assert not [e for e in await rows(app, AuditEntry) if e.key_id is not None]


async def test_a_palopo_key_runs_its_region_through_the_console(
    app: FastAPI, browser: httpx.AsyncClient
) -> None:
    incident_id = await add_incident(app.state.db, "73.73")
    csrf = await sign_in(browser, await issue(app))
    token = {"csrf": csrf}

    added = await browser.post(
        "/console/regions/73.73/services",
        data=token | {"name": "SIAK Palopo", "url": "http://127.0.0.1:9/health"},
    )
    service_path = added.headers["location"].split("?")[0]
    checked = await browser.post(f"{service_path}/check", data=token)
    assert checked.status_code == 200
    assert 'data-role="check-reason">network.refused<' in checked.text
    assert "&#34;" in checked.text or "&quot;" in checked.text  # the evidence, escaped JSON
    paused = await browser.post(f"{service_path}/pause", data=token | {"paused": "1"})
    assert paused.headers["location"].endswith("done=paused")
    edited = await browser.post(
        service_path, data=token | {"name": "SIAK Kota Palopo", "url": "http://127.0.0.1:9/h"}
    )
    assert edited.status_code == 303
    (service,) = await rows(app, Service)
    assert (service.name, service.is_paused, service.region_code) == (
        "SIAK Kota Palopo",
        True,
        "73.73",
    )

    window = token | {
        "title": "Pemeliharaan SIAK",
        "starts_at": "2026-12-06T22:00",
        "ends_at": "2026-12-06T23:30",
        "rrule": "FREQ=WEEKLY;BYDAY=SU",
    }
    preview = await browser.post(
        "/console/regions/73.73/maintenance", data=window | {"action": "preview"}
    )
    assert preview.status_code == 200
    assert "6 Des 2026 22.00 WITA – 6 Des 2026 23.30 WITA" in preview.text
    assert "13 Des 2026 22.00 WITA" in preview.text
    assert await rows(app, MaintenanceWindow) == []
    saved = await browser.post(
        "/console/regions/73.73/maintenance", data=window | {"action": "save"}
    )
    assert saved.status_code == 303
    (stored,) = await rows(app, MaintenanceWindow)
    assert stored.starts_at == datetime(2026, 12, 6, 14, 0, tzinfo=UTC)  # 22.00 WITA
    assert (stored.timezone, stored.regions) == ("Asia/Makassar", ["73.73"])

    posted = await browser.post(
        f"/console/regions/73.73/incidents/{incident_id}/updates",
        data=token | {"status": "identified", "body_id": "VPN diputus.", "body_en": "VPN cut."},
    )
    assert posted.status_code == 303
    region = await browser.get(posted.headers["location"])
    assert "VPN diputus." in region.text and "Pembaruan insiden diterbitkan." in region.text

    created = await browser.post(
        "/console/subscriptions",
        data=token | {"url": "http://127.0.0.1:9/hook", "region_prefixes": "73.73"},
    )
    assert created.status_code == 201 and "whsec_" in created.text
    (subscription,) = await rows(app, Subscription)
    assert subscription.region_prefixes == ["73.73"]
    declared = await browser.post(
        "/console/regions/73.73/declarations",
        data=token
        | {
            "kind": "cutoff",
            "reference": "400.8/77",
            "issuer": "Dukcapil",
            "issued_at": "2026-12-03",
        },
    )
    assert declared.status_code == 303

    log = await browser.get(f"/console/subscriptions/{subscription.id}")
    deliveries = re.findall(r'<tr data-delivery="(\d+)"', log.text)
    assert deliveries  # the cutoff's events, queued for the subscription
    retried = await browser.post(f"/console/deliveries/{deliveries[0]}/retry", data=token)
    assert retried.headers["location"] == f"/console/subscriptions/{subscription.id}?done=retried"

    # Every write is the API's, audited under the key.
    assert await audit_actions(app) == [
        "service.create",
        "service.update",
        "service.update",
        "maintenance.create",
        "incident_update.create",
        "subscription.create",
        "declaration.cutoff",
        "delivery.retry",
    ]


async def test_a_declaration_carries_its_letter_through_the_console(
    app: FastAPI, browser: httpx.AsyncClient
) -> None:
    palopo = await add_service(app.state.db, "73.73", failure_threshold=2)
    start = utcnow() - timedelta(minutes=10)
    for second, reason in enumerate((Reason.OK, Reason.NETWORK_TIMEOUT, Reason.NETWORK_TIMEOUT)):
        await probe(app.state.db, palopo, reason, start + timedelta(seconds=second))
    csrf = await sign_in(browser, await issue(app))
    path = "/console/regions/73.73/declarations"
    letter = {"csrf": csrf, "reference": "400.8/77", "issuer": "Dukcapil"}
    letter |= {"issued_at": "2026-12-03"}

    async def declare(kind: str, file: tuple[str, bytes], **fields: str) -> httpx.Response:
        files = {"file": (file[0], file[1], "application/octet-stream")}
        return await browser.post(path, data=letter | {"kind": kind, **fields}, files=files)

    # Refused by content, past its limit, past the route's body allowance: nothing written.
    html = await declare("cutoff", ("surat.pdf", b"<!doctype html><p>surat</p>"))
    assert html.status_code == 422
    shown = dict(re.findall(r'<li data-field="(\w+)">([^<]+)</li>', html.text))
    assert shown["file"].startswith("Berkas surat / Letter file: bukan berkas PDF, PNG atau JPEG")
    assert shown["file"].endswith(NOT_A_LETTER)
    assert 'value="400.8/77"' in html.text  # the form keeps what was typed
    large = await declare("cutoff", ("surat.pdf", b"%PDF-1.4\n" + bytes(LETTER_MAX)))
    assert large.status_code == 413
    shown = dict(re.findall(r'<li data-field="(\w+)">([^<]+)</li>', large.text))
    assert shown["file"].startswith("Berkas surat / Letter file: terlalu besar")
    huge = await declare("cutoff", ("surat.pdf", b"%PDF-1.4\n" + bytes(LETTER_MAX + MAX_BODY)))
    assert huge.status_code == 413 and "Formulir atau berkasnya terlalu besar." in huge.text
    assert await rows(app, Declaration) == []

    # A public PDF with a cutoff: one transaction, so cutoff.declared links it.
    declared = await declare("cutoff", ("Surat Palopo.pdf", PDF), visibility="public")
    assert declared.status_code == 303, declared.text[:500]
    (cutoff,) = await rows(app, Declaration)
    public_path = f"/api/v1/declarations/{cutoff.id}/letter"
    async with app.state.db.read() as session:
        events = select(WebhookEvent).where(WebhookEvent.type == "cutoff.declared")
        (event,) = (await session.exec(events)).all()
    assert json.loads(event.body)["data"]["letter"]["letter_url"].endswith(public_path)
    anonymous = await browser.get(public_path, headers={"Origin": ""})
    assert anonymous.status_code == 200 and anonymous.content == PDF

    # An operators-only PNG with the lifting: the console serves it, the public API does not.
    lifted = await declare("lifted", ("scan.png", PNG_HEAD + b"\x00" * 64), visibility="")
    assert lifted.status_code == 303
    lifting = max(d.id or 0 for d in await rows(app, Declaration))
    assert (await browser.get(f"/api/v1/declarations/{lifting}/letter")).status_code == 404
    page = (await browser.get("/console/regions/73.73")).text
    links = re.findall(
        r'<a href="(/console/declarations/\d+/letter)" data-role="letter-link"', page
    )
    assert links == [
        f"/console/declarations/{lifting}/letter",
        f"/console/declarations/{cutoff.id}/letter",
    ]
    visibilities = re.findall(r'data-role="letter-visibility" data-visibility="(\w+)"', page)
    assert visibilities == ["operators", "public"]
    assert f'href="{public_path}" data-role="public-letter-link"' in page
    for declaration_id, content, media_type in (
        (cutoff.id, PDF, "application/pdf"),
        (lifting, PNG_HEAD + b"\x00" * 64, "image/png"),
    ):
        download = await browser.get(f"/console/declarations/{declaration_id}/letter")
        assert download.status_code == 200 and download.content == content
        assert download.headers["content-type"] == media_type
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert await audit_actions(app) == [
        "declaration.letter",
        "declaration.cutoff",
        "declaration.letter",
        "declaration.lifted",
    ]


async def test_a_letter_outside_the_keys_area_is_not_served(
    app: FastAPI, browser: httpx.AsyncClient
) -> None:
    elsewhere = await issue(app, region="51.71", name="Kantor Denpasar")
    api = await browser.post(
        "/api/v1/regions/51.71/declarations",
        data={
            "kind": "warning",
            "reference": "1",
            "issuer": "D",
            "issued_at": "2026-12-01T00:00:00+08:00",
        }
        | {"deadline": "2026-12-20T00:00:00+08:00", "visibility": "public"},
        files={"file": ("s.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        headers=bearer(elsewhere) | {"Origin": ""},
    )
    assert api.status_code == 201, api.text
    await sign_in(browser, await issue(app))
    response = await browser.get(f"/console/declarations/{api.json()['id']}/letter")
    assert response.status_code == 404 and "%PDF" not in response.text
