"""Drain the buffer to the server in batches, oldest first. A batch leaves the buffer only
when the server acknowledged it (or refused it as malformed: then it is set aside, not lost).
Any other failure leaves it in place to be resent as is; the server skips what it already
has, so a lost acknowledgement costs a resend, never a duplicate."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import httpx

from app import __version__
from app.agent.buffer import Buffer, Pending
from app.agent.config import AgentConfig

log = logging.getLogger(__name__)

MIN_BACKOFF_SECONDS = 0.5


class Outcome(Enum):
    SENT = "sent"
    REFUSED = "refused"  # 422: never acceptable as it is
    FAILED = "failed"  # unreachable, 5xx, 401/403/404 (configuration): resend later


def next_backoff(previous: float | None, maximum: float) -> float:
    """Exponential from MIN_BACKOFF_SECONDS, capped at `maximum`."""
    if previous is None:
        return min(MIN_BACKOFF_SECONDS, maximum)
    return min(previous * 2, maximum)


def batch_body(
    pending: list[Pending], *, stream: str, interval_seconds: float, sent_at: datetime
) -> dict[str, Any]:
    return {
        "stream": stream,
        "sent_at": sent_at.isoformat(),
        "agent_version": __version__,
        "interval_seconds": interval_seconds,
        "results": [
            {
                "seq": seq,
                "target": body["target"],
                "role": body["role"],
                "observed_at": body["observed_at"],
                "reachable": body["reachable"],
                "status_code": body["status_code"],
                "latency_ms": body["latency_ms"],
                "failure": body["failure"],
            }
            for seq, body in pending
        ],
    }


def outcome_of(status_code: int) -> Outcome:
    if 200 <= status_code < 300:
        return Outcome.SENT
    if status_code in (413, 422):
        return Outcome.REFUSED
    return Outcome.FAILED


class Pusher:
    def __init__(self, config: AgentConfig, buffer: Buffer, client: httpx.AsyncClient) -> None:
        self.config = config
        self.buffer = buffer
        self.client = client
        self.is_failing = False  # log an uplink outage once, not on every retry

    async def drain(self) -> bool:
        """Push until the buffer is empty (True) or a batch fails (False)."""
        while True:
            pending = await asyncio.to_thread(self.buffer.oldest, self.config.batch_size)
            if not pending:
                return True
            outcome, detail = await self._send(pending)
            last_seq = pending[-1][0]
            if outcome is Outcome.FAILED:
                self._note_failure(detail)
                return False
            if outcome is Outcome.REFUSED:
                log.error("server refused results up to seq %d, set aside: %s", last_seq, detail)
                await asyncio.to_thread(self.buffer.reject, last_seq, detail)
            else:
                await asyncio.to_thread(self.buffer.acknowledge, last_seq)
            if self.is_failing:
                log.warning("server reachable again; sending buffered results")
                self.is_failing = False

    async def _send(self, pending: list[Pending]) -> tuple[Outcome, str]:
        body = batch_body(
            pending,
            stream=self.buffer.stream,
            interval_seconds=self.config.interval_seconds,
            sent_at=datetime.now(UTC),
        )
        url = f"/api/v1/agents/{self.config.id}/results"
        try:
            response = await self.client.post(url, json=body)
        except httpx.HTTPError as exc:
            return Outcome.FAILED, f"{type(exc).__name__}: {exc}"
        return outcome_of(response.status_code), f"HTTP {response.status_code}: {response.text}"

    def _note_failure(self, detail: str) -> None:
        if not self.is_failing:
            log.warning("cannot push results, buffering them: %s", detail[:500])
        self.is_failing = True
