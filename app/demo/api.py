"""The demo's client of Pantau's own HTTP API: it sets things up and acts as an operator
through the same routes (and the same validation, audit and events) as anyone else."""

from __future__ import annotations

from typing import Any

import httpx


class ApiError(RuntimeError):
    """The service refused a demo request; the message carries its answer."""

    def __init__(self, response: httpx.Response) -> None:
        request = response.request
        super().__init__(
            f"{request.method} {request.url.path} -> {response.status_code}: {response.text[:300]}"
        )


def api_client(app: Any, token: str) -> httpx.AsyncClient:
    """Calls the running application in-process (ASGI): no dependence on where uvicorn
    listens (0.0.0.0, IPv6, a proxy), yet every route, dependency and check is the real one."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://pantau-demo",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def expect(response: httpx.Response, *statuses: int) -> Any:
    """The decoded body of an expected answer (None for 204), else ApiError."""
    if response.status_code not in (statuses or (200,)):
        raise ApiError(response)
    return None if response.status_code == 204 else response.json()


async def list_all(api: httpx.AsyncClient, path: str) -> list[dict[str, Any]]:
    """Every item of a cursor-paginated collection."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 500}
    while True:
        page = expect(await api.get(path, params=params))
        items.extend(page["items"])
        if not page.get("next_cursor"):
            return items
        params["cursor"] = page["next_cursor"]
