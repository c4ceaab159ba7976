"""Imports every table module, so SQLModel.metadata is complete (for Alembic and tests)."""

from app.store.models import Region, Service, Transition

__all__ = ["Region", "Service", "Transition"]
