"""Helpers for the agent tests: register agents and build result batches."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from app.store.types import utcnow

ROLES = ("central", "office", "public")


async def register(
    client: httpx.AsyncClient, headers: dict[str, str], region: str = "73.73", name: str = "a"
) -> dict[str, Any]:
    body = {"region_code": region, "name": name}
    response = await client.post("/api/v1/agents", json=body, headers=headers)
    assert response.status_code == 201, response.text
    agent: dict[str, Any] = response.json()
    return agent


def result(
    seq: int, *, role: str = "central", reachable: bool = True, at: datetime | None = None
) -> dict[str, Any]:
    return {
        "seq": seq,
        "target": f"{role}-1",
        "role": role,
        "observed_at": (at or utcnow() - timedelta(seconds=1)).isoformat(),
        "reachable": reachable,
        "status_code": 200 if reachable else None,
        "latency_ms": 4.0,
        "failure": None if reachable else "timeout",
    }


def round_of(first_seq: int, **reachable: bool) -> list[dict[str, Any]]:
    """One probe round: a result per role given, e.g. round_of(1, central=False, public=True)."""
    return [
        result(first_seq + i, role=role, reachable=reachable[role])
        for i, role in enumerate(r for r in ROLES if r in reachable)
    ]


def batch(
    results: list[dict[str, Any]], *, stream: str = "s1", sent_at: datetime | None = None
) -> dict[str, Any]:
    return {
        "stream": stream,
        "sent_at": (sent_at or utcnow()).isoformat(),
        "agent_version": "0.1.0",
        "interval_seconds": 1,
        "results": results,
    }


async def push(
    client: httpx.AsyncClient, agent: dict[str, Any], body: dict[str, Any], token: str = ""
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token or agent['token']}"}
    return await client.post(f"/api/v1/agents/{agent['id']}/results", json=body, headers=headers)
