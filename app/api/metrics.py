"""`GET /metrics`: Prometheus text format, for the process that answers (each replica keeps
its own counters; the database-backed gauges are the same on every replica)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.metrics import Metrics
from app.store.db import Database

router = APIRouter(tags=["operations"])


def metrics_of(app: FastAPI) -> Metrics:
    """The checker's metrics when it runs here, otherwise this app's own set."""
    checker = getattr(app.state, "checker", None)
    if checker is not None:
        metrics: Metrics = checker.metrics
        return metrics
    if getattr(app.state, "metrics", None) is None:
        app.state.metrics = Metrics()
    own: Metrics = app.state.metrics
    return own


@router.get("/metrics", response_class=Response, include_in_schema=False)
async def metrics(request: Request) -> Response:
    found = metrics_of(request.app)
    database: Database = request.app.state.db
    async with database.read() as session:
        await found.refresh(session)
    return Response(found.render(), media_type=CONTENT_TYPE_LATEST)
