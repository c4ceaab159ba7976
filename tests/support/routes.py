"""Every GET route of the app as a concrete path, path parameters filled, for tests that must
hold on all of them (HEAD, Host header). Taken from the app itself, so a new route is walked
without anyone remembering to list it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

PARAMETER = re.compile(r"{(\w+)(?::\w+)?}")
REGION = "73.73"
STATIC_FILE = "pantau.css"
EVENT_STREAM = "/api/v1/events"  # never ends: read its headers only


def fill(path: str, ids: Mapping[str, int]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return REGION if name == "code" else str(ids.get(name, 1))

    return PARAMETER.sub(value, path)


def get_paths(app: FastAPI, ids: Mapping[str, int] | None = None) -> list[str]:
    """One path per GET route (ids by parameter name, else 1) and one file per static mount."""
    paths = [
        fill(route.path, ids or {})
        for route in iter_route_contexts(app.routes)
        if route.path and "GET" in (route.methods or ())
    ]
    mounts = [f"{r.path}/{STATIC_FILE}" for r in app.routes if isinstance(r, Mount)]
    return paths + mounts
