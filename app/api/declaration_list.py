"""The nationwide list of declarations: every region's letters (cutoffs, warnings, liftings,
infrastructure and VPN faults), newest recorded first, in cursor pages. Public."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.schemas.declarations import DeclarationListed, DeclarationPage
from app.http.deps import ReadSession, SettingsDep
from app.http.paging import Cursor, Since, Until, decode_cursor, encode_cursor, time_range
from app.http.region_codes import RegionPrefix, optional_region_code
from app.http.responses import NOT_MODIFIED
from app.reads.cache import json_response
from app.reads.letters import public_letter_urls
from app.reads.region_shapes import DeclarationPublic
from app.store.declarations import DeclarationKind, list_declarations
from app.store.regions import places

router = APIRouter(prefix="/api/v1/declarations", tags=["declarations"])


@router.get("", response_model=DeclarationPage, responses=NOT_MODIFIED)
async def all_declarations(
    session: ReadSession,
    settings: SettingsDep,
    kind: Annotated[DeclarationKind | None, Query(description="Only this kind")] = None,
    region: RegionPrefix = None,
    since: Since = None,
    until: Until = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """Every region's declarations, newest first by when they were recorded (`created_at`);
    `since`/`until` bound that time."""
    start, end = time_range(since, until)
    rows = await list_declarations(
        session,
        kind=kind,
        region_prefix=optional_region_code(region),
        since=start,
        until=end,
        before=decode_cursor(cursor),
        limit=limit + 1,
    )
    shown = rows[:limit]
    named = await places(session, {d.region_code for d in shown})
    urls = await public_letter_urls(session, (d.id for d in shown), settings.public_base_url)
    items = []
    for declaration in shown:
        place = named.get(declaration.region_code)
        public = DeclarationPublic.model_validate(declaration, from_attributes=True)
        public.letter_url = urls.get(public.id)
        items.append(
            DeclarationListed(
                **public.model_dump(),
                region_name=place.name if place else declaration.region_code,
                province_code=place.province_code if place else None,
                province_name=place.province_name if place else None,
            )
        )
    last = shown[-1] if len(rows) > limit and shown else None
    next_cursor = encode_cursor(last.created_at, last.id or 0) if last else None
    return json_response(DeclarationPage(items=items, next_cursor=next_cursor))
