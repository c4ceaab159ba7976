"""What an operator sends to record a declaration (what the API answers for one region is in
app/reads), and the nationwide list's shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from app.core.instants import Instant
from app.core.plain_text import PLAIN_TEXT
from app.reads.region_shapes import DeclarationPublic
from app.store.declarations import DeclarationKind
from app.store.service_models import Url
from app.store.types import utcnow

Text200 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), PLAIN_TEXT
]


class DeclarationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: DeclarationKind
    reference: Text200 = Field(description="The letter's number", examples=["400.8/1234/Dukcapil"])
    issuer: Text200 = Field(examples=["Ditjen Dukcapil Kemendagri"])
    issued_at: Instant = Field(description="The letter's date")
    url: Url | None = None
    note: Annotated[str, StringConstraints(max_length=5000), PLAIN_TEXT] | None = None
    deadline: Instant | None = Field(
        default=None,
        validate_default=True,
        description="Required for a warning, and in the future; not allowed otherwise",
    )

    @field_validator("deadline")
    @classmethod
    def _deadline_only_for_future_warnings(
        cls, value: datetime | None, info: ValidationInfo
    ) -> datetime | None:
        kind = info.data.get("kind")
        if kind != DeclarationKind.WARNING:
            if value is not None:
                raise ValueError("only a warning has a deadline")
            return value
        if value is None:
            raise ValueError("a warning needs its deadline")
        if value <= utcnow():
            raise ValueError("a warning's deadline must be in the future")
        return value


class DeclarationListed(DeclarationPublic):
    """A declaration in the nationwide list, with the region and province it concerns."""

    region_name: str = Field(examples=["Kota Palopo"])
    province_code: str | None = Field(examples=["73"], description="None for a province")
    province_name: str | None = Field(examples=["Sulawesi Selatan"])


class DeclarationPage(BaseModel):
    items: list[DeclarationListed]
    next_cursor: str | None
