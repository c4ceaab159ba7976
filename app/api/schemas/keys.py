"""API keys: what admins send, and what they see."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.core.plain_text import PLAIN_TEXT
from app.core.regions.code_fields import RegionCodeIn
from app.store.keys import ApiKey, Scope


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), PLAIN_TEXT
    ]
    scopes: list[Scope] = Field(min_length=1, examples=[["declarations:write"]])
    region_code: RegionCodeIn | None = Field(
        default=None,
        description="Binds the key to an area: a regency or city (`73.73`), or a province"
        " (`73`) with its regencies and cities. Every write the key makes must concern the"
        " area, else a 403 naming the region; an `agent:push` key pushes for the area's agents."
        " Not with `admin`. The area never changes: revoke the key and issue another",
        examples=["73.73"],
    )


class KeyPublic(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The token's public part, to recognise it")
    scopes: list[Scope]
    region_code: str | None = None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyPublic:
        return cls.model_validate(key, from_attributes=True)


class KeyIssued(KeyPublic):
    token: str = Field(description="Shown this once; Pantau keeps only its hash")
