"""Imports every table module, so SQLModel.metadata is complete (for Alembic and tests)."""

from app.store.agents import Agent, AgentResult
from app.store.audit import AuditEntry
from app.store.console import ConsoleSession, ConsoleSignInFailure
from app.store.declarations import Declaration
from app.store.incident_updates import IncidentUpdate
from app.store.keys import ApiKey
from app.store.letters import Letter
from app.store.mail import Mail, MailRequest, Subscriber, SubscriberRegion
from app.store.maintenance import MaintenanceWindow
from app.store.models import Incident, Region, Service, Transition
from app.store.probes import ProbeSample, ServiceHour
from app.store.waves import Wave, WaveMember
from app.store.webhooks import Delivery, DeliveryAttempt, Subscription, WebhookEvent

__all__ = [
    "Agent",
    "AgentResult",
    "ApiKey",
    "AuditEntry",
    "ConsoleSession",
    "ConsoleSignInFailure",
    "Declaration",
    "Delivery",
    "DeliveryAttempt",
    "Incident",
    "IncidentUpdate",
    "Letter",
    "Mail",
    "MailRequest",
    "MaintenanceWindow",
    "ProbeSample",
    "Region",
    "Service",
    "ServiceHour",
    "Subscriber",
    "SubscriberRegion",
    "Subscription",
    "Transition",
    "Wave",
    "WaveMember",
    "WebhookEvent",
]
