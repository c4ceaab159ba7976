"""`/map.svg`: the national status map as an SVG document of its own, for a portal's `<img>`
or a newsroom. The same shapes, classes and titles as the status page's map, its colours in
an embedded stylesheet (the page's colour variables and map.css), a bilingual key in the
empty sea south-west of Sumatra, built once per data version and tagged with an ETag."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from fastapi import APIRouter, Response

from app.http.deps import ReadCacheDep
from app.http.responses import NOT_MODIFIED, Responses
from app.reads.cache import weak_etag
from app.web.map_view import national_map
from app.web.render import render_html

router = APIRouter(tags=["badges"])

SVG = "image/svg+xml"
TITLE = "Pantau — Peta status layanan e-KTP daerah / Regional e-KTP service status map"
MAP_DOC: Responses = {
    200: {"content": {SVG: {}}, "description": "Every regency and city coloured by its state"},
    **NOT_MODIFIED,
}
_ROOT_RULE = re.compile(r":root\s*\{[^}]*\}")


@cache
def standalone_css() -> str:
    """pantau.css's colour variables, then map.css: what the shapes need outside a page."""
    static = resources.files("app.web").joinpath("static")
    variables = _ROOT_RULE.search(static.joinpath("pantau.css").read_text(encoding="utf-8"))
    if variables is None:
        raise ValueError("pantau.css has no :root rule with the colour variables")
    return variables.group(0) + "\n" + static.joinpath("map.css").read_text(encoding="utf-8")


@router.get("/map.svg", response_class=Response, responses=MAP_DOC)
async def map_svg(cache: ReadCacheDep) -> Response:
    """The national map: each regency and city a `<path data-region="73.73">` in a link to its
    page, classed `state-…` and, while affected, `cause-…`, with a bilingual title."""
    version = await cache.version()

    async def build() -> tuple[bytes, str]:
        view = national_map(await cache.overview(version), "id")
        _, _, width, height = (int(n) for n in view.view_box.split())
        body = render_html(
            "map_svg.xml",
            "id",
            v=view,
            css=standalone_css(),
            title=TITLE,
            width=width,
            height=height,
            key_top=height - 8 - 13 * (len(view.legend) + 1),
        )
        return body, weak_etag(body)

    body, etag = await cache.get("map-svg", version, build)
    return Response(body, media_type=SVG, headers={"ETag": etag})
