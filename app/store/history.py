"""Transition reads: newest-first pages of a region's or a service's history, and the marks
uptime is computed from."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, tuple_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import Mapped
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import Category, Reason, State
from app.core.incidents import downtime_reason
from app.core.uptime_coverage import monitored_since
from app.core.uptime_maths import Mark
from app.store.models import Incident, Service, Transition


def in_region(column: Any, prefix: str) -> ColumnElement[bool]:
    """`73` matches the province and every `73.xx`; `73.73` matches itself (nothing finer
    is monitored). An equality or a range, never LIKE, so the column's index serves."""
    if "." in prefix:
        return cast(ColumnElement[bool], column == prefix)
    # Codes hold digits and dots only, and "/" sorts right after ".".
    return and_(column >= prefix, column < f"{prefix}/")


def older_than(at: Any, row_id: Any, key: tuple[datetime, int]) -> ColumnElement[bool]:
    """Rows after `key` in (at, id) descending order: the keyset of a newest-first page, as
    a row-value comparison an index on (…, at) can seek to."""
    key_at, key_id = key
    return tuple_(at, row_id) < tuple_(literal(key_at, at.type), literal(key_id, row_id.type))


def reasons_of(categories: Sequence[Category]) -> list[str]:
    return [str(r) for r in Reason if r.category in categories]


async def history(
    session: AsyncSession,
    *,
    region_prefix: str | None = None,
    service_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    categories: Sequence[Category] = (),
    before: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> list[Transition]:
    """Transitions newest first by (at, id), `since` ≤ at < `until`. A transition recorded
    later never lands behind `before`, unless its clock stepped back: pages stay stable."""
    query = select(Transition)
    if region_prefix is not None:
        query = query.where(in_region(col(Transition.region_code), region_prefix))
    if service_id is not None:
        query = query.where(Transition.service_id == service_id)
    if since is not None:
        query = query.where(col(Transition.at) >= since)
    if until is not None:
        query = query.where(col(Transition.at) < until)
    if categories:
        query = query.where(col(Transition.reason).in_(reasons_of(categories)))
    if before is not None:
        query = query.where(older_than(col(Transition.at), col(Transition.id), before))
    order = (col(Transition.at).desc(), col(Transition.id).desc())
    return list((await session.exec(query.order_by(*order).limit(limit))).all())


async def watched_services(session: AsyncSession, *, region_prefix: str) -> list[int]:
    """The region's non-paused services (a province's include its regencies'), by id: those its
    state and its uptime are the worst of."""
    query = select(Service.id).where(
        in_region(col(Service.region_code), region_prefix), col(Service.is_paused).is_(False)
    )
    return [i for i in (await session.exec(query.order_by(col(Service.id)))).all() if i]


async def first_transitions(
    session: AsyncSession, *, service_ids: Sequence[int]
) -> dict[int, datetime]:
    """Per service, when its first transition was recorded: its figures' data begins there
    (`app/core/uptime_coverage.py`). Services without any are left out."""
    if not service_ids:
        return {}
    query = (
        select(Transition.service_id, func.min(Transition.at))
        .where(col(Transition.service_id).in_(list(service_ids)))
        .group_by(col(Transition.service_id))
    )
    return {sid: at for sid, at in (await session.exec(query)).all() if sid is not None}


async def data_since(session: AsyncSession, *, service_ids: Sequence[int]) -> datetime | None:
    """Since when these services' figures have data: their earliest first transition."""
    return monitored_since((await first_transitions(session, service_ids=service_ids)).values())


async def uptime_marks(
    session: AsyncSession, *, service_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, list[Mark]]:
    """Per service, in recording order: its last transition before `start` (the state the
    window opens in) and those with start ≤ at < end; each with the cause its time counts
    under (an outage in an episode governed by a cutoff counts as the cutoff,
    `app/core/incidents.downtime_reason`)."""
    if not service_ids:
        return {}
    ids = list(service_ids)
    opening = (
        select(func.max(Transition.id))
        .where(col(Transition.service_id).in_(ids), col(Transition.at) < start)
        .group_by(col(Transition.service_id))
    )
    inside = and_(
        col(Transition.service_id).in_(ids), col(Transition.at) >= start, col(Transition.at) < end
    )
    query = (
        mark_columns()
        .where(or_(col(Transition.id).in_(opening), inside))
        .order_by(col(Transition.id))
    )
    marks: dict[int, list[Mark]] = defaultdict(list)
    rows = (await (await session.connection()).execute(query)).all()
    for service_id, at, to_state, reason, governing in rows:
        if service_id is not None:
            marks[service_id].append(mark_of(at, to_state, reason, governing))
    return {service_id: marks.get(service_id, []) for service_id in ids}


def mark_columns() -> Select[int | None, datetime, State, Reason, Reason | None]:
    """SELECT service_id, at, to_state, reason and the governing cause of the transition's
    episode (None outside one), for `mark_of`; run it on the session's connection."""
    episode = col(Incident.id) == col(Transition.incident_id)
    governing: Mapped[Reason | None] = col(Incident.reason)
    return sa_select(
        col(Transition.service_id),
        col(Transition.at),
        col(Transition.to_state),
        col(Transition.reason),
        governing,
    ).outerjoin(Incident, episode)


def mark_of(at: datetime, to_state: str, reason: str, governing: str | None) -> Mark:
    counted = downtime_reason(Reason(reason), None if governing is None else Reason(governing))
    return Mark(at, State(to_state), counted)
