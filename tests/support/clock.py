"""A clock the test sets by hand, in place of the app's `SystemClock`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class SetClock:
    """The app's clock, moved by the test."""

    at: datetime

    def now(self) -> datetime:
        return self.at
