"""A service in the console: edit it, pause or resume it (the API's `PATCH`), and probe it
once on the spot ("Cek sekarang / Check now") with exactly what the checker would send, showing
the reason and evidence as `pantau check` prints them. A check now records nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response

from app.api import services as services_api
from app.checks.run import DueCheck, run_check
from app.console.actions import NOT_HERE, perform, require_scope
from app.console.forms import Invalid, parse
from app.console.region_pages import service_values
from app.console.render import page, see_other
from app.console.sessions import Form, Operator, Posted, Refused, SignedIn
from app.core.domain import CheckRecord
from app.core.local_format import local_time
from app.core.regions.zones import zone_of
from app.http.deps import ClockDep, DatabaseDep
from app.store import services as store
from app.store.checks import check_now
from app.store.keys import Scope
from app.store.models import Service
from app.store.service_models import ServiceOperator, ServiceUpdate

router = APIRouter(prefix="/console", include_in_schema=False)

ROW_ID_MAX = 2**31 - 1
DONE: dict[str, tuple[str, str]] = {
    "created": ("Layanan ditambahkan.", "Service added."),
    "saved": ("Perubahan disimpan.", "Changes saved."),
    "paused": ("Layanan dijeda.", "Service paused."),
    "resumed": ("Layanan dilanjutkan.", "Service resumed."),
}


@dataclass(frozen=True, slots=True)
class CheckShown:
    """One probe's outcome as the page shows it."""

    reason: str
    label: tuple[str, str]
    state: str | None
    status_code: int | None
    latency_ms: float
    evidence: str
    at: str

    @classmethod
    def of(cls, record: CheckRecord, region_code: str) -> CheckShown:
        reason = record.verdict.reason
        return cls(
            reason=str(reason),
            label=(reason.label_id, reason.label_en),
            state=str(reason.state) if reason.state is not None else None,
            status_code=record.result.status_code,
            latency_ms=record.result.latency_ms,
            evidence=json.dumps(record.verdict.evidence, ensure_ascii=False, indent=2),
            at=local_time(record.result.started_at, zone_of(region_code), "id"),
        )


async def _service(database: DatabaseDep, operator: Operator, service_id: int) -> Service:
    """The service, if this key may see it; a 404 page otherwise."""
    if not 1 <= service_id <= ROW_ID_MAX:
        raise Refused(404, NOT_HERE)
    async with database.read() as session:
        service = await store.get_service(session, service_id=service_id)
    if service is None or not operator.principal.reaches(service.region_code):
        raise Refused(404, NOT_HERE)
    return service


def _render(
    operator: Operator,
    service: Service,
    *,
    status_code: int = 200,
    problems: list[Any] | None = None,
    values: Form | None = None,
    check: CheckShown | None = None,
    done: str | None = None,
) -> Response:
    return page(
        "console_service.html",
        operator=operator,
        status_code=status_code,
        service=ServiceOperator.of(service),
        paused=service.is_paused,
        problems=problems or [],
        values=values,
        check=check,
        done=DONE.get(done or ""),
    )


@router.get("/services/{service_id}")
async def service_page(
    service_id: int, operator: SignedIn, database: DatabaseDep, done: str | None = None
) -> Response:
    return _render(operator, await _service(database, operator, service_id), done=done)


async def _update(
    database: DatabaseDep, operator: Operator, service_id: int, values: dict[str, Any]
) -> None:
    require_scope(operator, Scope.SERVICES_WRITE)
    changes = parse(ServiceUpdate, values)
    await perform(services_api.update_service(service_id, changes, database, operator.principal))


@router.post("/services/{service_id}")
async def edit_service(
    service_id: int, form: Posted, operator: SignedIn, database: DatabaseDep
) -> Response:
    service = await _service(database, operator, service_id)
    values = service_values(form)
    try:
        await _update(database, operator, service_id, values)
    except Invalid as exc:
        return _render(
            operator, service, status_code=exc.status_code, problems=exc.problems, values=form
        )
    return see_other(f"/console/services/{service_id}?done=saved")


@router.post("/services/{service_id}/pause")
async def pause_service(
    service_id: int, form: Posted, operator: SignedIn, database: DatabaseDep
) -> Response:
    await _service(database, operator, service_id)
    paused = form.one("paused") == "1"
    try:
        await _update(database, operator, service_id, {"is_paused": paused})
    except Invalid as exc:  # not from a form the console serves
        raise Refused(422, (exc.problems[0].text, exc.problems[0].message)) from None
    return see_other(f"/console/services/{service_id}?done={'paused' if paused else 'resumed'}")


@router.post("/services/{service_id}/check")
async def check_service(
    service_id: int,
    request: Request,
    _form: Posted,
    operator: SignedIn,
    database: DatabaseDep,
    clock: ClockDep,
) -> Response:
    require_scope(operator, Scope.SERVICES_WRITE)
    service = await _service(database, operator, service_id)
    due = DueCheck.of(check_now(service, now=clock.now()))
    record = await run_check(request.app.state.probe_client, due)
    return _render(operator, service, check=CheckShown.of(record, service.region_code))
