"""incident reason timeline: each incident keeps the region's reason over the episode, with
times, and its category and reason become the governing cause

Existing incidents are backfilled from the transitions they hold (each transition's reason
other than `ok`, in the order recorded: the service's reason, the nearest record there is of
the region's), or, for an incident without any, one span of its first reason seen from its
start. The last span ends where the incident ended. Their category and reason are then
recomputed as the governing cause: policy when a cutoff (declared or suspected) was seen,
`policy.cutoff` first; otherwise the reason that held longest (ties: the more severe state,
then the more recent). Downgrading drops the timeline and gives back the old meaning: the
category of the reason that opened the incident and the latest reason.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.store.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
# Only what this revision touches, as it stood then: the app's models may move on.
incident = sa.table(
    "incident",
    sa.column("id", sa.Integer()),
    sa.column("started_at", app.store.types.UTCDateTime()),
    sa.column("ended_at", app.store.types.UTCDateTime()),
    sa.column("updated_at", app.store.types.UTCDateTime()),
    sa.column("category", sa.String()),
    sa.column("reason", sa.String()),
    sa.column("reasons_seen", JSON_DOCUMENT),
    sa.column("reason_timeline", JSON_DOCUMENT),
)
transition = sa.table(
    "transition",
    sa.column("id", sa.Integer()),
    sa.column("incident_id", sa.Integer()),
    sa.column("reason", sa.String()),
    sa.column("at", app.store.types.UTCDateTime()),
)
POLICY = ("policy.cutoff", "policy.suspected")
# The state each category puts a service in, ranked as "worst of" ranks states.
SEVERITY = {"network": 4, "policy": 4, "upstream": 4, "local": 4, "maintenance": 3}
SEVERITY |= {"performance": 2}


def upgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_timeline", JSON_DOCUMENT, nullable=True))
    _backfill()
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.alter_column("reason_timeline", existing_type=JSON_DOCUMENT, nullable=False)


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(incident.c.id, incident.c.reasons_seen, incident.c.reason_timeline)
    ).all()
    for incident_id, seen, timeline in rows:
        opening = seen[0] if seen else None
        latest = timeline[-1]["reason"] if timeline else opening
        if opening is None or latest is None:
            continue
        values = {"category": opening.split(".", 1)[0], "reason": latest}
        connection.execute(incident.update().where(incident.c.id == incident_id).values(values))
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("reason_timeline")


def _backfill() -> None:
    connection = op.get_bind()
    reasons: dict[int, list[tuple[str, datetime]]] = {}
    held = connection.execute(
        sa.select(transition.c.incident_id, transition.c.reason, transition.c.at)
        .where(transition.c.incident_id.is_not(None), transition.c.reason != "ok")
        .order_by(transition.c.incident_id, transition.c.id)
    )
    for incident_id, reason, at in held:
        reasons.setdefault(incident_id, []).append((reason, at))
    rows = connection.execute(
        sa.select(
            incident.c.id,
            incident.c.started_at,
            incident.c.ended_at,
            incident.c.updated_at,
            incident.c.reason,
            incident.c.reasons_seen,
        )
    ).all()
    for incident_id, started_at, ended_at, updated_at, reason, seen in rows:
        seen = list(seen or [])
        steps = reasons.get(incident_id) or [(seen[0] if seen else reason, started_at)]
        spans = _spans(steps, started_at, ended_at)
        cause = _governing(spans, seen, now=ended_at or max(updated_at, started_at))
        values = {
            "reason_timeline": [_document(span) for span in spans],
            "category": cause.split(".", 1)[0],
            "reason": cause,
        }
        connection.execute(incident.update().where(incident.c.id == incident_id).values(values))


def _spans(
    steps: list[tuple[str, datetime]], started_at: datetime, ended_at: datetime | None
) -> list[list[Any]]:
    """[reason, from, until] per change of reason; a span never starts before the previous."""
    spans: list[list[Any]] = []
    for reason, at in steps:
        if spans and spans[-1][0] == reason:
            continue
        start = max(at, spans[-1][1] if spans else started_at)
        if spans:
            spans[-1][2] = start
        spans.append([reason, start, None])
    if ended_at is not None:
        spans[-1][2] = max(ended_at, spans[-1][1])
    return spans


def _governing(spans: list[list[Any]], seen: list[str], *, now: datetime) -> str:
    applied = {span[0] for span in spans} | set(seen)
    for policy in POLICY:
        if policy in applied:
            return policy
    held: dict[str, float] = {}
    last: dict[str, int] = {}
    for position, (reason, start, until) in enumerate(spans):
        held[reason] = held.get(reason, 0.0) + max(0.0, ((until or now) - start).total_seconds())
        last[reason] = position
    severity = {r: SEVERITY.get(r.split(".", 1)[0], -1) for r in held}
    return max(held, key=lambda r: (held[r], severity[r], last[r]))


def _document(span: list[Any]) -> dict[str, str | None]:
    reason, start, until = span
    return {
        "reason": reason,
        "from": start.astimezone(UTC).isoformat(),
        "until": None if until is None else until.astimezone(UTC).isoformat(),
    }
