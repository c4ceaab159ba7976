"""The outage report's JSON shape (`GET /api/v1/reports/outages`)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from app.core.domain import Category, Reason
from app.reads.region_shapes import Label


class TimeZoneName(BaseModel):
    name: str = Field(examples=["Asia/Makassar"])
    label: str = Field(examples=["WITA"])


class ReportLetter(BaseModel):
    """A letter the episode's transitions cite."""

    kind: str = Field(examples=["cutoff"])
    reference: str = Field(examples=["400.8/1234/Dukcapil"])
    issuer: str = Field(examples=["Ditjen Dukcapil Kemendagri"])
    issued_at: datetime | None = Field(description="The letter's date")
    url: str | None
    letter_url: str | None = Field(
        default=None,
        description="The letter itself (a PDF or image), when attached and public",
        examples=["https://pantau.example.go.id/api/v1/declarations/12/letter"],
    )


class ReportEpisode(BaseModel):
    """One incident overlapping the range."""

    id: int = Field(description="The incident (`/api/v1/incidents/{id}`)")
    region_code: str = Field(examples=["73.73"])
    region_name: str = Field(examples=["Kota Palopo"])
    province_code: str | None = Field(examples=["73"])
    province_name: str | None = Field(examples=["Sulawesi Selatan"])
    category: Category = Field(description="Of the governing cause")
    reason: Reason = Field(description="The governing cause")
    reason_label: Label
    started_at: datetime
    ended_at: datetime | None = Field(description="None while it goes on")
    time_zone: TimeZoneName = Field(description="The region's zone")
    started_local: datetime = Field(description="`started_at` in the region's zone")
    ended_local: datetime | None
    duration_seconds: float = Field(description="The whole episode, until now while it goes on")
    duration_in_range_seconds: float = Field(description="Its part within the range")
    letter: ReportLetter | None = Field(
        description="The letter it is reported under: the first declaring one cited, else the "
        "first cited (a lifting)"
    )
    letters: list[ReportLetter] = Field(description="Every letter cited, in order")


class ReportRegion(BaseModel):
    """A region with any episode in the range."""

    region_code: str = Field(examples=["73.73"])
    region_name: str = Field(examples=["Kota Palopo"])
    province_code: str | None = Field(examples=["73"])
    province_name: str | None = Field(examples=["Sulawesi Selatan"])
    episodes: int
    downtime_seconds: float = Field(description="Within the range, every cause")
    downtime_by_category: dict[Category, float] = Field(
        description="Within the range, split by the causes of each episode's reason timeline"
    )
    policy_cutoffs: int = Field(description="Episodes whose governing cause is policy")
    coverage: float = Field(
        ge=0, le=1, description="Share of the range (up to now) its services were observed"
    )
    observed_seconds: float
    monitored_since: datetime | None = Field(description="Its services' first transition")


class RankedRegion(BaseModel):
    rank: int = Field(description="1 for the most; equal figures share a rank")
    region_code: str = Field(examples=["73.73"])
    region_name: str = Field(examples=["Kota Palopo"])
    province_name: str | None = Field(examples=["Sulawesi Selatan"])
    policy_downtime_seconds: float
    policy_cutoffs: int


class OutageReport(BaseModel):
    model_config = ConfigDict(validate_by_name=True, serialize_by_alias=True)

    from_: date = Field(alias="from", description="First day, included")
    to: date = Field(description="Last day, included")
    time_zone: str = Field(
        examples=["Asia/Jakarta"], description="The zone `from` and `to` are read in (WIB)"
    )
    start: datetime = Field(description="00:00 WIB of `from`")
    end: datetime = Field(description="00:00 WIB of the day after `to` (excluded)")
    region: str | None = Field(description="The region filter, normalised")
    category: Category | None
    generated_at: datetime
    episodes: list[ReportEpisode] = Field(description="Oldest first")
    regions: list[ReportRegion] = Field(description="In code order")
    ranking: list[RankedRegion] = Field(
        description="Regions with any policy downtime in the range, most first"
    )
