"""cutoff.* events (rules in app/core/cutoffs.py), written in the caller's transaction with the
region's lock held: from a probe's transition (a cut Pantau sees itself, or the region's
recovery ending one) and from an operator's declaration (a cutoff letter, a lifting letter).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.cutoffs import (
    Cut,
    CutoffFacts,
    LiftedBy,
    cited_cutoff,
    cut_begins,
    cut_ends_with_recovery,
    cutoff_data,
    may_begin_cut,
)
from app.core.domain import Reason, State, TransitionSource
from app.core.events import EventType
from app.core.letters import letter_url
from app.core.regions.status import summarise
from app.settings import Settings
from app.store.db import SETTINGS
from app.store.declarations import Declaration, DeclarationKind
from app.store.incidents import get_incident, lock_region, open_incident
from app.store.letters import public_letter_ids
from app.store.models import Incident, Transition
from app.store.region_events import episode_carried_cutoff, latest_cut, services_now
from app.usecases.outbox import outbox_cache, write_event


async def _cut(session: AsyncSession, region_code: str) -> Cut:
    cache = outbox_cache(session)
    if region_code not in cache.cuts:
        cache.cuts[region_code] = await latest_cut(session, region_code)
    return cache.cuts[region_code]


async def _with_letter_links(session: AsyncSession, facts: CutoffFacts) -> CutoffFacts:
    """The letters an event cites, each with `letter_url` when its file is attached and
    public (an absolute link below PANTAU_PUBLIC_URL, from the write session's settings)."""
    cited = [c for c in (facts.letter, facts.lifts) if c is not None]
    settings = session.info.get(SETTINGS)
    ids = [c["id"] for c in cited if isinstance(c.get("id"), int)]
    if not ids or not isinstance(settings, Settings):
        return facts
    public = await public_letter_ids(session, ids)

    def linked(citation: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        if citation is None or citation.get("id") not in public:
            return citation
        return {**citation, "letter_url": letter_url(settings.public_base_url, citation["id"])}

    return replace(facts, letter=linked(facts.letter), lifts=linked(facts.lifts))


async def _write(session: AsyncSession, facts: CutoffFacts) -> None:
    cache = outbox_cache(session)
    cache.cuts[facts.region_code] = Cut.after(str(facts.event_type), str(facts.reason))
    await write_event(
        session,
        event_type=str(facts.event_type),
        data=cutoff_data(await _with_letter_links(session, facts)),
        region_code=facts.region_code,
        category=str(facts.reason.category),
        reason=str(facts.reason),
        transition_id=facts.transition_id,
        timestamp=facts.at,
    )


async def enqueue_cutoff_event(session: AsyncSession, transition: Transition) -> None:
    """The cutoff.* event a service's transition causes, if any (after its incident)."""
    if transition.incident_id is None:
        return  # neither inside an episode nor ending one
    incident = await get_incident(session, transition.incident_id)  # in the session already
    code, reason = transition.region_code, Reason(transition.reason)
    source = TransitionSource(transition.source)
    if incident is None or (incident.ended_at is None and not may_begin_cut(reason, source)):
        return  # most transitions: the region's cut needs no reading
    cut = await _cut(session, code)
    begins = cut_begins(cut, reason=reason, evidence=transition.evidence, source=source)
    if begins is None and not await _recovery_lifts(session, cut, incident):
        return
    declared = begins == EventType.CUTOFF_DECLARED
    facts = CutoffFacts(
        event_type=begins or EventType.CUTOFF_LIFTED,
        region_code=code,
        region=await outbox_cache(session).region(session, code),
        reason=reason if begins else cut.reason or reason,
        at=transition.at,
        incident_id=incident.id,
        down_since=incident.started_at,
        letter=cited_cutoff(transition.evidence) if declared else None,
        lifted_by=None if begins else LiftedBy.RECOVERY,
        source=source,
        transition_id=transition.id,
        evidence=transition.evidence,
    )
    await _write(session, facts)


async def _recovery_lifts(session: AsyncSession, cut: Cut, incident: Incident) -> bool:
    assert incident.id is not None
    if incident.ended_at is None:
        return False
    region = summarise(await services_now(session, incident.region_code))
    return cut_ends_with_recovery(
        cut, episode_ended=True, region_operational=region.state == State.OPERATIONAL
    ) and await episode_carried_cutoff(session, incident.id)


async def enqueue_declaration_events(
    session: AsyncSession,
    declaration: Declaration,
    *,
    lifts: Declaration | None,
    at: datetime,
    transitions: Sequence[Transition],
) -> None:
    """cutoff.declared for a cutoff letter (each once, whatever the region's services do);
    cutoff.lifted for a letter lifting a cutoff while the region's cut stands. Runs after the
    declaration's transitions, so the episode is the one they joined."""
    kind = DeclarationKind(declaration.kind)
    lifts_cutoff = lifts is not None and DeclarationKind(lifts.kind) == DeclarationKind.CUTOFF
    if kind != DeclarationKind.CUTOFF and not (kind == DeclarationKind.LIFTED and lifts_cutoff):
        return
    code = declaration.region_code
    await lock_region(session, code)  # a letter may change no service: take the lock here
    cut = await _cut(session, code)
    if kind == DeclarationKind.LIFTED and not cut.standing:
        return  # the region's recovery lifted it already
    incident = await open_incident(session, code)
    facts = CutoffFacts(
        event_type=EventType.CUTOFF_DECLARED,
        region_code=code,
        region=await outbox_cache(session).region(session, code),
        reason=Reason.POLICY_CUTOFF,
        at=at,
        incident_id=None if incident is None else incident.id,
        down_since=None if incident is None else incident.started_at,
        letter=declaration.citation(),
        source=TransitionSource.OPERATOR,
        transition_id=transitions[0].id if transitions else None,
    )
    if kind == DeclarationKind.LIFTED:
        assert lifts is not None and cut.reason is not None
        facts = replace(
            facts,
            event_type=EventType.CUTOFF_LIFTED,
            reason=cut.reason,
            lifts=lifts.citation(),
            lifted_by=LiftedBy.DECLARATION,
        )
    await _write(session, facts)
