"""Feeding transitions through the real recording path (record_checks → append_transition),
for the read-API tests: a service with thresholds of one flips on every probe that says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.core.domain import CheckRecord, FailureKind, ProbeResult, Reason, Verdict
from app.store.db import Database
from app.store.models import Service, Transition
from app.usecases.record_checks import Signals, record_checks

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


async def add_service(database: Database, region: str = "73.73", **spec: object) -> int:
    """A service that changes state on the first probe that asks it to."""
    values: dict[str, object] = {"failure_threshold": 1, "success_threshold": 1} | spec
    async with database.transaction() as session:
        service = Service(
            region_code=region,
            name=f"SIAK {region}",
            url=f"http://127.0.0.1:9/r/{region}",
            next_check_at=T0,
            **values,  # type: ignore[arg-type]
        )
        session.add(service)
        await session.flush()
        assert service.id is not None
        return service.id


def _record(service_id: int, region: str, reason: Reason, at: datetime) -> CheckRecord:
    failed = reason.is_failure
    result = ProbeResult(
        started_at=at,
        latency_ms=12.5,
        status_code=None if failed else 200,
        failure=FailureKind.DEADLINE if failed else None,
    )
    return CheckRecord(service_id, region, result, Verdict(reason, {"rule": "test"}), at)


async def probe(
    database: Database,
    service_id: int,
    reason: Reason,
    at: datetime | float,
    region: str = "73.73",
) -> list[Transition]:
    """Record one probe of the service (`at` may be minutes after T0) in its own transaction."""
    when = at if isinstance(at, datetime) else T0 + timedelta(minutes=at)
    async with database.transaction() as session:
        records = [_record(service_id, region, reason, when)]
        return await record_checks(session, records, signals=Signals())
