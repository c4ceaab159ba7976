"""region.* events: after a transition and its incident are written (the region's lock held),
compare the region as last announced with the region as it now is, and announce a change
once, in the caller's transaction.

"As last announced" is, for the first transition of a region in a transaction, the region as
its services' transitions left it before this one (the states of a whole batch are saved
before its transitions are written); for later ones, what this transaction announced (or
found unchanged). So a batch taking three services down is one `region.outage`, and a
declaration forcing services one at a time announces each change of the region it makes.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.region_events import RegionChange, RegionSnapshot, region_data, region_event_type
from app.core.regions.status import summarise
from app.store.models import Transition
from app.store.region_events import services_as_announced, services_now
from app.usecases.outbox import outbox_cache, write_event


async def enqueue_region_event(session: AsyncSession, transition: Transition) -> None:
    """Write the region.* event `transition` causes, if it changes the region."""
    assert transition.id is not None, "append_transition flushes before calling the outbox"
    code = transition.region_code
    cache = outbox_cache(session)
    before = cache.announced.get(code)
    if before is None:
        before = summarise(
            await services_as_announced(session, code, except_transition=transition.id)
        )
    after = RegionSnapshot.of(await services_now(session, code))
    cache.announced[code] = after.summary
    event_type = region_event_type(before, after.summary)
    if event_type is None:
        return
    change = RegionChange(
        region_code=code,
        region=await cache.region(session, code),
        before=before,
        after=after,
        incident_id=transition.incident_id,
        at=transition.at,
        transition_id=transition.id,
        service_id=transition.service_id,
        evidence=transition.evidence,
    )
    reason = after.summary.reason
    await write_event(
        session,
        event_type=str(event_type),
        data=region_data(change),
        region_code=code,
        category=None if reason is None else str(reason.category),
        reason=None if reason is None else str(reason),
        transition_id=transition.id,
        timestamp=transition.at,
    )
