"""Logging a background job that fails every tick while the database is away, without
flooding the log: the first failure with its traceback, then a line a minute, then the
recovery."""

from __future__ import annotations

import logging
import time


class FailureStreak:
    def __init__(self, logger: logging.Logger, what: str, *, every_seconds: float = 60.0) -> None:
        self.logger = logger
        self.what = what
        self.every_seconds = every_seconds
        self.failures = 0
        self._logged_at = float("-inf")

    def failed(self, exc: BaseException) -> None:
        self.failures += 1
        now = time.monotonic()
        if self.failures == 1:
            self.logger.error("%s failed; retrying every tick", self.what, exc_info=exc)
        elif now - self._logged_at >= self.every_seconds:
            self.logger.warning(
                "%s still failing (%d times): %s", self.what, self.failures, _one_line(exc)
            )
        else:
            return
        self._logged_at = now

    def succeeded(self) -> None:
        if self.failures:
            self.logger.warning("%s works again after %d failures", self.what, self.failures)
        self.failures = 0


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
