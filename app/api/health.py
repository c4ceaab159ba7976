"""Liveness and readiness, for load balancers and container health checks."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.api.schemas.health import Health
from app.http.deps import DatabaseDep
from app.store.migrate import SCHEMA_BEHIND, SchemaCheck

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is alive (it answers); says nothing about its dependencies."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    responses={
        503: {
            "model": Health,
            "description": "The database is unreachable, or its schema is not at head",
        }
    },
)
async def readyz(request: Request, database: DatabaseDep) -> Health | JSONResponse:
    schema_check: SchemaCheck = request.app.state.schema_check
    try:
        await database.ping()
        is_current = await schema_check(database)
    except Exception:  # any driver error means "not ready"; the probe must not 500
        return JSONResponse({"status": "database unreachable"}, status_code=503)
    if not is_current:
        return JSONResponse({"status": SCHEMA_BEHIND}, status_code=503)
    return Health(status="ok")
