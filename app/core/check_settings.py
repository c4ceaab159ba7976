"""A service's check settings and their defaults, written once. Pure.

The service table, the API's models, the probe spec, the classifier's rules and the state
machine's thresholds all take their defaults from `CHECK_DEFAULTS`; the store reads a claimed
service's settings into a `CheckSettings`, and each stage builds what it needs from that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Literal

ProbeMethod = Literal["GET", "HEAD"]


@dataclass(frozen=True, slots=True)
class CheckSettings:
    method: ProbeMethod = "GET"
    interval_seconds: int = 60
    timeout_seconds: float = 10.0
    failure_threshold: int = 3
    success_threshold: int = 2
    degraded_latency_ms: int | None = 2000  # None: never degraded
    expected_status: int = 200
    body_contains: str | None = None
    # As stored; None: the classifier's bilingual defaults (cutoff: none, see classify.py).
    policy_markers: Sequence[str] | None = None
    cutoff_markers: Sequence[str] | None = None
    follow_redirects: bool = False


CHECK_DEFAULTS = CheckSettings()
# The service columns a claimed check reads, in the order CheckSettings takes them.
CHECK_SETTING_NAMES = tuple(f.name for f in fields(CheckSettings))
