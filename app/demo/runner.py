"""Plays the scenario: each timed step becomes a simulator change or an operator's API call.

Declarations and maintenance windows already made by an earlier run on the same database
are not made again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx

from app.demo.api import ApiError, expect
from app.demo.scenario import (
    ISSUER,
    NOT_REAL,
    NOT_REAL_SCHEDULE,
    Behave,
    Declare,
    Maintain,
    Step,
    Timeline,
    schedule,
)
from app.simulator import Simulator
from app.store.declarations import DeclarationKind
from app.store.types import utcnow

log = logging.getLogger(__name__)

Say = Callable[[str], None]


def declaration_body(step: Declare, now: datetime) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": str(step.kind),
        "reference": step.reference,
        "issuer": ISSUER,
        "issued_at": (now - timedelta(days=step.issued_days_ago)).isoformat(),
        "note": NOT_REAL,
    }
    if step.deadline_days is not None:
        body["deadline"] = (now + timedelta(days=step.deadline_days)).isoformat()
    return body


def is_declared(existing: Sequence[Mapping[str, Any]], step: Declare, now: datetime) -> bool:
    """Whether the region's newest declaration is already this one (a warning only while
    its deadline is ahead)."""
    if not existing:
        return False
    newest = existing[0]
    if (newest["kind"], newest["reference"]) != (str(step.kind), step.reference):
        return False
    if step.kind != DeclarationKind.WARNING:
        return True
    return datetime.fromisoformat(newest["deadline"]) > now


def maintenance_body(step: Maintain, now: datetime) -> dict[str, Any]:
    return {
        "title": step.title,
        "note": NOT_REAL_SCHEDULE,
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(hours=step.hours)).isoformat(),
        "regions": [step.code],
    }


class StepRunner:
    """Applies one step at a time; `names` turns codes into region names for the console."""

    def __init__(
        self, simulator: Simulator, api: httpx.AsyncClient, names: Mapping[str, str], say: Say
    ) -> None:
        self.simulator = simulator
        self.api = api
        self.names = names
        self.say = say

    async def run(self, step: Step) -> None:
        match step:
            case Behave():
                for code in step.codes:
                    self.simulator.set(code, step.behaviour)
                where = self._where(step.codes[0]) if len(step.codes) == 1 else ""
                self.say(f"[demo] {where}{step.label} -> {step.reads}")
            case Declare():
                await self._declare(step)
            case Maintain():
                await self._maintain(step)

    def _where(self, code: str) -> str:
        return f"{self.names.get(code, code)} ({code}): "

    async def _declare(self, step: Declare) -> None:
        path = f"/api/v1/regions/{step.code}/declarations"
        now = utcnow()
        if is_declared(expect(await self.api.get(path)), step, now):
            self.say(
                f"[demo] {self._where(step.code)}{step.kind} {step.reference} already on record"
            )
            return
        expect(await self.api.post(path, json=declaration_body(step, now)), 201)
        self.say(f"[demo] {self._where(step.code)}{step.label}: {step.reference}")

    async def _maintain(self, step: Maintain) -> None:
        query = {"region": step.code, "status": "in_progress"}
        windows = expect(await self.api.get("/api/v1/maintenance", params=query))["items"]
        if any(w["title"] == step.title for w in windows):
            self.say(f"[demo] {self._where(step.code)}maintenance window already under way")
            return
        expect(
            await self.api.post("/api/v1/maintenance", json=maintenance_body(step, utcnow())), 201
        )
        self.say(f"[demo] {self._where(step.code)}{step.label}: {step.title}")


async def play(
    timeline: Timeline,
    run: Callable[[Step], Awaitable[None]],
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    until: float = float("inf"),
) -> None:
    """Runs each step at its time (forever by default). A failed step is reported and the
    story goes on: one refused call should not end the demo."""
    start = clock()
    for at, step in schedule(timeline):
        if at > until:
            return
        delay = start + at - clock()
        if delay > 0:
            await sleep(delay)
        try:
            await run(step)
        except ApiError as exc:
            log.warning("demo step at %ss failed: %s", at, exc)
        except Exception:
            # The API is called in-process, so a server-side error arrives as the exception.
            log.exception("demo step at %ss failed", at)
