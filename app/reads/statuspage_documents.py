"""Pantau's overview and incidents → Statuspage documents' parts, in the reader's language:
components (provinces as groups, every regency and city inside them, monitored or not) and
incidents with their updates (the transitions' story, told in words, beside the operators'
own updates)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from app.core.domain import Reason, State
from app.core.language import Lang
from app.core.regions.overview import Overview, RegionView
from app.core.statuspage_terms import (
    IncidentStatus,
    cause_text,
    component_status,
    group_status,
    group_text,
    incident_component_status,
    incident_impact,
    incident_name,
    recovery_text,
    region_text,
)
from app.reads.statuspage_shapes import AffectedComponent, Component, Incident, IncidentUpdate
from app.store.incident_updates import IncidentUpdate as OperatorUpdate
from app.store.models import Incident as IncidentRow

PAGE_ID = "pantau"


@dataclass(frozen=True, slots=True)
class Context:
    overview: Overview
    base_url: str
    lang: Lang
    updated_at: datetime
    components: list[Component]  # groups, each followed by its components
    regions: dict[str, Component]  # the regions' components by code


def _component(
    view: RegionView,
    times: tuple[datetime, datetime] | None,
    citation: dict[str, Any] | None,
    position: int,
    *,
    lang: Lang,
    as_of: datetime,
) -> Component:
    """A regency or city. One with no service (`times` None) is listed as not monitored:
    `operational` (Statuspage has no "unknown"), said in its description, without uptime
    showcase or start date."""
    created, changed = times or (as_of, as_of)
    return Component(
        id=view.code,
        name=view.row.name,
        status=component_status(view),
        created_at=created,
        updated_at=max(changed, view.since or changed),
        position=position,
        description=region_text(view, citation, lang),
        showcase=times is not None,
        start_date=created.date() if times else None,
        group_id=view.row.parent_code,
        page_id=PAGE_ID,
        group=False,
        only_show_if_degraded=False,
    )


def components(
    overview: Overview,
    times: dict[str, tuple[datetime, datetime]],
    citations: dict[str, dict[str, Any]],
    *,
    lang: Lang,
    as_of: datetime,
) -> list[Component]:
    """Every province as a group, each followed by all its regencies and cities, in code
    order; `times` holds the monitored ones' first and latest service times, `as_of` stands
    in for the others'."""
    found: list[Component] = []
    for province in overview.provinces():
        children = overview.children_of(province)
        group_at = len(found)
        parts = [
            _component(
                c,
                times.get(c.code),
                citations.get(c.code),
                group_at + 2 + i,
                lang=lang,
                as_of=as_of,
            )
            for i, c in enumerate(children)
        ]
        monitored = [p for c, p in zip(children, parts, strict=True) if c.is_monitored]
        affected = sum(1 for c in children if c.is_affected)
        found.append(
            Component(
                id=province.code,
                name=province.row.name,
                status=group_status([p.status for p in monitored]),
                created_at=min((p.created_at for p in monitored), default=as_of),
                updated_at=max((p.updated_at for p in monitored), default=as_of),
                position=group_at + 1,
                description=group_text(affected, len(parts), len(monitored), lang),
                showcase=False,
                start_date=None,
                group_id=None,
                page_id=PAGE_ID,
                group=True,
                only_show_if_degraded=False,
                components=[p.id for p in parts],
            )
        )
        found.extend(parts)
    return found


def _update(
    incident_id: str,
    suffix: str,
    status: IncidentStatus,
    body: str,
    at: datetime,
    affected: list[AffectedComponent] | None = None,
) -> IncidentUpdate:
    return IncidentUpdate(
        id=f"{incident_id}-{suffix}",
        status=status,
        body=body,
        incident_id=incident_id,
        created_at=at,
        updated_at=at,
        display_at=at,
        affected_components=affected,
    )


def _story(
    row: IncidentRow, name: str, citation: dict[str, Any] | None, lang: Lang
) -> list[IncidentUpdate]:
    """The transitions' story: opened, cause changed (while open), resolved."""
    key, down = str(row.id), incident_component_status(State(row.worst_state))
    opening = Reason(row.reasons_seen[0]) if row.reasons_seen else Reason(row.reason)
    went = AffectedComponent(
        code=row.region_code, name=name, old_status="operational", new_status=down
    )
    text = cause_text(opening, row.started_at, citation, lang)
    story = [_update(key, "opened", "investigating", text, row.started_at, [went])]
    if row.ended_at is None and Reason(row.reason) != opening:
        text = cause_text(Reason(row.reason), row.updated_at, citation, lang)
        story.append(_update(key, "identified", "identified", text, row.updated_at))
    if row.ended_at is not None:
        back = went.model_copy(update={"old_status": down, "new_status": "operational"})
        text = recovery_text(row.ended_at, lang)
        story.append(_update(key, "resolved", "resolved", text, row.ended_at, [back]))
    return story


def _told(row: IncidentRow, updates: Sequence[OperatorUpdate], lang: Lang) -> list[IncidentUpdate]:
    """Operators' updates in the reader's language; their statuses are Statuspage's own."""
    return [
        _update(
            str(row.id),
            f"u{u.id}",
            cast(IncidentStatus, str(u.status)),
            u.body_id if lang == "id" else u.body_en,
            u.created_at,
        )
        for u in updates
    ]


def _status(row: IncidentRow, told: Sequence[IncidentUpdate], cited: bool) -> IncidentStatus:
    """Resolved once ended; else the operators' latest word, else what the data says."""
    if row.ended_at is not None:
        return "resolved"
    latest = next((u.status for u in told if u.status != "resolved"), None)
    return latest or ("identified" if cited else "investigating")


def incident(
    context: Context,
    row: IncidentRow,
    *,
    name: str,
    operator_updates: Sequence[OperatorUpdate],
    cited: Sequence[dict[str, Any]],
) -> Incident:
    """`operator_updates` newest first; `cited` the declarations its transitions cite (a
    public letter's file is linked in the text: `letter_path`, from `declarations_cited`)."""
    citation = cited[-1] if cited else None
    if citation is not None and isinstance(citation.get("letter_path"), str):
        link = context.base_url.rstrip("/") + citation["letter_path"]
        citation = citation | {"letter_url": link}
    told = _told(row, operator_updates, context.lang)
    story = _story(row, name, citation, context.lang)
    updates = sorted([*told, *story], key=lambda u: u.created_at)
    monitoring = [u.created_at for u in told if u.status == "monitoring"]
    component = context.regions.get(row.region_code)
    return Incident(
        id=str(row.id),
        name=incident_name(name, Reason(row.reason), context.lang),
        status=_status(row, told, citation is not None),
        created_at=row.started_at,
        updated_at=max([row.updated_at, *(u.created_at for u in told)]),
        monitoring_at=min(monitoring) if monitoring else None,
        resolved_at=row.ended_at,
        impact=incident_impact(State(row.worst_state), row.reasons_seen),
        shortlink=f"{context.base_url}api/v1/incidents/{row.id}",
        started_at=row.started_at,
        page_id=PAGE_ID,
        incident_updates=updates[::-1],
        components=[component] if component else [],
    )
