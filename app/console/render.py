"""The console's responses: its pages (the web layer's templates, `console_*.html`), never
cached, and its redirects after a post (303, so a reload does not post again)."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from app.console.sessions import Operator, Refused, SignInNeeded, clear_cookie
from app.web.render import html_response, render_html

NO_STORE = {"Cache-Control": "no-store"}
LOGIN = "/console/login"


def page(
    template: str,
    *,
    operator: Operator | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    body = render_html(template, "id", operator=operator, **context)
    response = html_response(body, "id", status_code=status_code)
    response.headers.update(NO_STORE)
    return response


def see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303, headers=NO_STORE)


async def sign_in_needed(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInNeeded)
    response = see_other(LOGIN)
    clear_cookie(response)
    return response


async def refused(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    response = page("console_error.html", status_code=exc.status_code, message=exc.message)
    response.headers.update(exc.headers)
    return response
