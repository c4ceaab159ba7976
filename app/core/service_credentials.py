"""Credentials a probe sends, as an operator may give them: a write-only `basic_auth` field, or
userinfo in the URL (`https://user:pass@host/…`), which is moved into that field so a URL
never carries them. Nothing here is ever shown: no route, event, page or audit entry."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from app.core.disclosure import split_userinfo
from app.core.plain_text import PLAIN_TEXT


def _no_colon(value: str) -> str:
    if ":" in value:
        raise ValueError("a basic-auth username cannot contain ':' (RFC 7617)")
    return value


def no_userinfo(url: str) -> str:
    # Reached only when basic_auth is sent too: otherwise the userinfo was moved there.
    if split_userinfo(url)[1] is not None:
        raise ValueError("URL carries credentials and basic_auth is set too: send them once")
    return url


# Base64-encoded into a header, so any text would do there; the store needs it to be text.
Username = Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_colon), PLAIN_TEXT]
Password = Annotated[str, StringConstraints(max_length=1000), PLAIN_TEXT]


class BasicAuth(BaseModel):
    """HTTP Basic credentials for the probe. Write-only."""

    model_config = ConfigDict(extra="forbid")

    username: Username
    password: Password = Field(repr=False)


def userinfo_into_basic_auth(data: Any) -> Any:
    """The raw input with `url`'s userinfo moved into `basic_auth`, unless that is set too
    (then `no_userinfo` refuses the URL: which of the two was meant is not ours to guess)."""
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        return data
    url, userinfo = split_userinfo(data["url"].strip())
    if userinfo is None or data.get("basic_auth") is not None:
        return data
    username, password = userinfo
    return data | {"url": url, "basic_auth": {"username": username, "password": password}}
