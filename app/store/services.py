"""Service rows: the spec an operator asked for, beside the check state the checker keeps.
Spec writes leave that state alone (a renamed or re-pointed service keeps its history and
streaks); only the schedule is touched, so a change takes effect soon."""

from __future__ import annotations

import random
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import State
from app.core.errors import Conflict, InvalidInput
from app.store.models import Region, Service
from app.store.service_models import ServiceCreate, ServiceUpdate
from app.store.types import utcnow

# New services start within this many seconds, spread at random, so a batch created
# together (a services file, a script) does not probe in lockstep forever after.
FIRST_CHECK_SPREAD_SECONDS = 10
_DEFAULT_PORTS = {"http": 80, "https": 443}


async def create_service(
    session: AsyncSession, *, spec: ServiceCreate, now: datetime | None = None
) -> Service:
    await _require_region(session, spec.region_code)
    if spec.key is not None:
        await _require_free_key(session, spec.key)
    now = now or utcnow()
    spread = min(spec.interval_seconds, FIRST_CHECK_SPREAD_SECONDS)
    service = Service(
        **spec.model_dump(),
        state=State.UNKNOWN,
        next_check_at=now + timedelta(seconds=random.random() * spread),
        created_at=now,
        updated_at=now,
    )
    session.add(service)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent create took the key between check and insert
        raise Conflict(f"service key {spec.key!r} is already in use") from exc
    return service


async def get_service(session: AsyncSession, *, service_id: int) -> Service | None:
    return await session.get(Service, service_id)


async def list_services(
    session: AsyncSession,
    *,
    region_prefix: str | None = None,
    state: State | None = None,
    after_id: int | None = None,
    limit: int = 100,
) -> list[Service]:
    """Services in id order; `region_prefix` "73" matches the province and its regencies."""
    query = select(Service)
    if region_prefix is not None:
        region = col(Service.region_code)
        query = query.where(or_(region == region_prefix, region.startswith(f"{region_prefix}.")))
    if state is not None:
        query = query.where(Service.state == state)
    if after_id is not None:
        query = query.where(col(Service.id) > after_id)
    rows = await session.exec(query.order_by(col(Service.id)).limit(limit))
    return list(rows.all())


async def keyed_services(session: AsyncSession) -> dict[str, Service]:
    """Services that a services file owns, by key."""
    rows = await session.exec(select(Service).where(col(Service.key).is_not(None)))
    return {service.key: service for service in rows.all() if service.key is not None}


async def known_region_codes(session: AsyncSession, codes: Collection[str]) -> set[str]:
    if not codes:
        return set()
    rows = await session.exec(select(Region.code).where(col(Region.code).in_(set(codes))))
    return set(rows.all())


async def regions_of_services(
    session: AsyncSession, service_ids: Collection[int]
) -> dict[int, str]:
    """Each existing service's region, by id."""
    if not service_ids:
        return {}
    query = select(Service.id, Service.region_code).where(col(Service.id).in_(set(service_ids)))
    rows = (await session.exec(query)).all()
    return {service_id: code for service_id, code in rows if service_id is not None}


def differing_fields(service: Service, changes: ServiceUpdate) -> dict[str, Any]:
    """The fields `changes` carries whose values differ from the service's, with the new ones."""
    wanted = changes.model_dump(exclude_unset=True)
    return {name: value for name, value in wanted.items() if getattr(service, name) != value}


async def update_service(
    session: AsyncSession,
    service: Service,
    *,
    changes: ServiceUpdate,
    now: datetime | None = None,
) -> set[str]:
    """Apply the fields `changes` carries; returns the names of those that differed. What a
    pause or a move does to an incident is the caller's: see app.usecases.service_changes."""
    wanted = changes.model_dump(exclude_unset=True)
    changed = differing_fields(service, changes)
    if not changed:
        return set()
    if {"interval_seconds", "timeout_seconds"} & changed.keys():
        interval = changed.get("interval_seconds", service.interval_seconds)
        timeout = changed.get("timeout_seconds", service.timeout_seconds)
        if timeout >= interval:
            raise InvalidInput(
                ("body", "timeout_seconds"),
                f"timeout_seconds ({timeout}) must be less than interval_seconds ({interval})",
                timeout,
            )
    if "region_code" in changed:
        await _require_region(session, changed["region_code"])
    _require_credentials_follow(service, changed, wanted)
    now = now or utcnow()
    for name, value in changed.items():
        setattr(service, name, value)
    if "interval_seconds" in changed:
        # A shorter interval takes effect now; a longer one waits for the check already due.
        service.next_check_at = min(
            service.next_check_at, now + timedelta(seconds=service.interval_seconds)
        )
    service.updated_at = now
    session.add(service)
    await session.flush()
    return set(changed)


def _require_credentials_follow(
    service: Service, changed: dict[str, object], wanted: dict[str, object]
) -> None:
    """Stored credentials go to another origin only when sent again: otherwise whoever may
    edit a service could read them by pointing it at a server of their own."""
    if service.basic_auth is None or "basic_auth" in wanted or "url" not in changed:
        return
    if _origin(str(changed["url"])) != _origin(service.url):
        raise InvalidInput(
            ("body", "basic_auth"),
            "the URL moves to another host: send basic_auth again, or null to drop it",
        )


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, parts.hostname, parts.port or _DEFAULT_PORTS.get(scheme)


async def delete_service(session: AsyncSession, service: Service) -> None:
    """Remove a service; its transitions stay as history (their service_id becomes NULL).
    Its region's incident is the caller's: see app.usecases.service_changes."""
    await session.delete(service)
    await session.flush()


async def _require_region(session: AsyncSession, code: str) -> None:
    if await session.get(Region, code) is None:
        raise InvalidInput(("body", "region_code"), f"region {code!r} does not exist", code)


async def _require_free_key(session: AsyncSession, key: str) -> None:
    taken = await session.exec(select(Service.id).where(Service.key == key))
    service_id = taken.first()
    if service_id is not None:
        raise Conflict(f"service key {key!r} is already used by service {service_id}")
