"""An operator's change to a service, with what follows from it: a failing service paused,
moved to another region or deleted makes no transition, yet may end its region's incident.
Every such change goes through here (the API, the services file, the demo)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.store import services as store
from app.store.models import Service
from app.store.service_models import ServiceUpdate
from app.store.types import utcnow
from app.usecases.incidents import settle_region

# The fields whose change can leave a region with no failing service.
_SETTLING_FIELDS = frozenset({"is_paused", "region_code"})


async def update_service(
    session: AsyncSession,
    service: Service,
    *,
    changes: ServiceUpdate,
    now: datetime | None = None,
) -> set[str]:
    """Apply the fields `changes` carries; returns the names of those that differed."""
    now = now or utcnow()
    old_region = service.region_code
    changed = await store.update_service(session, service, changes=changes, now=now)
    if _SETTLING_FIELDS & changed:
        await settle_region(session, old_region, at=now)
    return changed


async def delete_service(session: AsyncSession, service: Service) -> None:
    """Remove a service; its transitions stay as history. If it was the last failing service
    of its region, the region's open incident ends."""
    await store.delete_service(session, service)
    await settle_region(session, service.region_code, at=utcnow())
