"""The agent's two loops: probe every target each interval and buffer the results; push the
buffer whenever there is something new, backing off while the server is unreachable."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime

import httpx

from app.agent.buffer import Buffer
from app.agent.config import AgentConfig
from app.agent.observe import observe
from app.agent.push import Pusher, next_backoff
from app.core.agent_protocol import MAX_RESULT_AGE

log = logging.getLogger(__name__)

FINAL_PUSH_SECONDS = 5.0
BUFFER_FILE = "buffer.sqlite3"


async def _sleep_until(deadline: float, stop: asyncio.Event) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), max(0.0, deadline - time.monotonic()))


async def probe_loop(
    config: AgentConfig,
    buffer: Buffer,
    client: httpx.AsyncClient,
    fresh: asyncio.Event,
    stop: asyncio.Event,
) -> None:
    """At a fixed rate; a round that overruns skips the slots it missed rather than bunching."""
    next_at = time.monotonic()
    while not stop.is_set():
        observations = await asyncio.gather(
            *(
                observe(client, target, deadline_seconds=config.timeout_seconds)
                for target in config.targets
            )
        )
        await asyncio.to_thread(buffer.append, list(observations))
        fresh.set()
        next_at += config.interval_seconds
        if next_at < time.monotonic():
            next_at = time.monotonic() + config.interval_seconds
        await _sleep_until(next_at, stop)


async def push_loop(
    config: AgentConfig, pusher: Pusher, fresh: asyncio.Event, stop: asyncio.Event
) -> None:
    backoff: float | None = None
    while not stop.is_set():
        if backoff is None:
            await _wait_either(fresh, stop)
        else:
            await _sleep_until(time.monotonic() + backoff, stop)
        fresh.clear()
        cutoff = datetime.now(UTC) - MAX_RESULT_AGE
        if dropped := await asyncio.to_thread(pusher.buffer.prune_before, cutoff):
            log.error("dropped %d buffered results older than the server accepts", dropped)
        drained = await pusher.drain()
        backoff = None if drained else next_backoff(backoff, config.max_backoff_seconds)


async def _wait_either(first: asyncio.Event, second: asyncio.Event) -> None:
    waits = [asyncio.create_task(first.wait()), asyncio.create_task(second.wait())]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()


async def run_agent(config: AgentConfig, stop: asyncio.Event) -> None:
    buffer = Buffer(config.state_dir / BUFFER_FILE)
    headers = {"Authorization": f"Bearer {config.token}", "User-Agent": "pantau-agent"}
    probe_timeout = httpx.Timeout(config.timeout_seconds)
    async with (
        httpx.AsyncClient(timeout=probe_timeout, follow_redirects=False) as probe_client,
        httpx.AsyncClient(base_url=config.server_url, headers=headers, timeout=30) as push_client,
    ):
        pusher = Pusher(config, buffer, push_client)
        fresh = asyncio.Event()
        tasks = [
            asyncio.create_task(probe_loop(config, buffer, probe_client, fresh, stop)),
            asyncio.create_task(push_loop(config, pusher, fresh, stop)),
        ]
        log.info("agent %d probing %d targets", config.id, len(config.targets))
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(TimeoutError):  # what is left waits in the buffer
            await asyncio.wait_for(pusher.drain(), FINAL_PUSH_SECONDS)
    buffer.close()
