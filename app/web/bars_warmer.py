"""The status page's kept bars filled in the background (PANTAU_WARM_STATUS_PAGE), so that no
visitor pays for building them: once after start-up, and again just after each Jakarta
midnight, when every region's kept days roll over. Without it the first `/` after either costs
about 300 ms of CPU (bench/page.py, "cold"). It fills the entries as a render would
(`BarsCache.warm`), so a render that races it is as exact as without it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta

from app.store.db import Database
from app.web.bars import JAKARTA
from app.web.bars_cache import BarsCache
from app.workers.clock import Clock

log = logging.getLogger(__name__)

# After midnight rather than at it: a clock slewed a little late must already be on the new day.
AFTER_MIDNIGHT = timedelta(seconds=5)
# The longest sleep between looks at the wall clock: a stepped clock or a suspended machine
# (asyncio sleeps on the monotonic clock) is noticed within this.
LOOK_EVERY_SECONDS = 60.0
RETRY_SECONDS = 60.0  # after a failed warm-up (the database away, not migrated yet)

Sleep = Callable[[float], Awaitable[None]]


def next_warm_up(now: datetime) -> datetime:
    """The first 00:00:05 in Jakarta after `now`, in UTC."""
    local = now.astimezone(JAKARTA)
    due = datetime.combine(local.date(), time(), JAKARTA) + AFTER_MIDNIGHT
    if due <= local:
        due = datetime.combine(local.date() + timedelta(days=1), time(), JAKARTA) + AFTER_MIDNIGHT
    return due.astimezone(UTC)


async def keep_warm(
    bars: BarsCache,
    database: Database,
    clock: Callable[[], Clock],
    *,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Runs until cancelled (the lifespan's end). `clock`: asked at each look, so a test can
    set the app's clock after start-up."""
    due = clock().now()  # at once: the server is already serving, this yields between slices
    while True:
        now = clock().now()
        if now < due:
            await sleep(min((due - now).total_seconds(), LOOK_EVERY_SECONDS))
            continue
        try:
            built = await bars.warm(database, now=now)
        except Exception:  # a page render works it out itself; try again later
            log.warning("status page warm-up failed", exc_info=True)
            due = now + timedelta(seconds=RETRY_SECONDS)
            continue
        log.debug("status page warm-up: %d regions", built)
        due = next_warm_up(now)
