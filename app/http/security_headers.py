"""Security headers on every response: `nosniff` and a Referrer-Policy everywhere; on HTML a
Content-Security-Policy that forbids framing, except the widget, which exists to be framed
by municipal portals. The interactive API docs (api_docs.py) get policies of their own: still
only this origin, plus Swagger UI's hashed bootstrap script and ReDoc's run-time styles."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.api_docs import DOCS_CSP

WIDGET_PREFIX = "/widget/"
_PAGE_SOURCES = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'"
)
PAGE_CSP = f"{_PAGE_SOURCES}; frame-ancestors 'none'"
WIDGET_CSP = f"{_PAGE_SOURCES}; frame-ancestors *"
ALWAYS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


# The operators' console's form posts must carry their Origin (its CSRF check reads it): under
# `no-referrer` a browser sends `Origin: null` with a form post, so its pages say `same-origin`.
CONSOLE_PREFIX = "/console"
CONSOLE_REFERRER_POLICY = {"Referrer-Policy": "same-origin"}


def is_console(path: str) -> bool:
    """Whether `path` is the operators' console's (cookie sessions, never CORS)."""
    return path == CONSOLE_PREFIX or path.startswith(CONSOLE_PREFIX + "/")


def security_headers(path: str, content_type: str) -> dict[str, str]:
    """The headers a response to `path` with this Content-Type must carry."""
    headers = dict(ALWAYS)
    if is_console(path):
        headers |= CONSOLE_REFERRER_POLICY
    if not content_type.lower().startswith("text/html"):
        return headers
    if path.startswith(WIDGET_PREFIX):
        return headers | {"Content-Security-Policy": WIDGET_CSP}
    policy = DOCS_CSP.get(path, PAGE_CSP)
    return headers | {"Content-Security-Policy": policy, "X-Frame-Options": "DENY"}


class SecurityHeaders:
    """Sets the headers above on each response, over whatever a route set itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                wanted = security_headers(path, headers.get("content-type", ""))
                if "X-Frame-Options" not in wanted:
                    del headers["X-Frame-Options"]
                for name, value in wanted.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_secured)
