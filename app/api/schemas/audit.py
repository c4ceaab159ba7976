"""The audit log as admins read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.store.audit import AuditEntry
from app.store.keys import ApiKey


class AuditKey(BaseModel):
    """The key that wrote, as it was then: a key's prefix, name and area never change."""

    id: int
    prefix: str = Field(description="The token's public part")
    name: str
    region_code: str | None = Field(
        description="The key's area (a regency or city, or a province); null: unbound"
    )


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    key_id: int | None
    key: AuditKey | None = Field(description="null for the bootstrap admin token")
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @classmethod
    def of(cls, entry: AuditEntry, key: ApiKey | None = None) -> AuditEntryPublic:
        fields = {name: getattr(entry, name) for name in cls.model_fields if name != "key"}
        shown = AuditKey.model_validate(key, from_attributes=True) if key is not None else None
        return cls.model_validate(fields | {"key": shown})


class AuditPage(BaseModel):
    items: list[AuditEntryPublic]
    next_cursor: str | None
