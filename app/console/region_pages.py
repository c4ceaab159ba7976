"""One region in the console, and what an operator does there through the API's own
operations: declare (warning, cutoff, lifting, infrastructure or VPN fault, citing the letter
and, multipart, attaching the file itself in the same transaction as the API's multipart
declaration; each declaration's letter downloadable here whoever may read it),
write an incident update, schedule maintenance in the region's zone (previewing its next
occurrences first), add a service.

Each form is read into the API's request model and handed to the API's route function with
the key's Principal, so the scope, the area, the validation and the audit entry are the API's.
A refused form comes back with its values and the problems (422, or 409 for a conflict)."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, UploadFile
from pydantic import BaseModel

from app.api import declarations as declarations_api
from app.api import incident_updates as updates_api
from app.api import letters as letters_api
from app.api import maintenance as maintenance_api
from app.api import services as services_api
from app.api.schemas.declarations import DeclarationCreate
from app.api.schemas.incident_updates import IncidentUpdateCreate
from app.api.schemas.letters import DeclarationForm
from app.api.schemas.maintenance import MaintenanceCreate
from app.console.actions import NOT_HERE, perform, require_scope, submit
from app.console.forms import Invalid, local_instant, parse, problem
from app.console.render import page
from app.console.sessions import Form, Operator, Posted, Refused, SignedIn
from app.console.views import reachable_region, region_console
from app.core.letters import CONSOLE_DECLARE_PATH, Visibility
from app.core.local_format import local_time
from app.core.regions.zones import zone_of
from app.core.windows import InvalidWindow, next_occurrences, validate
from app.http.deps import ClockDep, DatabaseDep, ReadCacheDep, SettingsDep
from app.http.region_codes import region_code_or_none
from app.reads.cache import ReadCache
from app.store.db import Database
from app.store.declarations import Declaration, DeclarationKind
from app.store.incident_updates import UpdateStatus
from app.store.keys import Scope
from app.store.maintenance import MaintenanceWindow
from app.store.service_models import ServiceCreate
from app.workers.clock import Clock

router = APIRouter(prefix="/console", include_in_schema=False)

PREVIEW_COUNT = 5

DONE: dict[str, tuple[str, str]] = {
    "declaration": ("Pernyataan dicatat.", "Declaration recorded."),
    "update": ("Pembaruan insiden diterbitkan.", "Incident update posted."),
    "maintenance": ("Pemeliharaan dijadwalkan.", "Maintenance scheduled."),
    "service": ("Layanan ditambahkan.", "Service added."),
}


def _code(raw: str) -> str:
    return region_code_or_none(raw) or raw


@dataclass(frozen=True, slots=True)
class Desk:
    """The signed-in operator at one region's page, with what showing that page again needs."""

    code: str
    operator: Operator
    database: Database
    cache: ReadCache
    clock: Clock

    def done(self, what: str) -> str:
        return f"/console/regions/{self.code}?done={what}"

    async def render(
        self,
        *,
        status_code: int = 200,
        failed: str | None = None,
        problems: list[Any] | None = None,
        values: Form | None = None,
        preview: list[tuple[str, str]] | None = None,
        done: str | None = None,
    ) -> Response:
        async with self.database.read() as session:
            region = await reachable_region(session, self.operator.principal, self.code)
            view = await region_console(session, self.cache, region, now=self.clock.now())
        return page(
            "console_region.html",
            operator=self.operator,
            status_code=status_code,
            view=view,
            failed=failed,
            problems=problems or [],
            values_for=lambda name: values if values is not None and failed == name else Form({}),
            preview=preview,
            done=DONE.get(done or ""),
            kinds=list(DeclarationKind),
            update_statuses=list(UpdateStatus),
        )

    async def submit(
        self, scope: str, failed: str, form: Form, attempt: Callable[[], Awaitable[str | Response]]
    ) -> Response:
        """The form `failed` names, posted with `scope`: `attempt`'s outcome, or the region's
        page again with the form's values and problems."""
        require_scope(self.operator, scope)

        async def show_refused(exc: Invalid) -> Response:
            return await self.render(
                status_code=exc.status_code, failed=failed, problems=exc.problems, values=form
            )

        return await submit(attempt, show_refused)


def _desk(
    code: str, operator: SignedIn, database: DatabaseDep, cache: ReadCacheDep, clock: ClockDep
) -> Desk:
    return Desk(_code(code), operator, database, cache, clock)


RegionDesk = Annotated[Desk, Depends(_desk)]


@router.get("/regions/{code}")
async def region_page(desk: RegionDesk, done: str | None = None) -> Response:
    return await desk.render(done=done)


def _declaration(form: Form, code: str) -> DeclarationForm:
    zone = zone_of(code)
    values = {
        "kind": form.one("kind"),
        "reference": form.one("reference"),
        "issuer": form.one("issuer"),
        "issued_at": local_instant(form.one("issued_at"), zone),
        "url": form.given("url"),
        "note": form.given("note"),
        "deadline": local_instant(form.one("deadline"), zone),
    }
    return parse(DeclarationForm, values)


class LetterChoice(BaseModel):
    """Who may read the letter attached on the form, refused as the API's form field is."""

    visibility: Visibility | None = None


async def _declare(
    code: str,
    body: DeclarationCreate,
    form: Form,
    operator: Operator,
    database: DatabaseDep,
    settings: SettingsDep,
) -> None:
    """The API's declaration; with a file chosen, the API's multipart one (the declaration
    and its letter in one transaction, so its events link a public letter)."""
    upload = form.file("file")
    if upload is None:
        await perform(declarations_api.declare(code, body, database, operator.principal))
        return
    choice = parse(LetterChoice, {"visibility": form.given("visibility")})
    file = UploadFile(io.BytesIO(upload.data), size=len(upload.data), filename=upload.filename)
    await perform(
        letters_api.declare_with_letter(
            code,
            DeclarationForm.model_validate(body.model_dump()),
            file,
            database,
            settings,
            operator.principal,
            choice.visibility,
        )
    )


@router.post(CONSOLE_DECLARE_PATH.removeprefix(router.prefix))
async def declare(form: Posted, desk: RegionDesk, settings: SettingsDep) -> Response:
    """A declaration from the form (urlencoded, or multipart with the letter's `file` and
    its `visibility`)."""

    async def attempt() -> str:
        body = _declaration(form, desk.code)
        await _declare(desk.code, body, form, desk.operator, desk.database, settings)
        return desk.done("declaration")

    return await desk.submit(Scope.DECLARATIONS_WRITE, "declaration", form, attempt)


@router.get("/declarations/{declaration_id}/letter")
async def download_letter(
    declaration_id: int, operator: SignedIn, database: DatabaseDep, settings: SettingsDep
) -> Response:
    """A declaration's letter in the key's area, served as the API serves it (an attachment,
    never rendered here); an operators-only one needs `declarations:write`, as there."""
    may_read_private = operator.principal.has_scope(Scope.DECLARATIONS_WRITE)
    async with database.read() as session:
        declaration = await session.get(Declaration, declaration_id)
        if declaration is None or not operator.principal.reaches(declaration.region_code):
            raise Refused(404, NOT_HERE)
        return await perform(
            letters_api.download_letter(declaration_id, session, settings, may_read_private)
        )


@router.post("/regions/{code}/incidents/{incident_id}/updates")
async def post_update(incident_id: int, form: Posted, desk: RegionDesk) -> Response:
    values = {
        "status": form.one("status"),
        "body_id": form.one("body_id"),
        "body_en": form.one("body_en"),
    }

    async def attempt() -> str:
        body = parse(IncidentUpdateCreate, values)
        principal = desk.operator.principal
        await perform(updates_api.post_update(incident_id, body, desk.database, principal))
        return desk.done("update")

    return await desk.submit(Scope.DECLARATIONS_WRITE, f"update-{incident_id}", form, attempt)


def _window(form: Form, code: str) -> MaintenanceCreate:
    zone = zone_of(code)
    values = {
        "title": form.one("title"),
        "note": form.given("note"),
        "starts_at": local_instant(form.one("starts_at"), zone),
        "ends_at": local_instant(form.one("ends_at"), zone),
        "timezone": zone.name,
        "rrule": form.given("rrule"),
        "regions": [code],
    }
    return parse(MaintenanceCreate, values)


def _preview(body: MaintenanceCreate, clock: ClockDep, code: str) -> list[tuple[str, str]]:
    """The window's next occurrences from now, in the region's zone; Invalid naming the field
    the window's rules refuse (as the API would on saving it)."""
    spec = MaintenanceWindow(**body.model_dump()).spec
    try:
        validate(spec)
    except InvalidWindow as exc:
        raise Invalid([problem(("body", exc.field), "value_error", str(exc))]) from None
    zone = zone_of(code)
    return [
        (local_time(o.starts_at, zone, "id"), local_time(o.ends_at, zone, "id"))
        for o in next_occurrences(spec, after=clock.now(), limit=PREVIEW_COUNT)
    ]


@router.post("/regions/{code}/maintenance")
async def schedule_maintenance(form: Posted, desk: RegionDesk) -> Response:
    async def attempt() -> str | Response:
        body = _window(form, desk.code)
        if form.one("action") == "preview":
            shown = _preview(body, desk.clock, desk.code)
            return await desk.render(failed="maintenance", values=form, preview=shown)
        await perform(maintenance_api.create_window(body, desk.database, desk.operator.principal))
        return desk.done("maintenance")

    return await desk.submit(Scope.MAINTENANCE_WRITE, "maintenance", form, attempt)


def service_values(form: Form) -> dict[str, Any]:
    """A service form's fields as the API's JSON would carry them (empty ones left out, so
    the model's defaults apply)."""
    values: dict[str, Any] = {"name": form.one("name"), "url": form.one("url")}
    for name in ("interval_seconds", "timeout_seconds", "expected_status"):
        if form.one(name):
            values[name] = form.one(name)
    values["body_contains"] = form.given("body_contains")
    return values


@router.post("/regions/{code}/services")
async def add_service(form: Posted, desk: RegionDesk) -> Response:
    async def attempt() -> str:
        spec = parse(ServiceCreate, {"region_code": desk.code, **service_values(form)})
        principal = desk.operator.principal
        created = await perform(services_api.create_service(spec, desk.database, principal))
        return f"/console/services/{created.id}?done=created"

    return await desk.submit(Scope.SERVICES_WRITE, "service", form, attempt)
