"""The operators' console at `/console`: a second face on the API's own operations, for a
browser, without JavaScript. Sign in once with an API key (a server-side session behind an
`HttpOnly; Secure; SameSite=Strict` cookie, idle and absolute expiry), then see and act on
the regions of the key's area as its scopes allow. Every form post is checked for its origin
and the session's CSRF token."""

from __future__ import annotations

from fastapi import FastAPI

from app.console import region_pages, service_pages, signing, subscription_pages
from app.console.render import refused, sign_in_needed
from app.console.sessions import Refused, SignInNeeded


def install_console(app: FastAPI) -> None:
    app.add_exception_handler(SignInNeeded, sign_in_needed)
    app.add_exception_handler(Refused, refused)
    for module in (signing, region_pages, service_pages, subscription_pages):
        app.include_router(module.router)
