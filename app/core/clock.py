"""Wall-clock steps, told apart from time passing by the monotonic clock. Pure: the caller
passes both readings in.

The schedule lives in the database as wall-clock instants (`next_check_at`, leases). When
the system clock steps back (a VM resumed, NTP correcting a fast clock), every slot lies that
much further in the future and the checker would sit idle for the length of the step; a
step forward only makes slots late, which claiming already absorbs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

STEP_TOLERANCE_SECONDS = 1.0  # scheduling jitter and slewing are not steps

NO_STEP = timedelta(0)


@dataclass(slots=True)
class ClockWatch:
    tolerance_seconds: float = STEP_TOLERANCE_SECONDS
    _wall: datetime | None = field(default=None, init=False)
    _monotonic: float = field(default=0.0, init=False)

    def step(self, wall: datetime, monotonic: float) -> timedelta:
        """How far the wall clock jumped since the last reading beyond the time that really
        passed: negative when it stepped back, NO_STEP within the tolerance."""
        previous_wall, previous_monotonic = self._wall, self._monotonic
        self._wall, self._monotonic = wall, monotonic
        if previous_wall is None:
            return NO_STEP
        passed = monotonic - previous_monotonic
        jump = (wall - previous_wall).total_seconds() - passed
        return timedelta(seconds=jump) if abs(jump) > self.tolerance_seconds else NO_STEP
