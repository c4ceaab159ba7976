"""Who is using the console: the server-side session behind the `pantau_console` cookie, the
API key it was opened with (as the API's `Principal`, with its scopes and area), and the
checks every form post passes (its origin, the session's CSRF token).

The token typed at sign-in is checked once and forgotten: the browser holds only a random
session id (`HttpOnly; Secure; SameSite=Strict; Path=/console`); the database holds a hash
of it (`app/store/console.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request, Response
from starlette.exceptions import HTTPException

from app.core.console_rules import (
    SIGN_IN_WINDOW_SECONDS,
    SessionLimits,
    csrf_matches,
    csrf_token,
    origin_of,
    same_origin,
)
from app.core.mail_rules import Limit, client_key, digest
from app.http.auth import Principal
from app.http.body_limit import BodyTooLarge
from app.http.deps import ClockDep, DatabaseDep, SettingsDep
from app.http.subscribing import client_address
from app.settings import Settings
from app.store import console as store
from app.store.db import Database
from app.store.keys import ApiKey

COOKIE = "pantau_console"
PATH = "/console"
CSRF_FIELD = "csrf"


class SignInNeeded(Exception):
    """No live session: the browser is sent to the sign-in page."""


class Refused(Exception):
    """A request the console will not serve, shown as a page with this status and message
    (Indonesian, English)."""

    def __init__(
        self,
        status_code: int,
        message: tuple[str, str],
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message[1])
        self.status_code = status_code
        self.message = message
        self.headers = headers or {}


CROSS_SITE = (
    "Formulir ini hanya dapat dikirim dari konsol Pantau sendiri.",
    "This form can only be sent from Pantau's own console.",
)
BAD_CSRF = (
    "Formulir ini kedaluwarsa atau tidak sah. Muat ulang halaman dan coba lagi.",
    "This form has expired or is not valid. Reload the page and try again.",
)
UNREADABLE = (
    "Formulir ini tidak dapat dibaca.",
    "This form could not be read.",
)


def too_large(detail: object) -> tuple[str, str]:
    """A form past even its upload's allowance, naming the file field."""
    return (
        f"Berkas surat (file) terlalu besar: {detail}",
        f"The letter file (file) is too large: {detail}",
    )


def limits(settings: Settings) -> SessionLimits:
    return SessionLimits(
        idle=timedelta(minutes=settings.console_idle_minutes),
        absolute=timedelta(hours=settings.console_max_hours),
    )


def sign_in_limit(settings: Settings) -> Limit:
    return Limit(settings.console_sign_in_failures, SIGN_IN_WINDOW_SECONDS)


def principal_of(key: ApiKey) -> Principal:
    """The key as the API's routes see its bearer: its scopes and its area."""
    return Principal(
        name=key.name,
        scopes=frozenset(key.scopes),
        key_id=key.id,
        region_code=key.region_code,
        prefix=key.prefix,
    )


@dataclass(slots=True)
class Operator:
    """The signed-in key, for one request: a fresh Principal (its checked regions are the
    request's own), and the session's CSRF token for the page's forms."""

    key: ApiKey
    session_id: str

    @property
    def principal(self) -> Principal:
        return principal_of(self.key)

    @property
    def csrf(self) -> str:
        return csrf_token(self.session_id)


def set_cookie(response: Response, session_id: str, settings: Settings) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=settings.console_max_hours * 3600,
        path=PATH,
        secure=True,
        httponly=True,
        samesite="strict",
    )


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path=PATH, secure=True, httponly=True, samesite="strict")


async def signed_in(
    request: Request, database: DatabaseDep, settings: SettingsDep, clock: ClockDep
) -> Operator:
    """The live session's operator, seen now; SignInNeeded without one."""
    session_id = request.cookies.get(COOKIE)
    if not session_id or len(session_id) > 100:
        raise SignInNeeded
    async with database.transaction() as session:
        found = await store.resume_session(
            session, session_id=session_id, now=clock.now(), limits=limits(settings)
        )
    if found is None:
        raise SignInNeeded
    return Operator(key=found[1], session_id=session_id)


SignedIn = Annotated[Operator, Depends(signed_in)]


def own_origins(request: Request, settings: Settings) -> set[str]:
    """The console's origins: PANTAU_PUBLIC_URL's and the one this request was sent to."""
    own = {origin_of(settings.public_base_url) or ""}
    host = request.headers.get("host")
    if host:
        own.add(f"{request.url.scheme}://{host}".lower())
    return own


def require_same_origin(request: Request, settings: Settings) -> None:
    headers = request.headers
    if not same_origin(
        headers.get("origin"), headers.get("referer"), own_origins(request, settings)
    ):
        raise Refused(403, CROSS_SITE)


@dataclass(frozen=True, slots=True)
class Upload:
    """A file posted with a multipart form: the name its sender gave it, and its bytes."""

    filename: str | None
    data: bytes


async def read_form(request: Request) -> dict[str, list[str]]:
    """An urlencoded form's fields, each with all its values; undecodable bytes replaced."""
    fields: dict[str, list[str]] = {}
    body = (await request.body()).decode("utf-8", "replace")
    for name, value in parse_qsl(body, keep_blank_values=True):
        fields.setdefault(name, []).append(value)
    return fields


async def read_multipart(request: Request) -> tuple[dict[str, list[str]], dict[str, Upload]]:
    """A multipart/form-data form's fields, each with all its values, and its file (one)."""
    fields: dict[str, list[str]] = {}
    files: dict[str, Upload] = {}
    async with request.form(max_files=1) as form:
        for name, value in form.multi_items():
            if isinstance(value, str):
                fields.setdefault(name, []).append(value)
            else:
                files.setdefault(name, Upload(value.filename, await value.read()))
    return fields, files


@dataclass(frozen=True, slots=True)
class Form:
    """A posted form's fields: `one` the first value (stripped), `many` every non-empty one,
    `file` a file chosen for a file field."""

    fields: dict[str, list[str]]
    files: dict[str, Upload] = field(default_factory=dict)

    def file(self, name: str) -> Upload | None:
        """The file posted as `name`; None when none was chosen (a browser sends an empty
        part without a name then)."""
        upload = self.files.get(name)
        if upload is None or (not upload.filename and not upload.data):
            return None
        return upload

    def one(self, name: str) -> str:
        values = self.fields.get(name)
        return values[0].strip() if values else ""

    def many(self, name: str) -> list[str]:
        return [v.strip() for v in self.fields.get(name, []) if v.strip()]

    def given(self, name: str) -> str | None:
        """The field's value, or None when it is empty or absent."""
        return self.one(name) or None


async def posted(request: Request, settings: SettingsDep, operator: SignedIn) -> Form:
    """A signed-in operator's form post, from the console's origin, with the session's token."""
    require_same_origin(request, settings)
    try:
        if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
            form = Form(*await read_multipart(request))
        else:
            form = Form(await read_form(request))
    except BodyTooLarge as exc:  # past even the letter's allowance: the rest stays unread
        raise Refused(413, too_large(exc.detail), headers=dict(exc.headers or {})) from None
    except HTTPException:  # a malformed multipart body, or more than one file
        raise Refused(400, UNREADABLE) from None
    if not csrf_matches(operator.session_id, form.one(CSRF_FIELD) or None):
        raise Refused(403, BAD_CSRF)
    return form


Posted = Annotated[Form, Depends(posted)]


def client_hash(request: Request) -> str:
    return digest(client_key(client_address(request)))


async def close_session(database: Database, session_id: str) -> None:
    async with database.transaction() as session:
        await store.close_session(session, session_id)
