"""The `/_sim/` control API: lets a separate process (the demo, an end-to-end test driving a
subprocess) change behaviours and read hit records over HTTP.

Handlers are plain functions from (registry, code, body) to a reply so they stay testable
without sockets, and every bad input becomes a 400 with a message a human can act on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .behaviours import HEALTHY, Behaviour
from .registry import Registry, check_code, is_valid_code

Reply = tuple[int, dict[str, Any], str]  # status, JSON payload, extra header lines
Handler = Callable[[Registry, str, bytes], Reply]

PREFIX = "/_sim/"


def route(registry: Registry, method: str, path: str, body: bytes) -> Reply:
    handlers, code = _resolve(path)
    if handlers is None:
        return _error(404, f"no control endpoint at {path}")
    handler = handlers.get(method)
    if handler is None:
        return 405, {"error": f"{method} not allowed"}, f"Allow: {', '.join(handlers)}\r\n"
    if code is not None and not is_valid_code(code):
        return _error(400, f"invalid region code {code!r}")
    try:
        return handler(registry, code or "", body)
    except ValueError as exc:
        return _error(400, str(exc))


def _resolve(path: str) -> tuple[dict[str, Handler] | None, str | None]:
    handlers = _COLLECTIONS.get(path)
    if handlers is not None:
        return handlers, None
    parent, _, code = path.rpartition("/")
    return _ITEMS.get(parent), code


def _error(status: int, message: str) -> Reply:
    return status, {"error": message}, ""


def _json_body(body: bytes) -> Any:
    if not body:
        raise ValueError("a JSON body is required")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"invalid JSON: {exc}") from None


def _list_regions(registry: Registry, _code: str, _body: bytes) -> Reply:
    regions = {code: b.to_json() for code, b in sorted(registry.overrides().items())}
    return 200, regions, ""


def _get_region(registry: Registry, code: str, _body: bytes) -> Reply:
    return 200, {"code": code, **registry.behaviour(code).to_json()}, ""


def _put_region(registry: Registry, code: str, body: bytes) -> Reply:
    behaviour = Behaviour.from_json(_json_body(body))
    registry.set(code, behaviour)
    return 200, {"code": code, **behaviour.to_json()}, ""


def _put_regions(registry: Registry, _code: str, body: bytes) -> Reply:
    data = _json_body(body)
    codes = data.get("codes") if isinstance(data, dict) else None
    if not isinstance(codes, list) or not codes:
        raise ValueError("'codes' must be a non-empty list of region codes")
    for code in codes:
        check_code(code)
    behaviour = Behaviour.from_json(data, ignore=frozenset({"codes"}))
    count = registry.set_many(codes, behaviour)
    return 200, {"updated": count, **behaviour.to_json()}, ""


def _delete_region(registry: Registry, code: str, _body: bytes) -> Reply:
    registry.clear(code)
    return 200, {"code": code, **HEALTHY.to_json()}, ""


def _reset(registry: Registry, _code: str, _body: bytes) -> Reply:
    registry.reset()
    return 200, {"reset": True}, ""


def _all_hits(registry: Registry, _code: str, _body: bytes) -> Reply:
    return 200, registry.all_hits(), ""


def _region_hits(registry: Registry, code: str, _body: bytes) -> Reply:
    return 200, {"count": registry.hits(code), "times": registry.hit_times(code)}, ""


def _health(_registry: Registry, _code: str, _body: bytes) -> Reply:
    return 200, {"status": "ok"}, ""


_COLLECTIONS: dict[str, dict[str, Handler]] = {
    "/_sim/regions": {"GET": _list_regions, "PUT": _put_regions},
    "/_sim/reset": {"POST": _reset},
    "/_sim/hits": {"GET": _all_hits},
    "/_sim/health": {"GET": _health},
}
_ITEMS: dict[str, dict[str, Handler]] = {
    "/_sim/regions": {"GET": _get_region, "PUT": _put_region, "DELETE": _delete_region},
    "/_sim/hits": {"GET": _region_hits},
}


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
