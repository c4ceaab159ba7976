"""Uptime by cause over a window ending now, for a region (the worst of its services at each
instant) or one service, with its coverage (the share of the window observed), whether the
percentage stands for the window, and since when there is data. Definitions in
`app/core/uptime_maths.py` and `app/core/uptime_coverage.py`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from app.api.schemas.uptime import DowntimeByCategory, Figure, UptimeReport, WindowName
from app.core.errors import NotFound
from app.core.uptime_coverage import coverage_of, coverage_ratio
from app.core.uptime_maths import WINDOWS, Span, Uptime, service_spans, uptime, worst_spans
from app.http.deps import ReadSession
from app.http.region_codes import RegionCode
from app.http.responses import not_found
from app.reads.cache import json_response
from app.reads.region_shapes import Label
from app.store.history import data_since, uptime_marks, watched_services
from app.store.models import Region, Service
from app.store.types import utcnow

router = APIRouter(tags=["uptime"])

WindowQuery = Annotated[WindowName, Query(description="How far back from now")]
ServiceId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CITIZENS = Label(id="Ketersediaan bagi warga", en="Availability to citizens")
OFFICE = Label(
    id="Catatan kantor (tanpa pemeliharaan terjadwal dan gangguan pemantau)",
    en="The office's own record (declared maintenance and monitor faults left out)",
)
REGION_404 = not_found("region has this code")
SERVICE_404 = not_found("service has this id")


def report(
    result: Uptime,
    *,
    window: WindowName,
    start: datetime,
    end: datetime,
    region_code: str | None = None,
    service_id: int | None = None,
    since: datetime | None = None,
) -> UptimeReport:
    observed = result.observed_seconds
    office_observed = max(0.0, observed - result.office_excluded_seconds)
    window_coverage = coverage_of(result)
    office_down = result.down_seconds - result.office_excluded_down_seconds
    excluded = result.office_excluded_seconds
    downtime = {str(category): s for category, s in result.down_by_category.items()}
    return UptimeReport(
        region_code=region_code,
        service_id=service_id,
        window=window,
        start=start,
        end=end,
        window_seconds=result.window_seconds,
        citizens=Figure(
            label=CITIZENS,
            uptime_percent=result.citizens_percent,
            downtime_seconds=result.down_seconds,
            observed_seconds=observed,
            excluded_seconds=0.0,
            coverage=window_coverage.ratio,
        ),
        office=Figure(
            label=OFFICE,
            uptime_percent=result.office_percent,
            downtime_seconds=max(0.0, office_down),
            observed_seconds=office_observed,
            excluded_seconds=excluded,
            coverage=coverage_ratio(office_observed, result.window_seconds),
        ),
        downtime_by_category=DowntimeByCategory.model_validate(downtime),
        degraded_seconds=result.degraded_seconds,
        unmonitored_seconds=result.unmonitored_seconds,
        coverage=window_coverage.ratio,
        coverage_verdict=window_coverage.verdict,
        monitored_since=since,
    )


async def _spans(
    session: ReadSession, service_ids: list[int], start: datetime, end: datetime
) -> list[list[Span]]:
    marks = await uptime_marks(session, service_ids=service_ids, start=start, end=end)
    return [service_spans(marks[i], start=start, end=end) for i in service_ids]


@router.get("/api/v1/regions/{code}/uptime", response_model=UptimeReport, responses=REGION_404)
async def region_uptime(
    code: RegionCode, session: ReadSession, window: WindowQuery = "30d"
) -> Response:
    """Uptime % and downtime by cause; the region is down whenever its worst non-paused
    service is (a province: any of its services)."""
    if await session.get(Region, code) is None:
        raise NotFound("region", code)
    end = utcnow()
    start = end - WINDOWS[window]
    service_ids = await watched_services(session, region_prefix=code)
    spans = worst_spans(await _spans(session, service_ids, start, end))
    result = uptime(spans, start=start, end=end)
    since = await data_since(session, service_ids=service_ids)
    shown = report(result, window=window, start=start, end=end, region_code=code, since=since)
    return json_response(shown)


@router.get(
    "/api/v1/services/{service_id}/uptime", response_model=UptimeReport, responses=SERVICE_404
)
async def service_uptime(
    service_id: ServiceId, session: ReadSession, window: WindowQuery = "30d"
) -> Response:
    """Uptime % and downtime by cause of one service."""
    service = await session.get(Service, service_id)
    if service is None:
        raise NotFound("service", service_id)
    end = utcnow()
    start = end - WINDOWS[window]
    (spans,) = await _spans(session, [service_id], start, end)
    result = uptime(spans, start=start, end=end)
    return json_response(
        report(
            result,
            window=window,
            start=start,
            end=end,
            region_code=service.region_code,
            service_id=service_id,
            since=await data_since(session, service_ids=[service_id]),
        )
    )
