"""Trailing-slash redirects (`/api/v1/regions/` → `/api/v1/regions`) whose Location never
comes from the request's Host header. Starlette's own builds an absolute URL from that
header, and a shared cache would serve the poisoned redirect (`Host: evil.example`) to
everyone. Here the Location is on PANTAU_PUBLIC_URL when it is set, and relative otherwise."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import RedirectResponse
from starlette.routing import Match
from starlette.types import Receive, Scope, Send


def toggled_slash(path: str) -> str:
    return path.rstrip("/") if path.endswith("/") else f"{path}/"


def redirect_location(path: str, query_string: bytes, public_url: str | None) -> str:
    # Escaped as Starlette does, and a leading `//` kept from reading as another host.
    escaped = path.replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    if escaped.startswith("//"):
        escaped = "/%2F" + escaped[2:]
    query = query_string.decode("latin-1")
    return f"{public_url or ''}{escaped}{'?' + query if query else ''}"


def install_slash_redirect(app: FastAPI, public_url: str | None) -> None:
    """Replaces the router's own slash redirect; the router's default (404) stays the end."""
    router = app.router
    not_found = router.default
    router.redirect_slashes = False

    def other_form_matches(scope: Scope) -> str | None:
        if scope["type"] != "http" or scope["path"] == "/":
            return None
        other = {**scope, "path": toggled_slash(scope["path"])}
        if any(route.matches(other)[0] is not Match.NONE for route in router.routes):
            return str(other["path"])
        return None

    async def redirect_or_not_found(scope: Scope, receive: Receive, send: Send) -> None:
        if (path := other_form_matches(scope)) is not None:
            location = redirect_location(path, scope.get("query_string", b""), public_url)
            await RedirectResponse(location)(scope, receive, send)
            return
        await not_found(scope, receive, send)

    router.default = redirect_or_not_found
