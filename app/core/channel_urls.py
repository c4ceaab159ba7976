"""What may be shown of a chat or push channel's URL (an Apprise URL). Pure.

Such a URL is itself the secret: `tgram://{bot token}/{chat}`, `ntfys://{topic}`,
`discord://{webhook id}/{token}`, `mailtos://user:password@host`. After creation it is shown
only as its scheme and, when the operator chose one, its host and port (`ntfy://127.0.0.1:8080/…`,
`tgram://…`), in responses and the audit log alike; and every part of it that could be a
token is taken out of the error text a delivery attempt records.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

HIDDEN = "…"
SCRUBBED = "***"
PIECE_MIN_CHARS = 4  # shorter pieces are no secret, and scrubbing them would garble the text
_SEPARATORS = re.compile(r"[/:@,+;]")


def scheme_of(url: str) -> str:
    scheme, separator, _ = url.partition("://")
    return scheme.lower() if separator and scheme.isascii() and scheme.isalnum() else ""


def masked_channel_url(url: str, host: str | None = None, port: int | None = None) -> str:
    """`url` as an operator sees it after creation: `scheme://host:port/…` when the URL names
    a host of the operator's choosing (`host`, as the channel's library read it), else
    `scheme://…`. Nothing of the user, password, path, query or fragment."""
    shown = f"{scheme_of(url) or 'apprise'}://"
    if host:
        shown += f"[{host}]" if ":" in host else host
        if port is not None:
            shown += f":{port}"
        shown += "/"
    return shown + HIDDEN


def secret_pieces(url: str, *, host_shown: bool) -> tuple[str, ...]:
    """Every part of `url` that could be a token (user, password, path segments, query values,
    fragment; the host too when it is not one shown), as written and percent-decoded, longest
    first."""
    rest = url.partition("://")[2] if "://" in url else url
    try:
        parts = urlsplit("x://" + rest)
    except ValueError:
        return _longest_first(_SEPARATORS.split(rest))
    userinfo, _, host_port = parts.netloc.rpartition("@")
    pieces = _SEPARATORS.split(userinfo)
    if not host_shown:
        pieces += _SEPARATORS.split(host_port)
    pieces += _SEPARATORS.split(parts.path)
    pieces += [value for _, value in parse_qsl(parts.query, keep_blank_values=True)]
    pieces.append(parts.fragment)
    return _longest_first(pieces)


def _longest_first(pieces: list[str]) -> tuple[str, ...]:
    found = {form for piece in pieces for form in (piece, unquote(piece))}
    kept = (piece for piece in found if len(piece) >= PIECE_MIN_CHARS)
    return tuple(sorted(kept, key=lambda piece: (-len(piece), piece)))


def scrub(text: str, pieces: tuple[str, ...]) -> str:
    """`text` with each of `pieces` replaced by `***`."""
    for piece in pieces:
        text = text.replace(piece, SCRUBBED)
    return text
