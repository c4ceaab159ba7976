"""Email addresses: syntax checked by `email-validator` (no DNS look-up), stored in one form
so the same person is one subscriber. Pure.

The normal form keeps the local part as typed (RFC 5321 leaves its case to the receiving
host) and writes the domain lower-cased in its IDNA (ASCII) form: `Warga@BÜCHER.example` is
`Warga@xn--bcher-kva.example`. An internationalised local part (SMTPUTF8) is kept.
"""

from __future__ import annotations

from email.headerregistry import Address
from email.utils import parseaddr

from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 254  # RFC 5321's limit for a path's address


def normalise_address(text: str) -> str:
    """The normal form of one bare address; ValueError saying what is wrong."""
    if len(text) > MAX_LENGTH:
        raise ValueError(f"an email address has at most {MAX_LENGTH} characters")
    try:
        info = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    return f"{info.local_part}@{info.ascii_domain}"


def parse_sender(value: str) -> Address:
    """`PANTAU_MAIL_FROM`: `pantau@example.go.id` or `Pantau <pantau@example.go.id>`."""
    name, address = parseaddr(value.strip())
    if not address or "@" not in address:
        raise ValueError("expected an address such as Pantau <pantau@example.go.id>")
    local, _, domain = normalise_address(address).rpartition("@")
    return Address(display_name=name, username=local, domain=domain)
