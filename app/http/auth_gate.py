"""Authentication before the body. FastAPI reads a request's body before it runs the route's
dependencies, and the NUL guard buffers it before that: a caller with no token could make the
service hold a megabyte per connection. Here a write route's token is checked as soon as the
headers are in, and a caller it does not admit is answered (401/403, connection closed)
before a byte of the body is read. The route's own dependency still decides (on the
principal found here, which it does not look up again), and notes the key's use; this gate
only reads."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from fastapi.security.utils import get_authorization_scheme_param
from starlette.datastructures import Headers
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.errors import PantauError, Unauthorized
from app.http.auth import ADMITTED, admit
from app.http.errors import DATABASE_UNAVAILABLE
from app.http.push_tokens import PUSH_ONLY, REMEMBERED, push_tokens

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class GuardedWrite:
    path: str
    pattern: re.Pattern[str]
    methods: frozenset[str]
    scopes: tuple[str, ...]


def required_scopes(dependant: Dependant) -> Iterator[str]:
    """The scopes a route's `require_scope(...)` dependencies ask for, however deep."""
    for sub in dependant.dependencies:
        scope = getattr(sub.call, "required_scope", None)
        if scope is not None:
            yield scope
        yield from required_scopes(sub)


def guarded_writes(routes: Iterable[object]) -> list[GuardedWrite]:
    guarded = []
    for route in iter_route_contexts(routes):  # type: ignore[arg-type]
        dependant = getattr(route, "dependant", None)
        methods = frozenset(route.methods or ()) - SAFE_METHODS
        scopes = tuple(dict.fromkeys(required_scopes(dependant))) if dependant else ()
        if route.path and methods and scopes:
            pattern = compile_path(route.path)[0]
            guarded.append(GuardedWrite(route.path, pattern, methods, scopes))
    return guarded


def scopes_needed(method: str, path: str, guarded: Iterable[GuardedWrite]) -> tuple[str, ...]:
    for write in guarded:
        if method in write.methods and write.pattern.match(path):
            return write.scopes
    return ()


def bearer_token(authorization: str | None) -> str | None:
    """The token as FastAPI's HTTPBearer reads it; None when absent or not `Bearer`."""
    scheme, token = get_authorization_scheme_param(authorization)
    return token if authorization and scheme.lower() == "bearer" and token else None


def refusal(error: PantauError) -> JSONResponse:
    headers = {"Connection": "close"}  # the unread body must not be parsed as a next request
    if isinstance(error, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(error.body(), status_code=error.status_code, headers=headers)


class AuthBeforeBody:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.guarded: list[GuardedWrite] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        if self.guarded is None:  # routes are all included by the first request
            self.guarded = guarded_writes(scope["app"].routes)
        scopes = scopes_needed(scope["method"], scope["path"], self.guarded)
        try:
            await self._admit(scope, scopes)
        except PantauError as error:
            await refusal(error)(scope, receive, send)
            return
        except DATABASE_UNAVAILABLE:
            pass  # the route meets the same outage and answers it (503, Retry-After)
        await self.app(scope, receive, send)

    @staticmethod
    async def _admit(scope: Scope, scopes: tuple[str, ...]) -> None:
        state = scope["app"].state
        token = bearer_token(Headers(scope=scope).get("authorization"))
        pushing = scopes == PUSH_ONLY and token is not None
        if pushing and token is not None and (known := push_tokens(scope).get(token)):
            # An agent's push: its write checks the key is live (app/http/push_tokens.py).
            scope[ADMITTED] = (token, known)
            scope[REMEMBERED] = True
            return
        principal = None
        for needed in scopes:
            principal = await admit(
                token, needed, state.settings, state.db, note_use=False, known=principal
            )
        if pushing and principal is not None and token is not None:
            push_tokens(scope).remember(token, principal)
        if principal is not None and token is not None:
            # The route's own dependency takes it from here instead of looking the token up
            # again within the same request.
            scope[ADMITTED] = (token, principal)
