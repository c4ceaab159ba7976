"""Replicas share leased work by whose tick comes first after it is due: the tick's period is
drawn around its mean, so replicas started at nearly the same phase still share evenly."""

from __future__ import annotations

import itertools
import random
from bisect import bisect_left
from datetime import UTC, datetime, timedelta

import pytest

from app.workers.leased import tick_trigger

TICK = 0.2
START = datetime(2026, 12, 4, tzinfo=UTC)


def tick_times(phase: float, until: float) -> list[float]:
    """Seconds after START at which a worker started at `phase` ticks, as its trigger says."""
    trigger = tick_trigger(TICK)
    at = START + timedelta(seconds=phase)
    times = []
    while (seconds := (at - START).total_seconds()) < until:
        times.append(seconds)
        following = trigger.get_next_fire_time(at, at)
        assert following is not None
        at = following
    return times


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_three_replicas_started_a_moment_apart_share_evenly(seed: int) -> None:
    random.seed(seed)  # APScheduler draws the jitter from the module's generator
    replicas = [tick_times(phase, 130.0) for phase in (0.0, 0.01, 0.02)]
    won = [0, 0, 0]
    for slot in (random.uniform(10, 120) for _ in range(10_000)):
        firsts = [times[bisect_left(times, slot)] for times in replicas]
        won[firsts.index(min(firsts))] += 1
    # On a fixed period the first replica would take 90 % (the other two 5 % each).
    assert all(0.25 <= n / sum(won) <= 0.42 for n in won), won


def test_ticks_keep_their_mean_period_and_a_bounded_one() -> None:
    random.seed(4)
    times = tick_times(0.0, 200.0)
    periods = [b - a for a, b in itertools.pairwise(times)]
    assert sum(periods) / len(periods) == pytest.approx(TICK, rel=0.03)
    assert min(periods) >= TICK * 0.74 and max(periods) <= TICK * 1.26
