"""Pages of services (the service model family itself is in app/store)."""

from __future__ import annotations

from pydantic import BaseModel

from app.store.service_models import ServiceOperator, ServicePublic


class ServicePage(BaseModel):
    items: list[ServicePublic]
    next_cursor: str | None


class ServicePageOperator(BaseModel):
    items: list[ServiceOperator]
    next_cursor: str | None
