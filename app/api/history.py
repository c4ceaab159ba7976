"""History: a region's or a service's transitions, newest first, in pages that stay stable
while new transitions arrive (the cursor is a position in (time, id), not an offset). Pages
are served from the read cache: portals poll the same first page. The public sees each
transition's rule and status code; holders of `services:write` its whole evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel

from app.api.schemas.history import (
    HistoryPage,
    HistoryPageOperator,
    TransitionOperator,
    TransitionPublic,
)
from app.core.domain import Category
from app.core.errors import NotFound
from app.http.auth import IsOperator
from app.http.deps import ReadCacheDep
from app.http.paging import Cursor, Since, Until, decode_cursor, encode_cursor, time_range
from app.http.region_codes import region_code_path
from app.http.responses import not_found
from app.reads.cache import Encoded, ReadCache
from app.store import history as store
from app.store.models import Region, Service, Transition

router = APIRouter(tags=["history"])

ServiceId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CodePath = Annotated[
    str, Path(description="Kemendagri code, `73.73` or `7373`", examples=["73.73"])
]
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page, at most 500")]
Categories = Annotated[
    list[Category] | None, Query(description="Only these reason categories (repeatable)")
]
REGION_404 = not_found("region has this code")
SERVICE_404 = not_found("service has this id")


def page_of(rows: list[Transition], limit: int, *, operator: bool = False) -> BaseModel:
    """`rows` holds up to limit + 1 items: one more than shown tells a next page exists."""
    shown = rows[:limit]
    more = len(rows) > limit and shown
    next_cursor = encode_cursor(shown[-1].at, shown[-1].id or 0) if more else None
    if operator:
        items = [TransitionOperator.of(t) for t in shown]
        return HistoryPageOperator(items=items, next_cursor=next_cursor)
    return HistoryPage(items=[TransitionPublic.of(t) for t in shown], next_cursor=next_cursor)


async def _served(
    request: Request,
    cache: ReadCache,
    subject: tuple[type[Region] | type[Service], str | int],
    filters: dict[str, Any],
    limit: int,
    operator: bool,
) -> Response:
    """One page, built once per data version and view: portals poll the same first page."""
    version = await cache.version()
    model, key = subject

    async def build() -> Encoded:
        async with cache.database.read() as session:
            rows = await store.history(session, **filters, limit=limit + 1)
            if not rows and await session.get(model, key) is None:
                raise NotFound("region" if model is Region else "service", key)
        return Encoded.of(page_of(rows, limit, operator=operator))

    # Path and query only: a key holding the Host header would let any Host evict hot pages.
    page_key = ("history", request.url.path, request.url.query, operator)
    encoded = await cache.get(page_key, version, build)
    return encoded.response(request)


def _filters(
    since: datetime | None,
    until: datetime | None,
    category: list[Category] | None,
    cursor: str | None,
) -> dict[str, Any]:
    start, end = time_range(since, until)
    before = decode_cursor(cursor)
    return {"since": start, "until": end, "categories": category or (), "before": before}


@router.get("/api/v1/regions/{code}/history", response_model=HistoryPage, responses=REGION_404)
async def region_history(
    request: Request,
    code: CodePath,
    cache: ReadCacheDep,
    operator: IsOperator,
    since: Since = None,
    until: Until = None,
    category: Categories = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Response:
    """A region's transitions, newest first; a province's include its regencies and cities.
    With a `services:write` token, each transition's whole evidence (TransitionOperator)."""
    code = region_code_path(code)  # called, not a dependency: those run in a worker thread
    filters = _filters(since, until, category, cursor) | {"region_prefix": code}
    return await _served(request, cache, (Region, code), filters, limit, operator)


@router.get(
    "/api/v1/services/{service_id}/history", response_model=HistoryPage, responses=SERVICE_404
)
async def service_history(
    request: Request,
    service_id: ServiceId,
    cache: ReadCacheDep,
    operator: IsOperator,
    since: Since = None,
    until: Until = None,
    category: Categories = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Response:
    """A service's transitions, newest first; whole evidence as on the region's history."""
    filters = _filters(since, until, category, cursor) | {"service_id": service_id}
    return await _served(request, cache, (Service, service_id), filters, limit, operator)
