"""Per-region behaviours and hit records, shared by the Python and the HTTP control API.

Only non-default behaviours are stored, so a benchmark with thousands of healthy codes costs
no memory for them. Hit times are kept (bounded) because end-to-end tests must prove that a
service was probed once per interval — a count alone cannot show a burst or a gap.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Iterable

from .behaviours import HEALTHY, Behaviour

MAX_HIT_TIMES = 1000
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def is_valid_code(code: str) -> bool:
    """Region codes as they may appear in a URL path: `73`, `73.73`, `73.73.01`, test names."""
    return _CODE.fullmatch(code) is not None


def check_code(code: object) -> str:
    if not isinstance(code, str) or not is_valid_code(code):
        raise ValueError(f"invalid region code {code!r}: use 1-64 of A-Z a-z 0-9 . _ -")
    return code


class Registry:
    __slots__ = ("_behaviours", "_counts", "_times")

    def __init__(self) -> None:
        self._behaviours: dict[str, Behaviour] = {}
        self._counts: dict[str, int] = {}
        self._times: dict[str, deque[float]] = {}

    def behaviour(self, code: str) -> Behaviour:
        return self._behaviours.get(code, HEALTHY)

    def overrides(self) -> dict[str, Behaviour]:
        return dict(self._behaviours)

    def set(self, code: str, behaviour: Behaviour) -> None:
        self.set_many([code], behaviour)

    def set_many(self, codes: Iterable[str], behaviour: Behaviour) -> int:
        if not isinstance(behaviour, Behaviour):
            raise TypeError(f"expected a Behaviour, got {type(behaviour).__name__}")
        # Validate everything first so a bad code leaves the registry untouched.
        checked = [check_code(code) for code in codes]
        for code in checked:
            if behaviour.is_default:
                self._behaviours.pop(code, None)
            else:
                self._behaviours[code] = behaviour
        return len(checked)

    def clear(self, code: str) -> None:
        self._behaviours.pop(code, None)

    def reset(self) -> None:
        self._behaviours.clear()
        self._counts.clear()
        self._times.clear()

    def record_hit(self, code: str) -> None:
        self._counts[code] = self._counts.get(code, 0) + 1
        times = self._times.get(code)
        if times is None:
            times = self._times[code] = deque(maxlen=MAX_HIT_TIMES)
        times.append(time.time())

    def hits(self, code: str) -> int:
        return self._counts.get(code, 0)

    def hit_times(self, code: str) -> list[float]:
        return list(self._times.get(code, ()))

    def all_hits(self) -> dict[str, int]:
        return dict(self._counts)
