"""Bearer authentication for writes: the request's token → a Principal holding scopes.

Two kinds of credential: the bootstrap admin token (PANTAU_ADMIN_TOKEN), which holds every
scope, and scoped API keys (`app.store.keys`), whose `admin` scope likewise holds every scope.
Routes ask for the scope they need (`require_scope("services:write")`), not for "the admin".
A key may also be bound to an area (`ApiKey.region_code`): then every write it makes must
concern that area (`Principal.require_area`), else a 403 naming the region and the area.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import BaseModel, Field
from starlette.types import Scope as AsgiScope

from app.core.areas import covers, first_outside, within
from app.core.errors import Forbidden, OutsideArea, Unauthorized
from app.http.deps import DatabaseDep, SettingsDep
from app.settings import Settings
from app.store import keys
from app.store.db import Database
from app.store.keys import ApiKey, Scope

ALL_SCOPES = "*"
ADMIN_TOKEN_ACTOR = "admin-token"

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="`Authorization: Bearer <token>`: PANTAU_ADMIN_TOKEN or an API key's token",
)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, and what they may do: its scopes, and where (its area).

    A key with a `region_code` is bound to that area (a regency or city, or a province with
    its regencies and cities: `app/core/areas.py`); every write it makes must concern the area.
    Routes ask `principal.require_area(code, loc=...)` for each region a write concerns (the
    target's region before and after the change), before writing; `reaches(code)` answers the
    same question without raising, for pages and lists. Admins and unbound keys reach the
    whole country. `record_write` refuses an entry for a bound key whose route checked no
    region, so a write route that forgot the check fails closed."""

    name: str
    scopes: frozenset[str]
    key_id: int | None = None
    region_code: str | None = None  # the key's area; None: unbound
    prefix: str | None = None  # the key's token prefix, to recognise it
    # Regions this request's route checked (bound keys only): see `record_write`.
    checked: set[str | None] = field(default_factory=set, compare=False, repr=False)

    @classmethod
    def of_key(cls, key: ApiKey) -> Principal:
        """An API key's bearer, for one request (its own set of checked regions)."""
        return cls(
            name=key.name,
            scopes=frozenset(key.scopes),
            key_id=key.id,
            region_code=key.region_code,
            prefix=key.prefix,
        )

    @property
    def is_admin(self) -> bool:
        return bool({ALL_SCOPES, Scope.ADMIN} & self.scopes)

    def has_scope(self, scope: str) -> bool:
        return self.is_admin or scope in self.scopes

    @property
    def area(self) -> str | None:
        """The region this caller's writes are confined to; None: the whole country (admins,
        whose keys cannot be bound, and unbound keys)."""
        return None if self.is_admin else self.region_code

    def reaches(self, code: str | None) -> bool:
        """May this caller act on region `code` (None: on the whole country)?"""
        return covers(self.area, code)

    def reaches_all(self, codes: Sequence[str]) -> bool:
        """May this caller act on every one of `codes`? None at all is the whole country (a
        subscription without region filters, say): only admins and unbound keys reach it."""
        return within(self.area, codes)

    def require_area(self, code: str | None, *, loc: tuple[str | int, ...]) -> None:
        """OutsideArea (a 403 naming `loc`, the region asked and the area) unless the caller
        may act on region `code`; None asks for the whole country."""
        self.require_areas([code] if code is not None else [], loc=loc, indexed=False)

    def require_areas(
        self, codes: Sequence[str], *, loc: tuple[str | int, ...], indexed: bool = True
    ) -> None:
        """`require_area` for each code (the field's `loc` plus its index, when `indexed`);
        no codes at all is the whole country, as in a filter admitting every region."""
        area = self.area
        if area is None:
            return
        self.checked.update(codes or [None])
        outside = first_outside(area, codes)
        if outside is not None:
            index, code = outside
            raise OutsideArea((*loc, index) if indexed and codes else loc, code, area)

    def require_checked_area(self) -> None:
        """Before a write is recorded: a bound caller's route must have checked the regions
        the write concerns. One that did not is refused (403), never let through."""
        if self.area is not None and not self.checked:
            raise Forbidden(
                f"this key acts only for region {self.area}; this write names no region to check"
            )

    @property
    def actor(self) -> str:
        """How the audit log names the caller."""
        return ADMIN_TOKEN_ACTOR if self.key_id is None else f"key:{self.key_id}"


ADMIN = Principal(name="admin", scopes=frozenset({ALL_SCOPES}))


class AuthError(BaseModel):
    detail: str
    loc: list[str | int] | None = Field(
        default=None, description="Outside the key's area: the field naming the region"
    )
    region: str | None = Field(
        default=None, description="Outside the key's area: the region asked (null: the country)"
    )
    area: str | None = Field(default=None, description="Outside the key's area: the key's area")


AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": AuthError, "description": "No `Authorization: Bearer <token>` header"},
    403: {
        "model": AuthError,
        "description": "The token is wrong, revoked or lacks the scope, or the write concerns"
        " a region outside the key's area (`loc`, `region` and `area` say which)",
    },
}


def _admin_token(settings: Settings) -> str:
    return settings.admin_token.get_secret_value() if settings.admin_token else ""


async def _writes_disabled(settings: Settings, database: Database) -> bool:
    """Nothing could authenticate: no admin token configured and no live API key."""
    if _admin_token(settings):
        return False
    async with database.read() as session:
        return not await keys.has_active_keys(session)


async def find_principal(token: str, settings: Settings, database: Database) -> Principal:
    """The principal a token stands for; Forbidden if it stands for none. Only reads."""
    admin_token = _admin_token(settings)
    # Bytes, so a non-ASCII token is a plain mismatch rather than a TypeError.
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return ADMIN
    async with database.read() as session:
        key = await keys.find_active_key(session, token)
    if key is None or key.id is None:
        raise Forbidden("invalid or revoked bearer token")
    return Principal.of_key(key)


async def authenticate(token: str, settings: Settings, database: Database) -> Principal:
    """`find_principal`, noting the key's use."""
    principal = await find_principal(token, settings, database)
    if principal.key_id is not None:
        async with database.transaction() as session:
            await keys.mark_used(session, principal.key_id)
    return principal


async def _identify(token: str | None, settings: Settings, database: Database) -> Principal:
    """`find_principal`; when no one could authenticate at all (no admin token configured,
    no live API key), a Forbidden saying so instead of asking for a token. That is asked only
    of a token that stands for no one: one that does proves writes are enabled."""
    if token is not None:
        try:
            return await find_principal(token, settings, database)
        except Forbidden:
            if not await _writes_disabled(settings, database):
                raise
    elif not await _writes_disabled(settings, database):
        raise Unauthorized("missing or malformed `Authorization: Bearer <token>` header")
    raise Forbidden("writes are disabled: PANTAU_ADMIN_TOKEN is unset and no API key exists")


async def admit(
    token: str | None,
    scope: str,
    settings: Settings,
    database: Database,
    *,
    note_use: bool = True,
    known: Principal | None = None,
) -> Principal:
    """The caller, if `token` holds `scope`; Unauthorized or Forbidden saying why not.
    `known`: the principal this request's token was already found to stand for (by the auth
    gate, moments before), not looked up again."""
    principal = known or await _identify(token, settings, database)
    if note_use and principal.key_id is not None:
        async with database.transaction() as session:
            await keys.mark_used(session, principal.key_id)
    if not principal.has_scope(scope):
        raise Forbidden(f"token lacks the {scope!r} scope")
    return principal


ADMITTED = "pantau.admitted"  # ASGI scope key: (token, principal) the auth gate found


def admitted(scope: AsgiScope, token: str | None) -> Principal | None:
    """The principal the auth gate found for this request's `token`, as a fresh Principal
    (its own set of checked regions), or None."""
    found: tuple[str, Principal] | None = scope.get(ADMITTED)
    if found is None or token is None or found[0] != token:
        return None
    return replace(found[1], checked=set())


def require_scope(scope: str, *, note_use: bool = True) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting callers whose token holds `scope` (or `admin`), noting the
    key's use (`note_use=False`: the route notes it, in a transaction of its own making)."""
    scope = str(scope)

    async def dependency(
        request: Request,
        settings: SettingsDep,
        database: DatabaseDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        token = credentials.credentials if credentials is not None else None
        known = admitted(request.scope, token)
        return await admit(token, scope, settings, database, note_use=note_use, known=known)

    dependency.required_scope = scope  # type: ignore[attr-defined]  # read by the auth gate
    return dependency


def holds_scope(scope: str) -> Callable[..., Awaitable[bool]]:
    """A dependency for public reads that show more to holders of `scope`: without an
    Authorization header the caller is anonymous; a token that stands for no one is refused,
    as on writes, so a mistyped token is not mistaken for the public view."""
    scope = str(scope)

    # The header is read here rather than through `bearer`, which would mark the route as
    # needing a token in the OpenAPI document: it does not.
    async def dependency(request: Request, settings: SettingsDep, database: DatabaseDep) -> bool:
        kind, token = get_authorization_scheme_param(request.headers.get("authorization"))
        if kind.lower() != "bearer" or not token:
            return False
        principal = await authenticate(token, settings, database)
        return principal.has_scope(scope)

    return dependency


require_admin = require_scope(Scope.ADMIN)

AdminDep = Annotated[Principal, Depends(require_admin)]
# Probe evidence and the full service URL: see app/core/disclosure.py.
IsOperator = Annotated[bool, Depends(holds_scope(Scope.SERVICES_WRITE))]
