"""Signing in and out of the console, and its home page: the regions in the key's area.

`POST /console/login` takes an API key's token once (from the console's own origin; failed
attempts per client are limited, 429 with Retry-After), opens a server-side session and sets
the `pantau_console` cookie; the token is not kept. `POST /console/logout` deletes the session.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response

from app.console.render import page, see_other
from app.console.sessions import (
    Posted,
    SignedIn,
    client_hash,
    close_session,
    limits,
    read_form,
    require_same_origin,
    set_cookie,
    sign_in_limit,
)
from app.console.views import regions_in_area
from app.core.console_rules import new_session_id
from app.core.mail_rules import wait_seconds
from app.http.deps import ClockDep, DatabaseDep, ReadCacheDep, SettingsDep
from app.store import console as store
from app.store import keys

router = APIRouter(prefix="/console", include_in_schema=False)

TOKEN_MAX = 200
UNKNOWN_KEY = (
    "Kunci API tidak dikenal atau sudah dicabut.",
    "Unknown or revoked API key.",
)
TOO_MANY = (
    "Terlalu banyak percobaan masuk yang gagal. Coba lagi nanti.",
    "Too many failed sign-ins. Please try again later.",
)


@router.get("/login")
async def login_page() -> Response:
    return page("console_login.html", message=None)


@router.post("/login")
async def login(
    request: Request, database: DatabaseDep, settings: SettingsDep, clock: ClockDep
) -> Response:
    require_same_origin(request, settings)
    now = clock.now()
    client = client_hash(request)
    window = sign_in_limit(settings)
    since = now - timedelta(seconds=window.window_seconds)
    async with database.read() as session:
        failures = await store.sign_in_failures(session, client_hash=client, since=since)
    wait = wait_seconds(failures, window, now)
    if wait is not None:
        response = page("console_login.html", status_code=429, message=TOO_MANY)
        response.headers["Retry-After"] = str(wait)
        return response
    token = ((await read_form(request)).get("token") or [""])[0].strip()[:TOKEN_MAX]
    async with database.transaction() as session:
        key = await keys.find_active_key(session, token) if token else None
        if key is None or key.id is None:
            keep = timedelta(seconds=window.window_seconds)
            await store.note_sign_in_failure(session, client_hash=client, now=now, keep=keep)
        else:
            session_limits = limits(settings)
            await store.prune_sessions(session, now=now, idle=session_limits.idle)
            session_id = new_session_id()
            await store.open_session(
                session, session_id=session_id, key_id=key.id, now=now, limits=session_limits
            )
            await keys.mark_used(session, key.id, now=now)
    if key is None or key.id is None:
        return page("console_login.html", status_code=401, message=UNKNOWN_KEY)
    response = see_other("/console")
    set_cookie(response, session_id, settings)
    return response


@router.post("/logout")
async def logout(_form: Posted, operator: SignedIn, database: DatabaseDep) -> Response:
    await close_session(database, operator.session_id)
    return see_other("/console/login")


@router.get("")
async def home(
    operator: SignedIn, database: DatabaseDep, cache: ReadCacheDep, clock: ClockDep
) -> Response:
    regions = await regions_in_area(cache, operator.principal.area)
    return page("console_home.html", operator=operator, regions=regions, now=clock.now())
