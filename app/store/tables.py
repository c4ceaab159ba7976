"""Imports every table module, so SQLModel.metadata is complete (for Alembic and tests)."""

from app.store.models import Incident, Region, Service, Transition
from app.store.probes import ProbeSample, ServiceHour

__all__ = ["Incident", "ProbeSample", "Region", "Service", "ServiceHour", "Transition"]
