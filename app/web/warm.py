"""What the pages load once per process (the templates, the map's shapes, the region search
index), loaded at start-up rather than by the first visitor, so that it can be set aside from
the garbage collector's full passes with the rest of what start-up built (`app.main`)."""

from __future__ import annotations

from app.core.regions.search import region_index
from app.web.map_view import geometry
from app.web.render import environment

PAGES = ("status.html", "region.html", "widget.html", "map_svg.xml", "not_found.html")


def warm_pages() -> None:
    geometry()
    region_index()
    for name in PAGES:
        environment().get_template(name)
