"""The outage report's query (`from`, `to`, `region`, `category`), read once for the JSON and
CSV routes and the `/reports` page: dates are `YYYY-MM-DD` calendar days in WIB
(`app/core/reports.py`), both included; anything else is a 422 naming the parameter. An empty
value (a form's blank field) is the same as none, except for the API's `category`, which
OpenAPI lists as an enumeration."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Query

from app.core.domain import Category
from app.core.errors import InvalidInput
from app.core.reports import ReportRange, default_days, range_problem, report_range
from app.http.region_codes import RegionPrefix, optional_region_code
from app.store.types import utcnow

_DATE = re.compile(r"20[0-9]{2}-[0-9]{2}-[0-9]{2}")  # years 2000–2099, as every instant

FromDay = Annotated[
    str | None,
    Query(
        alias="from",
        max_length=10,
        description="First day, `YYYY-MM-DD`, from 00:00 WIB (default: 29 days before `to`)",
        examples=["2026-11-01"],
    ),
]
ToDay = Annotated[
    str | None,
    Query(
        max_length=10,
        description="Last day included, `YYYY-MM-DD`, until 24:00 WIB (default: today); "
        "at most 400 days from `from`",
        examples=["2026-11-30"],
    ),
]
CategoryFilter = Annotated[
    Category | None,
    Query(
        description="Only episodes whose governing cause is of this category",
        examples=["policy"],
    ),
]


@dataclass(frozen=True, slots=True)
class ReportQuery:
    range: ReportRange
    region: str | None
    category: Category | None


def read_report_query(
    first: str | None,
    last: str | None,
    region: str | None,
    category: str | None,
    *,
    now: datetime,
) -> ReportQuery:
    last_day = _day(last, "to") or default_days(now)[1]
    first_day = _day(first, "from") or default_days(now, last_day)[0]
    problem = range_problem(first_day, last_day)
    if problem is not None:
        field, message = problem
        raise InvalidInput(("query", field), message, last_day.isoformat())
    return ReportQuery(
        range=report_range(first_day, last_day),
        region=optional_region_code(region or None),
        category=_category(category or None),
    )


def _day(value: str | None, field: str) -> date | None:
    if not value:
        return None
    if _DATE.fullmatch(value) is None:
        raise InvalidInput(("query", field), "a date as YYYY-MM-DD, years 2000–2099", value)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(("query", field), "not a calendar date", value) from None


def _category(value: str | None) -> Category | None:
    if value is None:
        return None
    try:
        return Category(value)
    except ValueError:
        known = ", ".join(str(c) for c in Category)
        raise InvalidInput(("query", "category"), f"one of: {known}", value) from None


def report_query(
    first: FromDay = None,
    to: ToDay = None,
    region: RegionPrefix = None,
    category: CategoryFilter = None,
) -> ReportQuery:
    """The API's dependency: the query read now."""
    return read_report_query(first, to, region, category and str(category), now=utcnow())


ReportQueryDep = Annotated[ReportQuery, Depends(report_query)]
