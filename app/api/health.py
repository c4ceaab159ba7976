"""Liveness and readiness, for load balancers and container health checks."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.api.deps import DatabaseDep

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is alive (it answers); says nothing about its dependencies."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database is unreachable"}},
)
async def readyz(database: DatabaseDep) -> Health | JSONResponse:
    try:
        await database.ping()
    except Exception:  # any driver error means "not ready"; the probe must not 500
        return JSONResponse({"status": "database unreachable"}, status_code=503)
    return Health(status="ok")
