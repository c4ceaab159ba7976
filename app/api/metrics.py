"""`GET /metrics`: Prometheus text format, for the process that answers (each replica keeps
its own counters; the database-backed gauges are the same on every replica)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.http.deps import DatabaseDep, MetricsDep

router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=Response, include_in_schema=False)
async def metrics(found: MetricsDep, database: DatabaseDep) -> Response:
    async with database.read() as session:
        await found.refresh(session)
    return Response(found.render(), media_type=CONTENT_TYPE_LATEST)
