"""Jinja2 templates, loaded once per process on first use, rendered into HTML responses that
say which language they speak and that it depends on `Accept-Language`."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from app.web.i18n import Lang


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("app.web", "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(template: str, lang: Lang, **context: Any) -> bytes:
    return environment().get_template(template).render(lang=lang, **context).encode()


def html_response(body: bytes, lang: Lang, *, status_code: int = 200) -> HTMLResponse:
    headers = {"Vary": "Accept-Language", "Content-Language": lang}
    return HTMLResponse(body, status_code=status_code, headers=headers)
