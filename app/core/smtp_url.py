"""`PANTAU_SMTP_URL`: where citizens' mail is handed over. Pure.

- `smtp://host[:port]` — plain SMTP (port 25), no TLS: a relay on the same host or network.
- `smtps://user:pass@host[:port]` — TLS from the first byte (port 465).
- `smtp+starttls://user:pass@host[:port]` — plain, then STARTTLS, required (port 587).

User and password are percent-decoded (`%40` for an `@` in a user name). Nothing else may
follow the host: a path, query or fragment is refused, so a typo does not pass silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote, urlsplit

FORMS = "smtp://HOST:PORT, smtps://USER:PASSWORD@HOST:465 or smtp+starttls://USER:PASSWORD@HOST:587"


class SmtpSecurity(StrEnum):
    PLAIN = "plain"
    TLS = "tls"  # implicit TLS (smtps)
    STARTTLS = "starttls"


_SCHEMES = {
    "smtp": (SmtpSecurity.PLAIN, 25),
    "smtps": (SmtpSecurity.TLS, 465),
    "smtp+starttls": (SmtpSecurity.STARTTLS, 587),
}


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    host: str
    port: int
    security: SmtpSecurity
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # never a password in a log line
        user = f"{self.username}:***@" if self.username else ""
        return f"SmtpTarget({self.security}://{user}{self.host}:{self.port})"


def parse_smtp_url(value: str) -> SmtpTarget:
    """The target an SMTP URL names; ValueError saying what is wrong (never the password)."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        raise ValueError(f"not a URL with a valid port; expected {FORMS}") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise ValueError(f"unknown scheme {scheme or '(none)'!r}; expected {FORMS}")
    if not parts.hostname:
        raise ValueError(f"no host; expected {FORMS}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"nothing may follow the host and port; expected {FORMS}")
    if parts.password is not None and not parts.username:
        raise ValueError(f"a password without a user name; expected {FORMS}")
    security, default_port = _SCHEMES[scheme]
    return SmtpTarget(
        host=parts.hostname,
        port=port or default_port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )
