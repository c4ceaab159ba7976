"""A declaration → forced transitions of its region's services (source `operator`), in the
caller's transaction. The recording path imposes the same declaration on later failures.

- cutoff / infrastructure: services already failing take the declared reason at once, with
  the declaration and the reason the probes observed as evidence. Services that pass keep
  passing: probes outrank paperwork, and the region's status flags the contradiction.
- lifted: services carrying the lifted declaration's reason return to the reason their probes
  observed; the probes then confirm recovery or the fault, through the usual thresholds.
- warning: changes no state.

A cutoff letter is announced once as `cutoff.declared`, a letter lifting a cutoff as
`cutoff.lifted` (app/usecases/cutoff_events.py), whatever the services do.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import Reason, TransitionSource
from app.core.state_machine import DOWN_STATES, force
from app.store.check_states import check_state_of
from app.store.declarations import Declaration, DeclarationKind
from app.store.models import Service, Transition
from app.usecases.cutoff_events import enqueue_declaration_events
from app.usecases.transitions import append_transition


async def _failing_services(session: AsyncSession, region_code: str) -> list[Service]:
    query = (
        select(Service)
        .where(
            Service.region_code == region_code,
            col(Service.is_paused).is_(False),
            col(Service.state).in_([str(state) for state in DOWN_STATES]),
        )
        .order_by(col(Service.id))
        .with_for_update()
    )
    return list((await session.exec(query)).all())


async def _latest_evidence(session: AsyncSession, service: Service) -> dict[str, Any]:
    """Evidence of the transition that gave the service its current reason."""
    query = (
        select(Transition)
        .where(Transition.service_id == service.id)
        .order_by(col(Transition.at).desc(), col(Transition.id).desc())
        .limit(1)
    )
    latest = (await session.exec(query)).first()
    if latest is None or latest.reason != service.reason:
        return {}
    return latest.evidence


def _observed(service: Service, evidence: dict[str, Any]) -> Reason:
    """What the probes saw, beneath any reason a declaration or a window imposed."""
    observed = evidence.get("observed_reason") or service.reason
    assert observed is not None, "a failing service has a reason"
    return Reason(observed)


def _target(
    declaration: Declaration, lifts: Declaration | None, service: Service, evidence: dict[str, Any]
) -> tuple[Reason, dict[str, Any]] | None:
    kind = DeclarationKind(declaration.kind)
    observed = _observed(service, evidence)
    cited = {"observed_reason": str(observed), "declaration": declaration.citation()}
    if kind.reason is not None:
        return kind.reason, {"rule": "declaration", **cited}
    if kind != DeclarationKind.LIFTED or lifts is None:
        return None
    # Only what a declaration imposed is undone; a probe that saw HTTP 451 itself stands.
    lifted_reason = DeclarationKind(lifts.kind).reason
    if service.reason != lifted_reason or "declaration" not in evidence:
        return None
    return observed, {"rule": "declaration_lifted", **cited, "lifts": lifts.citation()}


async def apply_declaration(
    session: AsyncSession,
    declaration: Declaration,
    *,
    lifts: Declaration | None,
    at: datetime,
) -> list[Transition]:
    """`lifts` is the cutoff or infrastructure declaration in force before this one."""
    transitions = []
    for service in await _failing_services(session, declaration.region_code):
        assert service.id is not None
        evidence = await _latest_evidence(session, service)
        target = _target(declaration, lifts, service, evidence)
        if target is None:
            continue
        reason, cited = target
        assert reason.state is not None
        step = force(check_state_of(service), reason.state, reason)
        if step.change is None:
            continue
        for name, value in asdict(step.state).items():
            setattr(service, name, value)
        service.state_changed_at = at
        service.sequence += 1
        session.add(service)
        await session.flush()
        transitions.append(
            await append_transition(
                session,
                service_id=service.id,
                region_code=service.region_code,
                change=step.change,
                source=TransitionSource.OPERATOR,
                at=at,
                evidence=cited,
            )
        )
    await enqueue_declaration_events(
        session, declaration, lifts=lifts, at=at, transitions=transitions
    )
    return transitions
