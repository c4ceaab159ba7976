"""Live stream: every new transition as a Server-Sent Event whose id is the transition's id.
A client that reconnects with `Last-Event-ID` gets what it missed from the database first."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncGenerator, Iterable, Sequence
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query

from app.api.schemas.history import TransitionPublic
from app.core.domain import Category
from app.core.errors import InvalidInput
from app.core.events import region_matches
from app.http.deps import LiveFeedDep
from app.http.event_stream import EventStream
from app.http.paging import ROW_ID_MAX
from app.http.region_codes import optional_region_code
from app.store.models import Transition
from app.stream.live_feed import LiveEvent, LiveFeed, Subscriber, sse_frame

router = APIRouter(prefix="/api/v1", tags=["events"])

RETRY_MS = 2000
RECENT_IDS = 10_000
EXAMPLE = (
    "retry: 2000\n\n"
    'id: 4812\nevent: transition\ndata: {"id":4812,"region_code":"73.73",'
    '"from_state":"operational","to_state":"outage","reason":"policy.cutoff",...}\n\n'
    ": ping - 2026-11-29 08:00:15+00:00\n\n"
)
STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "`text/event-stream`: one `transition` event per transition (data: a "
        "Transition as in the history); a `wave` event (no id; data: a Wave as in "
        "/api/v1/waves) when a wave starts, its members change or it ends, and for each "
        "active wave on connecting; comment heartbeats",
        "content": {"text/event-stream": {"schema": {"type": "string"}, "example": EXAMPLE}},
    }
}


def encode_transition(transition: Transition) -> str:
    """A transition as the live feed sends it: its JSON in the history."""
    return TransitionPublic.of(transition).model_dump_json()


def _resume_point(header: str | None, query: int | None) -> int | None:
    if header is None:
        return query
    if not header.strip().isdigit() or int(header) > ROW_ID_MAX:
        message = "Last-Event-ID must be the id of an event from this stream"
        raise InvalidInput(("header", "Last-Event-ID"), message, header)
    return int(header)


class _Sent:
    """Ids already sent, the recent ones only: replay and live feed overlap a little."""

    def __init__(self) -> None:
        # Made on the first id: a crowd's streams mostly idle, and each holds one of these.
        self._order: deque[int] | None = None
        self._ids: set[int] = set()

    def first_time(self, event_id: int) -> bool:
        if event_id in self._ids:
            return False
        if self._order is None:
            self._order = deque()
        self._ids.add(event_id)
        self._order.append(event_id)
        if len(self._order) > RECENT_IDS:
            self._ids.discard(self._order.popleft())
        return True


def _in_scope(event: LiveEvent, regions: Sequence[str], categories: Sequence[str]) -> bool:
    """A wave is in a region filter's scope when one of its members is."""
    codes = event.regions if event.kind == "wave" else (event.region_code,)
    if regions and not any(region_matches(c, p) for c in codes for p in regions):
        return False
    return not categories or event.category in categories


RETRY_FRAME = sse_frame(retry=RETRY_MS)


async def stream(
    feed: LiveFeed,
    subscriber: Subscriber,
    *,
    after: int | None,
    regions: Sequence[str],
    categories: Sequence[str],
) -> AsyncGenerator[bytes, None]:
    """Replay after `after` (if given), then live events; each transition once, filtered.
    Subscribed before the replay, so nothing committed in between is missed."""
    sent = _Sent()

    def wanted(event: LiveEvent) -> bool:
        if event.kind == "ping":
            return True
        if not _in_scope(event, regions, categories):
            return False
        return event.kind == "wave" or sent.first_time(event.id)

    def frames(events: Iterable[LiveEvent]) -> bytes:
        return b"".join(event.frame for event in events if wanted(event))

    yield RETRY_FRAME + frames(await feed.active_waves())
    if after is not None and (chunk := frames([e async for e in feed.replay(after)])):
        yield chunk
    while not subscriber.closed:
        if subscriber.dropped_from is not None:  # fell behind: catch up from the database
            start, subscriber.dropped_from = subscriber.dropped_from - 1, None
            if chunk := frames([event async for event in feed.replay(start)]):
                yield chunk
        if subscriber.missed_waves:  # a wave event was dropped: where the waves stand now
            subscriber.missed_waves = False
            if chunk := frames(await feed.active_waves()):
                yield chunk
        if chunk := frames(await subscriber.take()):
            yield chunk


@router.get("/events", response_class=EventStream, responses=STREAM_DOC)
async def events(
    feed: LiveFeedDep,
    region: Annotated[
        list[str] | None, Query(description="Region code or province prefix (repeatable)")
    ] = None,
    category: Annotated[list[Category] | None, Query(description="Reason categories")] = None,
    last_event_id: Annotated[
        int | None,
        Query(ge=0, le=ROW_ID_MAX, description="For clients that cannot send Last-Event-ID"),
    ] = None,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> EventStream:
    """Transitions as they are committed (within about a second), as `transition` events
    with the transition's id; heartbeats every 15 s. Reconnect with `Last-Event-ID` to get
    everything after that id from the database, then the live feed, each transition once."""
    after = _resume_point(last_event_id_header, last_event_id)
    prefixes = [p for p in (optional_region_code(r) for r in region or []) if p]
    frames = partial(
        stream,
        feed,
        after=after,
        regions=prefixes,
        categories=[str(c) for c in category or []],
    )
    return EventStream(feed.subscribe, feed.unsubscribe, frames)
