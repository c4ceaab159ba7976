"""Request and response shapes of the citizens' email subscriptions. Field validation lives
here, so every bad field is a 422 naming it; whether the regions exist is checked in the
route (it needs the database)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.core.email_address import MAX_LENGTH, normalise_address
from app.core.regions.code_fields import RegionCodeIn

MAX_REGIONS = 50


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


Email = Annotated[str, Field(max_length=MAX_LENGTH), AfterValidator(normalise_address)]
Regions = Annotated[
    list[RegionCodeIn],
    Field(min_length=1, max_length=MAX_REGIONS),
    AfterValidator(_unique),
]


class SubscriberCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"email": "warga@example.org", "regions": ["73.73"], "lang": "id"}]
        },
    )

    email: Email = Field(description="Where the mail goes; never shown anywhere")
    regions: Regions = Field(
        description="1 to 50 regency, city or province codes (a province covers its regions)"
    )
    lang: Literal["id", "en"] = Field(default="id", description="The mails' language")


class SubscriptionAccepted(BaseModel):
    """The same answer whether or not the address was known."""

    detail: str
    detail_en: str


ACCEPTED = SubscriptionAccepted(
    detail="Jika alamat ini dapat menerima email, kami mengirim tautan konfirmasi ke sana. "
    "Tanpa konfirmasi, tidak ada email lain yang dikirim.",
    detail_en="If this address can receive email, a confirmation link is on its way to it. "
    "Without confirmation, nothing else is sent.",
)
