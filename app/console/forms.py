"""From the console's forms to the API's request shapes, and back from their refusals to
messages: a form is read into the same pydantic model the API validates (so a field is
refused for the same reason), and each refusal is shown with the field's name in Indonesian
and English, an Indonesian gist, and the API's own message.

Times are typed in the region's own zone (`app/core/regions/zones.py`): a `datetime-local`
field `2026-12-20T22:00` for Palopo is 22.00 WITA.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.core.errors import InvalidInput
from app.core.regions.zones import Zone

M = TypeVar("M", bound=BaseModel)

# A field's name → (Indonesian, English), as the forms label it.
FIELDS: dict[str, tuple[str, str]] = {
    "kind": ("Jenis", "Kind"),
    "reference": ("Nomor surat", "Letter number"),
    "issuer": ("Penerbit surat", "Issuer"),
    "issued_at": ("Tanggal surat", "Letter date"),
    "url": ("URL", "URL"),
    "note": ("Catatan", "Note"),
    "deadline": ("Tenggat", "Deadline"),
    "status": ("Status", "Status"),
    "body_id": ("Isi (Indonesia)", "Text (Indonesian)"),
    "body_en": ("Isi (Inggris)", "Text (English)"),
    "title": ("Judul", "Title"),
    "starts_at": ("Mulai", "Starts"),
    "ends_at": ("Selesai", "Ends"),
    "timezone": ("Zona waktu", "Time zone"),
    "rrule": ("Aturan pengulangan", "Repeat rule"),
    "regions": ("Daerah", "Regions"),
    "service_ids": ("Layanan", "Services"),
    "region_code": ("Daerah", "Region"),
    "name": ("Nama", "Name"),
    "interval_seconds": ("Interval (detik)", "Interval (seconds)"),
    "timeout_seconds": ("Batas waktu (detik)", "Timeout (seconds)"),
    "expected_status": ("Kode status yang diharapkan", "Expected status code"),
    "body_contains": ("Isi harus memuat", "Body must contain"),
    "is_paused": ("Dijeda", "Paused"),
    "description": ("Keterangan", "Description"),
    "region_prefixes": ("Daerah", "Regions"),
    "event_types": ("Jenis peristiwa", "Event types"),
    "channel": ("Saluran", "Channel"),
    "file": ("Berkas surat", "Letter file"),
    "visibility": ("Siapa boleh membaca surat", "Who may read the letter"),
}

# pydantic's error types → what they mean, in Indonesian.
_GIST: dict[str, str] = {
    "missing": "wajib diisi",
    "string_too_short": "wajib diisi",
    "string_too_long": "terlalu panjang",
    "too_long": "terlalu banyak",
    "int_parsing": "harus berupa bilangan bulat",
    "float_parsing": "harus berupa angka",
    "greater_than": "terlalu kecil",
    "greater_than_equal": "terlalu kecil",
    "less_than": "terlalu besar",
    "less_than_equal": "terlalu besar",
    "enum": "pilihan tidak dikenal",
    "literal_error": "pilihan tidak dikenal",
    "datetime_parsing": "bukan tanggal dan waktu yang sah",
    "datetime_from_date_parsing": "bukan tanggal dan waktu yang sah",
    "url_parsing": "bukan URL yang sah",
    "url_scheme": "bukan URL http(s)",
    "extra_forbidden": "tidak dikenal",
    "conflict": "bertentangan dengan keadaan saat ini",
    "letter_type": "bukan berkas PDF, PNG atau JPEG",
    "too_large": "terlalu besar",
}
_DEFAULT_GIST = "tidak sah"


@dataclass(frozen=True, slots=True)
class Problem:
    """One refused field: where (the API's `loc`), its name, and the messages."""

    field: str
    label: tuple[str, str]
    gist: str  # Indonesian
    message: str  # the API's

    @property
    def text(self) -> str:
        return f"{self.label[0]} / {self.label[1]}: {self.gist} — {self.message}"


def _field(loc: Sequence[str | int]) -> str:
    names = [str(part) for part in loc if isinstance(part, str) and part not in ("body", "path")]
    return names[0] if names else "form"


def problem(loc: Sequence[str | int], kind: str, message: str) -> Problem:
    name = _field(loc)
    label = FIELDS.get(name, (name, name))
    return Problem(name, label, _GIST.get(kind, _DEFAULT_GIST), message)


def problems_of(exc: ValidationError | InvalidInput) -> list[Problem]:
    if isinstance(exc, InvalidInput):
        return [problem(exc.location, exc.kind, exc.message)]
    found = []
    for error in exc.errors(include_url=False):
        message = str(error["msg"]).removeprefix("Value error, ")
        found.append(problem(error["loc"], str(error["type"]), message))
    return found


class Invalid(Exception):
    """A form the API's model refused: each problem names its field."""

    def __init__(self, problems: list[Problem], *, status_code: int = 422) -> None:
        super().__init__("; ".join(p.text for p in problems))
        self.problems = problems
        self.status_code = status_code


def parse(model: type[M], values: Mapping[str, Any]) -> M:
    """`model` validated from `values` as the API validates a JSON body; Invalid if not."""
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        raise Invalid(problems_of(exc)) from None


def local_instant(value: str, zone: Zone) -> str | None:
    """A `datetime-local` (`2026-12-20T22:00`) or `date` (`2026-12-20`, at midnight) field
    read in `zone`, as ISO 8601 with its offset; the text as typed when it is neither (the
    model then refuses it, naming the field); None when empty."""
    value = value.strip()
    if not value:
        return None
    try:
        if "T" in value:
            local = datetime.fromisoformat(value)
        else:
            local = datetime.combine(date.fromisoformat(value), time())
    except ValueError:
        return value
    if local.tzinfo is not None:
        return value
    return local.replace(tzinfo=zone.tz).isoformat()


def local_field(at: datetime | None, zone: Zone) -> str:
    """An instant as a `datetime-local` field's value in `zone`."""
    return at.astimezone(zone.tz).strftime("%Y-%m-%dT%H:%M") if at is not None else ""
