"""The app's routes, taken from the app itself so a new route is walked without anyone
remembering to list it: every GET route as a concrete path (for HEAD, Host header), every write
route with the scope it asks for, and which routes want credentials at all."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

from app.http.conditional import needs_credentials

PARAMETER = re.compile(r"{(\w+)(?::\w+)?}")
REGION = "73.73"
STATIC_FILE = "pantau.css"
EVENT_STREAM = "/api/v1/events"  # never ends: read its headers only
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Writes anyone may make, on purpose: a citizen's email subscription (double opt-in; not an
# operator's act, so not audited either) and the links its mails carry, whose token is the
# credential (app/web/subscriber_pages.py). A new public write must be added here knowingly.
PUBLIC_WRITES = frozenset(
    {
        ("POST", "/api/v1/subscribers"),
        ("POST", "/regions/{code}/subscribe"),
        ("POST", "/subscribers/confirm"),
        ("POST", "/subscribers/unsubscribe"),
    }
)
# The operators' console: cookie sessions and CSRF tokens, not bearer tokens; without a session
# its pages redirect to its sign-in page. tests/web/test_console_forms.py sweeps its routes.
CONSOLE = "/console"
# GET pages that need their mail's token in the query: without it they answer 404.
LINK_PAGES = frozenset({"/subscribers/confirm", "/subscribers/unsubscribe"})


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
    mounts = [f"{r.path}/{_static_file(r)}" for r in app.routes if isinstance(r, Mount)]
    return paths + mounts


def _static_file(mount: Mount) -> str:
    """A file the mount serves: pantau.css where it is, else its first (the API docs' assets)."""
    directory = getattr(mount.app, "directory", None)
    names = sorted(os.listdir(directory)) if directory else []
    return STATIC_FILE if STATIC_FILE in names or not names else names[0]


def concrete(path: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "1", path.replace("{code}", "73.73"))


def _required_scopes(dependant: Dependant) -> set[str]:
    found = set()
    for sub in dependant.dependencies:
        scope = getattr(sub.call, "required_scope", None)
        if scope is not None:
            found.add(scope)
        found |= _required_scopes(sub)
    return found


def write_routes(app: FastAPI) -> list[tuple[str, str, str]]:
    """(method, path, required scope) of every write route under /api/."""
    routes = []
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        methods = {
            m for m in (route.methods or set()) & WRITE_METHODS if (m, path) not in PUBLIC_WRITES
        }
        if not methods or not path.startswith("/api/"):
            continue
        scopes = _required_scopes(route.dependant)
        assert len(scopes) == 1, f"{path} must require exactly one scope, found {scopes}"
        routes += [(method, path, scopes.pop()) for method in sorted(methods)]
    return routes


def guarded_routes(app: FastAPI) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(writes, admin reads) as (method, path); fails on a write route anyone may call."""
    writes, admin_reads = [], []
    for route in iter_route_contexts(app.routes):
        dependant = getattr(route, "dependant", None)
        methods = route.methods or set()
        if (route.path or "").startswith(CONSOLE):
            continue
        guarded = dependant is not None and needs_credentials(dependant)
        for method in sorted(methods & WRITE_METHODS):
            if (method, route.path) in PUBLIC_WRITES:
                continue
            assert guarded, f"{method} {route.path} takes no token"
            writes.append((method, route.path or ""))
        if "GET" in methods and guarded:
            admin_reads.append(("GET", route.path or ""))
    return writes, admin_reads
