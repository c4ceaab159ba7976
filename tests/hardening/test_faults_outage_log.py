"""While the database is away the checker and dispatcher fail every tick (four times a
second): the log gets the first failure with its traceback, a line a minute, and the recovery,
not a traceback per tick."""

from __future__ import annotations

import logging

import pytest

from app.workers.failure_streak import FailureStreak

log = logging.getLogger("tests.outage")


def test_a_failure_streak_logs_once_then_quietly_then_the_recovery(
    caplog: pytest.LogCaptureFixture,
) -> None:
    streak = FailureStreak(log, "claiming due services")
    with caplog.at_level(logging.INFO, logger="tests.outage"):
        for _ in range(240):  # a minute of ticks
            streak.failed(ConnectionRefusedError(111, "Connection refused"))
        streak.succeeded()
        streak.succeeded()
    records = [(r.levelname, r.getMessage(), r.exc_info is not None) for r in caplog.records]
    assert records == [
        ("ERROR", "claiming due services failed; retrying every tick", True),
        ("WARNING", "claiming due services works again after 240 failures", False),
    ]


def test_a_long_outage_is_reminded_of_at_the_set_pace(caplog: pytest.LogCaptureFixture) -> None:
    streak = FailureStreak(log, "recording check results", every_seconds=0.0)
    with caplog.at_level(logging.INFO, logger="tests.outage"):
        for _ in range(3):
            streak.failed(OSError("database is gone\n  for now"))
    assert [r.getMessage() for r in caplog.records][1:] == [
        "recording check results still failing (2 times): OSError: database is gone for now",
        "recording check results still failing (3 times): OSError: database is gone for now",
    ]
