"""`/feeds/incidents.atom`: the newest incidents as Atom, for the whole country or, with
`?region=73`, a province and its regencies and cities (`73.73`: that city only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.core.errors import NotFound
from app.core.events import region_matches
from app.http.deps import ReadSession, SettingsDep
from app.http.region_codes import optional_region_code
from app.http.responses import Responses, not_found
from app.store.models import Region
from app.store.types import utcnow
from app.store.waves import list_waves
from app.web.atom import render_feed
from app.web.feed_view import incidents_feed
from app.web.queries import incidents_with_context

router = APIRouter(tags=["feeds"])

ATOM_TYPE = "application/atom+xml"
FEED_SIZE = 50
FEED_DOC: Responses = {
    200: {"content": {ATOM_TYPE: {}}, "description": "An Atom 1.0 feed, newest incident first"},
    **not_found("region has this code"),
}


@router.get("/feeds/incidents.atom", response_class=Response, responses=FEED_DOC)
async def incidents_atom(
    session: ReadSession,
    settings: SettingsDep,
    region: Annotated[
        str | None, Query(description="Region code or province prefix, e.g. `73`")
    ] = None,
) -> Response:
    """The newest incidents, each with its cause, the letters cited and operators' updates,
    and the newest waves (one correlated outage each) touching the region."""
    prefix = optional_region_code(region)
    found = await session.get(Region, prefix) if prefix else None
    if prefix and found is None:
        raise NotFound("region", prefix)
    records = await incidents_with_context(session, region_prefix=prefix, limit=FEED_SIZE)
    waves = [
        w
        for w in await list_waves(session, limit=FEED_SIZE)
        if prefix is None or any(region_matches(code, prefix) for code in w.regions)
    ]
    feed = incidents_feed(
        records,
        waves=waves,
        base_url=settings.public_base_url,
        region=prefix,
        region_name=found.name if found else None,
        now=utcnow(),
    )
    return Response(render_feed(feed), media_type=ATOM_TYPE)
