"""The audit log as admins read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from app.store.audit import AuditEntry


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    key_id: int | None
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryPublic:
        return cls.model_validate(entry, from_attributes=True)


class AuditPage(BaseModel):
    items: list[AuditEntryPublic]
    next_cursor: str | None
