"""The outage report page, `/reports`: a GET form (dates, region, cause), the national ranking
by policy downtime, each region's summary and the episodes, with links to the same report as
CSV and JSON. Works without JavaScript; a value the report cannot take is shown back with
what is wrong, status 422."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.core.errors import InvalidInput
from app.http.deps import ReadSession
from app.http.report_query import read_report_query
from app.reads.outage_report import TOO_MANY_EPISODES, outage_report
from app.store.types import utcnow
from app.web.i18n import negotiate
from app.web.pages import AcceptLanguage, LangQuery
from app.web.render import html_response, render_html
from app.web.report_view import ReportForm, report_page

router = APIRouter(include_in_schema=False)

FormField = Annotated[str | None, Query()]


@router.get("/reports")
async def reports(
    session: ReadSession,
    first: Annotated[str | None, Query(alias="from")] = None,
    to: FormField = None,
    region: FormField = None,
    category: FormField = None,
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    chosen = negotiate(lang, accept_language)
    form = ReportForm(first or "", to or "", region or "", category or "")
    now = utcnow()
    report, field = None, None
    try:
        query = read_report_query(first, to, region, category, now=now)
        report = await outage_report(
            session, query.range, region=query.region, category=query.category, now=now
        )
    except InvalidInput as exc:
        field = "too_many" if exc.kind == TOO_MANY_EPISODES else str(exc.location[-1])
    page = report_page(report, form, chosen, error_field=field)
    body = render_html("reports.html", chosen, page=page, w=page.words, other_lang=page.other_lang)
    return html_response(body, chosen, status_code=200 if report is not None else 422)
