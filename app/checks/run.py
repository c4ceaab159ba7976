"""One check of one service: spec → probe → classify. The stages after it (attribution, the
state machine, storage) run in batches in `record.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from app.checks.probe import ProbeSpec, probe
from app.core.classify import CheckRules, classify
from app.core.domain import CheckRecord


@dataclass(frozen=True, slots=True)
class DueCheck:
    service_id: int
    region_code: str
    spec: ProbeSpec
    rules: CheckRules
    due_at: datetime
    interval_seconds: float = 60.0


def rules_from(row: dict[str, Any]) -> CheckRules:
    optional: dict[str, Any] = {}
    if row["policy_markers"] is not None:
        optional["policy_markers"] = tuple(row["policy_markers"])
    if row["cutoff_markers"] is not None:
        optional["cutoff_markers"] = tuple(row["cutoff_markers"])
    return CheckRules(
        expected_status=row["expected_status"],
        body_contains=row["body_contains"],
        degraded_latency_ms=row["degraded_latency_ms"],
        **optional,
    )


def due_check_from(row: dict[str, Any]) -> DueCheck:
    spec = ProbeSpec(
        url=row["url"],
        basic_auth=_basic_auth(row["basic_auth"]),
        method=row["method"],
        timeout_seconds=row["timeout_seconds"],
        follow_redirects=row["follow_redirects"],
    )
    return DueCheck(
        row["id"],
        row["region_code"],
        spec,
        rules_from(row),
        row["next_check_at"],
        row["interval_seconds"],
    )


def _basic_auth(stored: object) -> tuple[str, str] | None:
    if not isinstance(stored, dict):
        return None
    return str(stored.get("username", "")), str(stored.get("password", ""))


async def run_check(client: httpx.AsyncClient, due: DueCheck) -> CheckRecord:
    result = await probe(client, due.spec)
    return CheckRecord(
        due.service_id, due.region_code, result, classify(result, due.rules), due.due_at
    )
