"""The outage report for oversight: every episode overlapping a range of calendar days, with
its cause, letter and duration, each region's downtime by cause, policy cutoffs and coverage,
and the national ranking by policy downtime; as JSON or as CSV. Public."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response

from app.api.schemas.reports import (
    OutageReport,
    RankedRegion,
    ReportEpisode,
    ReportLetter,
    ReportRegion,
    TimeZoneName,
)
from app.core.reports import REPORT_ZONE
from app.http.deps import ReadSession, SettingsDep
from app.http.report_query import ReportQuery, ReportQueryDep
from app.http.responses import NOT_MODIFIED
from app.reads import outage_report as reads
from app.reads.region_shapes import reason_label
from app.store.regions import Place
from app.store.types import utcnow

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {}},
        "description": "One row per episode: " + ", ".join(reads.CSV_HEADER),
    }
}


async def _report(session: ReadSession, query: ReportQuery, now: datetime) -> reads.OutageReport:
    return await reads.outage_report(
        session, query.range, region=query.region, category=query.category, now=now
    )


@router.get("/outages", response_model=OutageReport, responses=NOT_MODIFIED)
async def outages(session: ReadSession, query: ReportQueryDep, settings: SettingsDep) -> Response:
    """Episodes overlapping the days `from` … `to` (both included, read in WIB: 00:00 WIB of
    `from` until 24:00 WIB of `to`), oldest first, with times also in each region's own zone;
    regions' downtime by cause within the range, policy cutoffs and coverage; the ranking by
    policy downtime. At most 400 days; at most 10 000 episodes (else 422: narrow it)."""
    report = await _report(session, query, utcnow())
    body = report_document(report, settings.public_base_url)
    return Response(body.model_dump_json(by_alias=True), media_type="application/json")


@router.get("/outages.csv", response_class=Response, responses={**CSV_RESPONSE, **NOT_MODIFIED})
async def outages_csv(
    session: ReadSession, query: ReportQueryDep, settings: SettingsDep
) -> Response:
    """The same episodes as CSV (UTF-8): times in the region's zone with their UTC offset,
    `duration_seconds` the whole episode, the letter's date as the day it bears there. Text
    cells that a spreadsheet would read as a formula start with `'`."""
    report = await _report(session, query, utcnow())
    name = reads.csv_filename(query.range.first, query.range.last)
    return Response(
        reads.outage_csv(report, settings.public_base_url),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _letter(letter: reads.Letter, base_url: str) -> ReportLetter:
    return ReportLetter(
        kind=letter.kind,
        reference=letter.reference,
        issuer=letter.issuer,
        issued_at=letter.issued_at,
        url=letter.url,
        letter_url=letter.letter_url(base_url),
    )


def _where(place: Place) -> dict[str, str | None]:
    """The region and province fields every part of the report names."""
    return {
        "region_code": place.code,
        "region_name": place.name,
        "province_code": place.province_code,
        "province_name": place.province_name,
    }


def _episode(e: reads.ReportEpisode, base_url: str) -> ReportEpisode:
    label = reason_label(e.facts.reason)
    assert label is not None
    return ReportEpisode(
        **_where(e.place),
        id=e.facts.id,
        category=e.facts.category,
        reason=e.facts.reason,
        reason_label=label,
        started_at=e.facts.started_at,
        ended_at=e.facts.ended_at,
        time_zone=TimeZoneName(name=e.zone.name, label=e.zone.label),
        started_local=e.started_local,
        ended_local=e.ended_local,
        duration_seconds=e.seconds,
        duration_in_range_seconds=e.seconds_in_range,
        letter=None if e.letter is None else _letter(e.letter, base_url),
        letters=[_letter(x, base_url) for x in e.letters],
    )


def _region(r: reads.ReportRegion) -> ReportRegion:
    return ReportRegion(
        **_where(r.place),
        episodes=r.totals.episodes,
        downtime_seconds=r.totals.downtime_seconds,
        downtime_by_category=r.totals.downtime_by_category,
        policy_cutoffs=r.totals.policy_cutoffs,
        coverage=r.coverage.ratio,
        observed_seconds=r.coverage.observed_seconds,
        monitored_since=r.monitored_since,
    )


def report_document(report: reads.OutageReport, base_url: str) -> OutageReport:
    """The JSON document; letters' links below `base_url` (PANTAU_PUBLIC_URL)."""
    regions = {r.place.code: r.place for r in report.regions}
    return OutageReport(
        from_=report.range.first,
        to=report.range.last,
        time_zone=REPORT_ZONE.name,
        start=report.range.start.astimezone(UTC),
        end=report.range.end.astimezone(UTC),
        region=report.region,
        category=report.category,
        generated_at=report.generated_at,
        episodes=[_episode(e, base_url) for e in report.episodes],
        regions=[_region(r) for r in report.regions],
        ranking=[
            RankedRegion(
                rank=r.rank,
                region_code=r.region_code,
                region_name=regions[r.region_code].name,
                province_name=regions[r.region_code].province_name,
                policy_downtime_seconds=r.policy_seconds,
                policy_cutoffs=r.policy_cutoffs,
            )
            for r in report.ranking
        ],
    )
