"""(open incident?, transition, region's state now) → what happens to the region's incident. Pure.

An incident is one episode of a region away from operational:
- none open and the region's worst state is outage, degraded or maintenance → one opens at
  the transition's time (when the outage began), with the region's reason (or else the
  transition's);
- one open and the region still away → the transition joins it: the worst state seen, the
  reasons seen in order of first sighting (`ok` is not a cause) and the reason timeline. A
  cutoff declared during a network outage is such a step: it never starts a new episode;
- one open and the region operational (or unknown) → it ends at the transition's time, never
  before it started: a clock that stepped back must not make an episode of negative length.
Settling is the same end for a change that makes no transition (a failing service paused,
moved or deleted): the incident ends only if the region is no longer away.

The reason timeline is the region's reason over the episode, as spans {reason, from, until}
(`until` None while current). A span starts where the previous one ends, never earlier, so a
clock stepping back yields spans of zero length, never negative ones; the end closes the last.

An incident's category and reason are its *governing cause*, recomputed at every step and at
the end (`governing_cause`):
- policy when any cutoff, suspected or declared, applied during the episode (a span of the
  timeline, or any reason seen, however brief): `policy.cutoff` if one was declared or seen,
  else `policy.suspected`;
- otherwise the reason that held longest over the timeline (its spans added up; a current span
  counts up to the step's time). Ties go to the more severe state the reason puts a service in
  (outage over maintenance over degraded), then to the reason held most recently.
For an incident still open, the governing cause is as of its last step (`updated_at`).

Downtime split by cause (uptime by cause, the day bars, the outage report's summary and
ranking) follows the same rule (`downtime_reason`): outage time inside an episode governed by
a cutoff counts as that cutoff's, whatever the probes read at the moment, because a
Palopo-style cut starts as timeouts and its letter may come hours later. Its maintenance or
slow time keeps its own cause, as does every moment of an episode governed by anything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from app.core.domain import Category, Reason, State
from app.core.instants import stored_instant
from app.core.regions.status import RegionState

AWAY = frozenset({State.OUTAGE, State.DEGRADED, State.MAINTENANCE})
# Policy reasons in order of preference as an incident's governing cause.
POLICY_REASONS = (Reason.POLICY_CUTOFF, Reason.POLICY_SUSPECTED)


@dataclass(frozen=True, slots=True)
class ReasonSpan:
    """One stretch of the region's reason during an episode; `ended_at` None while current."""

    reason: Reason
    started_at: datetime
    ended_at: datetime | None = None

    def seconds(self, now: datetime) -> float:
        """How long it held: until its end, or until `now` while current; never negative."""
        end = self.ended_at if self.ended_at is not None else now
        return max(0.0, (end - self.started_at).total_seconds())


Timeline = tuple[ReasonSpan, ...]


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """What the rules need of the region's open incident."""

    started_at: datetime
    worst_state: State
    reasons_seen: tuple[str, ...]
    updated_at: datetime
    timeline: Timeline = ()


@dataclass(frozen=True, slots=True)
class TransitionSeen:
    """One service's transition, as the incident sees it: the region's state, not the
    service's, decides whether the region is away."""

    reason: Reason
    at: datetime


@dataclass(frozen=True, slots=True)
class Open:
    started_at: datetime
    worst_state: State
    category: Category  # of the governing cause
    reason: Reason  # the governing cause
    reasons_seen: tuple[str, ...]
    timeline: Timeline
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Extend:
    worst_state: State
    category: Category
    reason: Reason  # the governing cause
    reasons_seen: tuple[str, ...]
    timeline: Timeline
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class End:
    ended_at: datetime
    category: Category
    reason: Reason  # the governing cause
    reasons_seen: tuple[str, ...]
    timeline: Timeline
    updated_at: datetime


def incident_step(
    incident: OpenIncident | None, transition: TransitionSeen, region: RegionState
) -> Open | Extend | End | None:
    """What the transition does to the region's incident; None: there is none, nor should be."""
    if incident is None:
        return _opened(transition, region) if region.state in AWAY else None
    seen = reasons_seen(incident.reasons_seen, transition.reason, region.reason)
    updated_at = max(transition.at, incident.updated_at)
    if region.state not in AWAY:
        return _ended(incident, seen, at=transition.at, updated_at=updated_at)
    worst = max(incident.worst_state, region.state, key=lambda state: state.severity)
    current = region.reason or transition.reason
    timeline = timeline_after(incident.timeline, current, transition.at)
    cause = governing_cause(timeline, seen, now=updated_at, default=current)
    return Extend(worst, cause.category, cause, seen, timeline, updated_at)


def settle(incident: OpenIncident, region: RegionState, *, at: datetime) -> End | None:
    """The end of an incident whose region is no longer away; None while it still is."""
    if region.state in AWAY:
        return None
    return _ended(incident, incident.reasons_seen, at=at, updated_at=max(at, incident.updated_at))


def reasons_seen(seen: Iterable[str], *new: Reason | None) -> tuple[str, ...]:
    """Reasons in order of first sighting; `ok` is not a cause."""
    result = list(seen)
    for reason in new:
        if reason is not None and reason != Reason.OK and str(reason) not in result:
            result.append(str(reason))
    return tuple(result)


def timeline_after(timeline: Timeline, reason: Reason | None, at: datetime) -> Timeline:
    """The timeline once the region reads `reason` from `at`: unchanged while it already does
    (or for no reason, or `ok`, which is not a cause); else the current span ends and a new one
    begins, at `at` but never before the current span began."""
    if reason is None or reason == Reason.OK:
        return timeline
    if not timeline:
        return (ReasonSpan(reason, at),)
    last = timeline[-1]
    if last.ended_at is None and last.reason == reason:
        return timeline
    start = max(at, last.started_at if last.ended_at is None else last.ended_at)
    return (*timeline_closed(timeline, start), ReasonSpan(reason, start))


def timeline_closed(timeline: Timeline, at: datetime) -> Timeline:
    """The timeline with its current span ended at `at`, never before the span began."""
    if not timeline or timeline[-1].ended_at is not None:
        return timeline
    last = timeline[-1]
    return (*timeline[:-1], replace(last, ended_at=max(at, last.started_at)))


def latest_reason(timeline: Sequence[ReasonSpan]) -> Reason | None:
    """The region's current reason (or, once ended, its last)."""
    return timeline[-1].reason if timeline else None


def governing_cause(
    timeline: Sequence[ReasonSpan], seen: Iterable[str] = (), *, now: datetime, default: Reason
) -> Reason:
    """The incident's cause (see the module's docstring); `default` when the timeline is empty
    and no policy reason was seen."""
    applied = {span.reason for span in timeline} | {Reason(r) for r in seen if r in _REASONS}
    for policy in POLICY_REASONS:
        if policy in applied:
            return policy
    held: dict[Reason, float] = {}
    last_held: dict[Reason, int] = {}
    for position, span in enumerate(timeline):
        held[span.reason] = held.get(span.reason, 0.0) + span.seconds(now)
        last_held[span.reason] = position
    if not held:
        return default
    return max(held, key=lambda r: (held[r], _severity(r), last_held[r]))


def downtime_reason(reason: Reason, governing: Reason | None) -> Reason:
    """The cause a moment counts under where downtime is split by cause: the governing cause
    of its episode (`governing`; None outside one) when that is a cutoff and the moment is an
    outage; otherwise the moment's own reason."""
    if governing in POLICY_REASONS and reason.state == State.OUTAGE:
        return governing
    return reason


def timeline_document(timeline: Sequence[ReasonSpan]) -> list[dict[str, str | None]]:
    """The timeline as stored (JSON): [{"reason", "from", "until"}], instants in ISO 8601 UTC."""
    return [
        {
            "reason": str(span.reason),
            "from": _iso(span.started_at),
            "until": None if span.ended_at is None else _iso(span.ended_at),
        }
        for span in timeline
    ]


def timeline_of(document: object) -> Timeline:
    """The stored timeline back as spans; an entry that is not one (an unknown reason, an
    instant that does not parse or has no offset) is left out rather than failing a page."""
    if not isinstance(document, list):
        return ()
    spans = []
    for entry in document:
        span = _span_of(entry) if isinstance(entry, Mapping) else None
        if span is not None:
            spans.append(span)
    return tuple(spans)


_REASONS = frozenset(str(reason) for reason in Reason)


def _severity(reason: Reason) -> int:
    state = reason.state
    return -1 if state is None else state.severity


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _span_of(entry: Mapping[str, Any]) -> ReasonSpan | None:
    reason, started_at = entry.get("reason"), stored_instant(entry.get("from"))
    if reason not in _REASONS or started_at is None:
        return None
    until = entry.get("until")
    ended_at = None if until is None else stored_instant(until)
    if until is not None and ended_at is None:
        return None
    return ReasonSpan(Reason(str(reason)), started_at, ended_at)


def _ended(
    incident: OpenIncident, seen: tuple[str, ...], *, at: datetime, updated_at: datetime
) -> End:
    """Ends at `at`, never before the incident or its current span began."""
    starts = [incident.started_at, *(span.started_at for span in incident.timeline[-1:])]
    ended_at = max(at, *starts)
    timeline = timeline_closed(incident.timeline, ended_at)
    fallback = Reason(seen[-1]) if seen else Reason.OK
    cause = governing_cause(timeline, seen, now=ended_at, default=fallback)
    return End(ended_at, cause.category, cause, seen, timeline, updated_at)


def _opened(transition: TransitionSeen, region: RegionState) -> Open:
    reason = region.reason or transition.reason
    timeline = timeline_after((), reason, transition.at)
    seen = reasons_seen((), transition.reason, reason)
    cause = governing_cause(timeline, seen, now=transition.at, default=reason)
    return Open(
        started_at=transition.at,
        worst_state=region.state,
        category=cause.category,
        reason=cause,
        reasons_seen=seen,
        timeline=timeline,
        updated_at=transition.at,
    )
