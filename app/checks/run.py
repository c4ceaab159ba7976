"""One check of one service: claimed check → probe → classify. What follows (attribution, the
state machine, storage) runs in batches in the `record_checks` use case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx

from app.checks.probe import ProbeSpec, probe
from app.core.check_settings import CHECK_DEFAULTS
from app.core.classify import CheckRules, classify
from app.core.domain import CheckRecord
from app.store.checks import ClaimedCheck


@dataclass(frozen=True, slots=True)
class DueCheck:
    service_id: int
    region_code: str
    spec: ProbeSpec
    rules: CheckRules
    due_at: datetime
    interval_seconds: float = CHECK_DEFAULTS.interval_seconds

    @classmethod
    def of(cls, claimed: ClaimedCheck) -> DueCheck:
        settings = claimed.settings
        spec = ProbeSpec(
            url=claimed.url,
            basic_auth=claimed.basic_auth,
            method=settings.method,
            timeout_seconds=settings.timeout_seconds,
            follow_redirects=settings.follow_redirects,
        )
        return cls(
            claimed.service_id,
            claimed.region_code,
            spec,
            CheckRules.of(settings),
            claimed.due_at,
            settings.interval_seconds,
        )


async def run_check(client: httpx.AsyncClient, due: DueCheck) -> CheckRecord:
    result = await probe(client, due.spec)
    return CheckRecord(
        due.service_id, due.region_code, result, classify(result, due.rules), due.due_at
    )
