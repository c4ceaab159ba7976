"""A declaration's letter as the upload routes answer it, and the form that declares with the
letter in one request (multipart/form-data: the declaration's fields, `file`, `visibility`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.api.schemas.declarations import DeclarationCreate
from app.core.letters import Visibility
from app.store.letters import Letter

VISIBILITY_HELP = (
    "`public`: linked from every public surface citing the declaration; `operators`: readable "
    "only with a `declarations:write` (or `admin`) token. Default: `operators` for a first "
    "letter, the replaced letter's for a replacement"
)


class LetterPublic(BaseModel):
    """A declaration's letter: what is stored, never the bytes (download them at `url`)."""

    declaration_id: int
    sha256: str = Field(description="SHA-256 of the file, hex: its ETag")
    media_type: str = Field(examples=["application/pdf"], description="Recognised by content")
    size: int = Field(description="Bytes")
    filename: str = Field(
        description="The uploaded name, sanitised (the download is named "
        "after the declaration's reference)"
    )
    visibility: Visibility = Field(description=VISIBILITY_HELP)
    uploaded_at: datetime
    uploaded_by: str = Field(examples=["key:3"])
    url: str = Field(
        description="Where it is downloaded (anonymously only when public)",
        examples=["https://pantau.example.go.id/api/v1/declarations/12/letter"],
    )

    @classmethod
    def of(cls, letter: Letter, url: str) -> LetterPublic:
        # A row read back holds the column's text, not the enum: convert it, or pydantic warns
        # on every dump.
        fields = letter.model_dump(exclude={"content", "visibility"})
        return cls(**fields, visibility=Visibility(letter.visibility), url=url)


OPTIONAL_FIELDS = ("url", "note", "deadline")


class DeclarationForm(DeclarationCreate):
    """The declaration's fields as form fields; an empty optional field (what an HTML form
    sends for a blank input) is as good as absent. `file` and `visibility` are read beside."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (k in OPTIONAL_FIELDS and v == "")}
        return data
