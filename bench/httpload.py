"""HTTP load for the read-API benchmark: N concurrent clients (asyncio + httpx, one keep-alive
connection each) per target, the targets taken in turn in short slices, so a machine whose
load drifts during the run weighs on every target alike. Requests/s and p99 per target."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def figures(self) -> dict[str, float]:
        ordered = sorted(self.latencies)
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0
        return {"rps": len(ordered) / self.seconds if self.seconds else 0.0, "p99_ms": 1000 * p99}


async def _slice(
    url: str, clients: list[httpx.AsyncClient], seconds: float, tally: Tally | None
) -> None:
    stop_at = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        while (started := time.perf_counter()) < stop_at:
            response = await client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: HTTP {response.status_code}")
            if tally is not None:
                tally.latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(worker(client) for client in clients))
    if tally is not None:
        tally.seconds += time.perf_counter() - began


async def measure(
    urls: Mapping[str, str],
    *,
    duration: float,
    concurrency: int,
    rounds: int = 5,
    headers: Mapping[str, str] | None = None,
) -> dict[str, dict[str, float]]:
    """Each target gets `duration` seconds in all, in `rounds` slices, after a warm-up."""
    clients = {
        name: [httpx.AsyncClient(timeout=30, headers=headers) for _ in range(concurrency)]
        for name in urls
    }
    tallies = {name: Tally() for name in urls}
    try:
        for name, url in urls.items():
            await _slice(url, clients[name], 1.0, None)
        for _ in range(rounds):
            for name, url in urls.items():
                await _slice(url, clients[name], duration / rounds, tallies[name])
    finally:
        for pool in clients.values():
            for client in pool:
                await client.aclose()
    return {name: tally.figures() for name, tally in tallies.items()}


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """On uvloop when installed (uvicorn[standard] brings it): a lighter client."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)
