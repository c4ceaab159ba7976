"""The interactive API documentation, Swagger UI at `/docs` and ReDoc at `/redoc`, with every
script, style sheet and icon served by the service itself: nothing from a CDN, so the docs work
on an intranet that blocks one. The bundles come from the `fastapi-offline` distribution on PyPI
(Swagger UI and ReDoc's standalone build, MIT; see NOTICE), mounted read-only at
`/docs/assets/`; the pages are FastAPI's own (get_swagger_ui_html, get_redoc_html) pointed at
them. Each page gets a Content-Security-Policy of its own (security_headers.py): only this
origin, plus the SHA-256 of Swagger UI's one inline bootstrap script, computed from the page
itself; ReDoc injects its styles at run time and needs inline styles and a blob: worker.

ReDoc's sidebar credit ("API docs by Redocly") always asks for its logo from cdn.redoc.ly. The
CSP would block it, but the attempt still shows in the console (and to an egress filter), so
the bundle is served with that one URL replaced by an empty `data:` image, which fails at once
and hides itself as it does offline."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from importlib import resources

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

SWAGGER_PATH = "/docs"
REDOC_PATH = "/redoc"
ASSETS_PATH = "/docs/assets"
OPENAPI_URL = "/openapi.json"
TITLE = "Pantau API"
_ASSETS_PACKAGE = "fastapi_offline"
# Swagger UI would otherwise fetch a badge from validator.swagger.io for a public spec URL.
SWAGGER_PARAMETERS = {"validatorUrl": None}

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
REDOC_BUNDLE = "redoc.standalone.js"
_REDOC_LOGO = re.compile(rb"https://cdn\.redoc\.ly/[^\"']*")


def _text(page: HTMLResponse) -> str:
    return bytes(page.body).decode()


def swagger_html() -> str:
    return _text(
        get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title=f"{TITLE} — Swagger UI",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
            oauth2_redirect_url=None,
            swagger_ui_parameters=SWAGGER_PARAMETERS,
        )
    )


def redoc_html() -> str:
    return _text(
        get_redoc_html(
            openapi_url=OPENAPI_URL,
            title=f"{TITLE} — ReDoc",
            redoc_js_url=f"{ASSETS_PATH}/{REDOC_BUNDLE}",
            redoc_favicon_url=f"{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )
    )


def inline_script_hashes(html: str) -> list[str]:
    """CSP source expressions (`'sha256-…'`) allowing exactly the page's inline scripts."""
    hashes = []
    for script in _INLINE_SCRIPT.findall(html):
        digest = hashlib.sha256(script.encode()).digest()
        hashes.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return hashes


_SWAGGER = swagger_html()
_REDOC = redoc_html()
_COMMON = "default-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'"
SWAGGER_CSP = (
    f"{_COMMON}; script-src 'self' {' '.join(inline_script_hashes(_SWAGGER))}; "
    "style-src 'self'; frame-ancestors 'none'"
)
REDOC_CSP = (
    f"{_COMMON}; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "worker-src 'self' blob:; frame-ancestors 'none'"
)
DOCS_CSP = {SWAGGER_PATH: SWAGGER_CSP, REDOC_PATH: REDOC_CSP}


def assets_folder() -> str:
    return str(resources.files(_ASSETS_PACKAGE).joinpath("static"))


@cache
def redoc_bundle() -> bytes:
    """ReDoc's standalone bundle as packaged, less its one request to cdn.redoc.ly."""
    with open(f"{assets_folder()}/{REDOC_BUNDLE}", "rb") as bundle:
        return _REDOC_LOGO.sub(b"data:,", bundle.read())


def install_api_docs(app: FastAPI) -> None:
    """The two documentation pages and their assets; the app is made with `docs_url=None`
    and `redoc_url=None`, so FastAPI's CDN-bound pages do not exist."""
    if app.openapi_url != OPENAPI_URL:
        raise ValueError(f"the docs pages read {OPENAPI_URL}, not {app.openapi_url}")

    @app.get(SWAGGER_PATH, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(_SWAGGER)

    @app.get(REDOC_PATH, include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return HTMLResponse(_REDOC)

    @app.get(f"{ASSETS_PATH}/{REDOC_BUNDLE}", include_in_schema=False)
    async def redoc_script() -> Response:
        return Response(redoc_bundle(), media_type="text/javascript")

    app.mount(ASSETS_PATH, StaticFiles(directory=assets_folder()), name="docs-assets")
