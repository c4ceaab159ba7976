"""Waves: one correlated outage across regions (national, or one island group's backbone),
with its members; and the wave.* webhook events, documented in the OpenAPI `webhooks`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from app.api.schemas.waves import WaveEvent, WavePage, WavePublic
from app.core.errors import NotFound
from app.http.deps import ReadSession
from app.http.paging import ROW_ID_MAX, Cursor, decode_cursor, encode_cursor
from app.http.responses import NOT_MODIFIED, not_found
from app.reads.cache import json_response
from app.store import waves as store

router = APIRouter(prefix="/api/v1/waves", tags=["waves"])
webhooks = APIRouter()

WaveId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]
NOT_FOUND = not_found("wave has this id")


@router.get("", response_model=WavePage, responses=NOT_MODIFIED)
async def list_waves(
    session: ReadSession,
    active: Annotated[bool | None, Query(description="Only active (true) or ended (false)")] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """Waves newest first (by start)."""
    rows = await store.list_waves(
        session, active=active, before=decode_cursor(cursor), limit=limit + 1
    )
    shown = rows[:limit]
    more = len(rows) > limit and shown
    next_cursor = encode_cursor(shown[-1].started_at, shown[-1].id) if more else None
    items = [WavePublic.of(w) for w in shown]
    return json_response(WavePage(items=items, next_cursor=next_cursor))


@router.get("/{wave_id}", response_model=WavePublic, responses=NOT_FOUND)
async def get_wave(wave_id: WaveId, session: ReadSession) -> Response:
    wave = await store.get_wave(session, wave_id)
    if wave is None:
        raise NotFound("wave", wave_id)
    return json_response(WavePublic.of(wave))


def _document(event_type: str, summary: str) -> None:
    async def receiver(body: WaveEvent) -> None:
        """Sent to subscriptions whose `event_types` admit it and whose `region_prefixes`
        match one of its regions, signed as every Standard Webhooks delivery."""

    webhooks.add_api_route(event_type, receiver, methods=["POST"], summary=summary)


_document("wave.started", "A wave started: one cause across regions")
_document("wave.updated", "A wave's members moved by at least PANTAU_WAVE_UPDATE_FRACTION")
_document("wave.ended", "A wave ended: its signature no longer qualifies")
