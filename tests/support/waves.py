"""Waves for tests: failures built into findings by the real rules (find_waves), then stored
through the real use case (reconcile_waves), each batch in its own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from app.core.domain import Reason
from app.core.waves import FailureSignature, RegionFailure, WaveFinding, WaveRules, find_waves
from app.store.db import Database
from app.usecases.waves import WaveChange, reconcile_waves

T0 = datetime(2026, 11, 29, 7, 2, tzinfo=UTC)  # 14:02 WIB
# 13 monitored regencies and cities in four island groups.
MONITORED = (
    "11.01", "11.02", "11.03",
    "31.71", "31.72", "31.73",
    "73.71", "73.72", "73.73",
    "81.01", "81.02", "81.03", "81.71",
)  # fmt: skip
NATIONAL = ("11.01", "11.02", "31.71", "31.72", "73.72", "73.73")  # three groups, 6 of 13
MALUKU = ("81.01", "81.02", "81.03")  # 3 of Maluku's 4
RULES = WaveRules(update_debounce_seconds=0)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def findings(
    failing: Sequence[str], *, reason: Reason = Reason.NETWORK_TIMEOUT
) -> list[WaveFinding]:
    failures = [RegionFailure(code, FailureSignature(reason), T0) for code in failing]
    return find_waves(failures, MONITORED, RULES)


async def reconcile(
    database: Database, failing: Sequence[str], now: datetime, rules: WaveRules = RULES
) -> list[WaveChange]:
    async with database.transaction() as session:
        return await reconcile_waves(session, findings(failing), now=now, rules=rules)
