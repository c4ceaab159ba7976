"""Prometheus metrics: counters the checker and the dispatcher bump as they work, and gauges
read from the database at scrape time (services by state, webhook deliveries and the outbox),
all in one registry per application, built in its lifespan — never the process-global one,
as tests build many apps.

Labels are bounded sets (outcomes, reason categories, reason codes, states): never a URL, a
service or a region.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.delivery_policy import Outcome
from app.core.domain import State

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LAG_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.probes = Counter(
            "pantau_probes",
            "Probes made, by transport outcome (`answered` or the failure kind) and the "
            "category of the probe's own verdict",
            ["outcome", "category"],
            registry=r,
        )
        self.probe_latency = Histogram(
            "pantau_probe_latency_seconds",
            "Time from a probe's start to its answer or failure",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.schedule_lag = Histogram(
            "pantau_schedule_lag_seconds",
            "How late a probe started against its slot: the checker's own health",
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self.transitions = Counter(
            "pantau_transitions",
            "State changes recorded from probes by this process, by reason and new state",
            ["reason", "to_state"],
            registry=r,
        )
        self.lease_claims = Counter(
            "pantau_lease_claims",
            "Services claimed under a lease for probing by this process",
            registry=r,
        )
        self.record_batches = Counter(
            "pantau_record_batches",
            "Batches of check results written, by result (`ok` or `error`, retried)",
            ["result"],
            registry=r,
        )
        self.in_flight = Gauge(
            "pantau_checks_in_flight", "Checks claimed and not yet finished", registry=r
        )
        self.webhook_sends = Counter(
            "pantau_webhook_sends",
            "Webhook deliveries sent by this process, by what the attempt decided (succeeded, "
            "retry, failed, gone); their sum is the attempts made",
            ["outcome"],
            registry=r,
        )
        self.services = Gauge(
            "pantau_services", "Monitored services by current state", ["state"], registry=r
        )
        self.services_paused = Gauge("pantau_services_paused", "Paused services", registry=r)
        self.deliveries = Gauge(
            "pantau_webhook_deliveries",
            "Webhook deliveries by status (pending, succeeded, failed)",
            ["status"],
            registry=r,
        )
        self.attempts = Gauge(
            "pantau_webhook_attempts",
            "Webhook delivery attempts logged, by outcome",
            ["outcome"],
            registry=r,
        )
        self.outbox_depth = Gauge(
            "pantau_webhook_outbox_depth",
            "Webhook deliveries not yet delivered nor given up (pending)",
            registry=r,
        )
        for state in State:
            self.services.labels(state=str(state))
        for outcome in Outcome:
            self.webhook_sends.labels(str(outcome))

    def render(self) -> bytes:
        return generate_latest(self.registry)

    async def refresh(self, session: AsyncSession) -> None:
        """Read the gauges that live in the database; each at most one aggregate query."""
        rows = await _counts(session, "service", "state", paused=False)
        if rows is not None:
            for state in State:
                self.services.labels(state=str(state)).set(rows.get(str(state), 0))
        paused = await _counts(session, "service", "is_paused")
        if paused is not None:
            self.services_paused.set(sum(n for key, n in paused.items() if key in (True, 1)))
        deliveries = await _counts(session, "webhook_delivery", "status")
        if deliveries is not None:
            _set_all(self.deliveries, "status", deliveries, ("pending", "succeeded", "failed"))
            self.outbox_depth.set(deliveries.get("pending", 0))
        attempts = await _counts(session, "webhook_attempt", "outcome")
        if attempts is not None:
            _set_all(self.attempts, "outcome", attempts, ())


def _set_all(gauge: Gauge, label: str, counts: dict[Any, int], known: Iterable[str]) -> None:
    for key in {*known, *(str(k) for k in counts)}:
        gauge.labels(**{label: key}).set(counts.get(key, 0))


async def _counts(
    session: AsyncSession, table_name: str, column: str, *, paused: bool | None = None
) -> dict[Any, int] | None:
    """`column` value → row count; None when the table is not there (an older schema, or a
    feature not deployed), so one missing table does not cost the whole scrape."""
    table = SQLModel.metadata.tables.get(table_name)
    if table is None:
        return None
    query = select(table.c[column], func.count()).group_by(table.c[column])
    if paused is not None:
        query = query.where(table.c.is_paused.is_(paused))
    try:
        async with session.begin_nested():
            result = await (await session.connection()).execute(query)
            return {key: int(count) for key, count in result.all()}
    except SQLAlchemyError:
        log.warning("metrics: cannot count %s.%s", table_name, column, exc_info=True)
        return None
