"""Waiting on conditions, never on fixed times: a busy two-core machine makes any fixed sleep
either too short (a flake) or too long (a slow suite)."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from app.notify.dispatcher import Dispatcher

T = TypeVar("T")


@overload
async def wait_for(
    probe: Callable[[], Awaitable[T]], *, within: float, interval: float = 0.1
) -> T: ...


@overload
async def wait_for(probe: Callable[[], T], *, within: float, interval: float = 0.1) -> T: ...


async def wait_for(probe: Callable[[], Any], *, within: float, interval: float = 0.1) -> Any:
    """Polls `probe` (plain or async) until it returns something truthy; fails with the last
    value seen."""
    deadline = time.monotonic() + within
    value = await _call(probe)
    while not value:
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s; last value: {value!r}")
        await asyncio.sleep(interval)
        value = await _call(probe)
    return value


async def _call(probe: Callable[[], Any]) -> Any:
    value = probe()
    if inspect.isawaitable(value):
        return await value
    return value


async def drive(
    dispatcher: Dispatcher, until: Callable[[], Awaitable[T]], *, within: float = 10.0
) -> T:
    """Tick the dispatcher until `until()` is truthy (and the dispatcher has recorded all it
    sent); fails with the last value seen."""
    deadline = time.monotonic() + within
    while True:
        await dispatcher.tick()
        value = await until()
        if value and dispatcher.idle:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {within}s; last value: {value!r}")
        await asyncio.sleep(0.02)
