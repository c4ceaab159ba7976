"""The wall clock stepped backwards and forwards: no negative duration anywhere, uptime never
above 100 %, and a checker whose clock steps back keeps probing instead of waiting out the
step. Pure code gets the stepped readings directly; the checker gets a stepped clock."""

from __future__ import annotations

import asyncio
import inspect
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlmodel import select

from app.checks.probe import ProbeSpec, make_probe_client
from app.checks.run import DueCheck
from app.checks.scheduler import Checker
from app.core.classify import CheckRules
from app.core.clock import ClockWatch
from app.core.domain import CheckRecord, ProbeResult, Reason, State, Verdict
from app.core.uptime_maths import Mark, service_spans, uptime, worst_spans
from app.simulator import Simulator
from app.store.db import Database
from app.store.models import Service
from app.store.types import utcnow
from tests.conftest import make_settings

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
INTERVAL_S = 2
STATES = [
    (State.OPERATIONAL, Reason.OK),
    (State.DEGRADED, Reason.PERFORMANCE_SLOW),
    (State.OUTAGE, Reason.NETWORK_TIMEOUT),
    (State.OUTAGE, Reason.POLICY_CUTOFF),
    (State.MAINTENANCE, Reason.MAINTENANCE_SCHEDULED),
    (State.UNKNOWN, Reason.PROBE_UNHEALTHY),
]


def stepped_clock(rng: random.Random, count: int) -> list[datetime]:
    """Readings a minute or so apart, with steps of up to two hours either way mixed in."""
    readings, now = [], T0
    for _ in range(count):
        now += timedelta(seconds=rng.uniform(0, 120))
        if rng.random() < 0.3:
            now += timedelta(hours=rng.uniform(-2, 2))
        readings.append(now)
    return readings


@pytest.mark.parametrize("seed", range(200))
def test_uptime_under_a_stepping_clock_is_never_negative_nor_above_100(seed: int) -> None:
    rng = random.Random(seed)
    timelines = []
    for _ in range(rng.randint(1, 3)):
        times = stepped_clock(rng, rng.randint(0, 12))
        marks = [Mark(at, *rng.choice(STATES)) for at in times]
        # `now` comes from the same stepping clock: it may lie before the last mark.
        end = stepped_clock(rng, 14)[-1]
        start = end - timedelta(hours=rng.choice([1, 24, 24 * 7]))
        timelines.append(service_spans(marks, start=start, end=end))
        spans = timelines[-1]
        assert all(s.end > s.start for s in spans)
        assert all(b.start >= a.end for a, b in pairwise(spans))
        assert all(start <= s.start and s.end <= end for s in spans)
        figures = uptime(spans, start=start, end=end)
        parts = figures.up_seconds + figures.down_seconds + figures.unmonitored_seconds
        assert figures.unmonitored_seconds >= 0 and figures.up_seconds >= 0
        assert all(v >= 0 for v in figures.down_by_category.values())
        assert parts <= figures.window_seconds + 1e-6
        for percent in (figures.citizens_percent, figures.office_percent):
            assert percent is None or 0.0 <= percent <= 100.0
    region = worst_spans(timelines)
    assert all(s.end > s.start for s in region)


@pytest.mark.parametrize(
    ("readings", "steps"),
    [
        # (wall seconds after T0, monotonic seconds) → the step reported at each reading
        ([(0, 0), (1, 1), (2.4, 2.3)], [0, 0, 0]),  # jitter is no step
        ([(0, 0), (1, 1), (-3599, 2)], [0, 0, -3601]),  # an hour back, a second on
        ([(0, 0), (600, 1), (601, 2)], [0, 599, 0]),  # ten minutes forward
        ([(0, 0), (-10, 1), (-9, 2), (-30, 3)], [0, -11, 0, -22]),  # back twice
        ([(0, 0), (5, 5), (10, 10)], [0, 0, 0]),  # a stalled loop: time passed on both
    ],
)
def test_clock_watch_tells_steps_from_time_passing(
    readings: list[tuple[float, float]], steps: list[float]
) -> None:
    watch = ClockWatch()
    seen = [watch.step(T0 + timedelta(seconds=w), m).total_seconds() for w, m in readings]
    assert seen == pytest.approx(steps)


def test_schedule_lag_is_never_negative_when_the_clock_stepped_back() -> None:
    due = DueCheck(1, "73.73", ProbeSpec("http://127.0.0.1:9/"), CheckRules(), due_at=T0)
    result = ProbeResult(started_at=T0 - timedelta(hours=1), latency_ms=5.0, status_code=200)
    record = CheckRecord(1, "73.73", result, Verdict(Reason.OK, {}), due.due_at)
    assert record.lag_seconds == 0.0


class SteppedClock:
    """The system clock plus an offset the test sets: a fast clock, then NTP's step."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return utcnow() + self.offset


async def test_a_checker_whose_clock_steps_back_keeps_probing(
    database_url: str, database: Database
) -> None:
    """Scheduled an hour ahead by a fast clock that NTP then steps back: without following
    the step, the service would wait an hour for its next probe."""
    clock = SteppedClock(timedelta(hours=1))
    settings = make_settings(
        database_url,
        checker_tick_seconds=0.1,
        wave_national_min_regions=1000,
        wave_group_min_regions=1000,
    )
    async with Simulator() as sim, make_probe_client() as client:
        async with database.transaction() as session:
            session.add(
                Service(
                    region_code="73.73",
                    name="SIAK 73.73",
                    url=sim.url_for("73.73"),
                    interval_seconds=INTERVAL_S,
                    timeout_seconds=0.5,
                    next_check_at=clock.now(),
                )
            )
        checker = Checker(database, settings, client, clock=clock)  # ticked by hand
        try:
            await _ticking(checker, lambda: sim.hits("73.73") == 1)  # on the fast clock's time
            next_at = await _next_check_at(database)
            clock.offset = timedelta(0)  # the step back
            assert next_at > utcnow() + timedelta(minutes=59)  # an hour ahead of the new time
            # The next probe comes one interval after the first, not an hour later.
            await _ticking(checker, lambda: sim.hits("73.73") == 2, within=INTERVAL_S + 3)
        finally:
            await checker.stop()
    hits = sim.hit_times("73.73")
    assert INTERVAL_S - 0.5 <= hits[1] - hits[0] <= INTERVAL_S + 1.5  # its phase is kept


async def _next_check_at(database: Database) -> datetime:
    async with database.read() as session:
        return (await session.exec(select(Service.next_check_at))).one()


async def _ticking(checker: Checker, condition: Callable[[], object], within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        await checker.tick()
        met = condition()
        if await met if inspect.isawaitable(met) else met:
            return
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
