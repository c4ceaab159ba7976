"""The Atom document: structure and escaping, read back with feedparser. Pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import feedparser

from app.web.atom import ATOM, EntryUpdate, Feed, FeedEntry, render_feed

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def feed(entries: list[FeedEntry]) -> Feed:
    return Feed(
        id="http://pantau.test/feeds/incidents.atom",
        title="Pantau: insiden",
        self_url="http://pantau.test/feeds/incidents.atom",
        alternate_url="http://pantau.test/",
        updated=T0,
        entries=entries,
    )


def entry(title: str = "Kota Palopo: Pemutusan akses oleh pusat") -> FeedEntry:
    return FeedEntry(
        id="http://pantau.test/api/v1/incidents/7",
        title=title,
        link="http://pantau.test/regions/73.73",
        published=T0,
        updated=T0 + timedelta(minutes=5),
        summary="Terputus sejak 29 Nov 2026 15:00 WIB",
        updates=[EntryUpdate(T0 + timedelta(minutes=5), "identified", "Akses diputus.", "Cut.")],
        categories=["policy"],
    )


def test_feed_parses_cleanly_with_every_required_element() -> None:
    parsed = feedparser.parse(render_feed(feed([entry()])))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.id == "http://pantau.test/feeds/incidents.atom"
    assert parsed.feed.updated == "2026-11-29T08:00:00Z" and parsed.feed.author == "Pantau"
    rels = {link.rel: link.href for link in parsed.feed.links}
    assert rels == {
        "self": "http://pantau.test/feeds/incidents.atom",
        "alternate": "http://pantau.test/",
    }
    (item,) = parsed.entries
    assert item.id == "http://pantau.test/api/v1/incidents/7"
    assert item.link == "http://pantau.test/regions/73.73"
    assert item.updated == "2026-11-29T08:05:00Z" and item.published == "2026-11-29T08:00:00Z"
    assert item.tags[0].term == "policy"
    assert "Akses diputus." in item.content[0].value and "Cut." in item.content[0].value


def test_special_characters_survive_escaping() -> None:
    body = render_feed(feed([entry('Kota <A> & "B"')]))
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0 and parsed.entries[0].title == 'Kota <A> & "B"'
    root = ET.fromstring(body)
    assert root.find(f"{{{ATOM}}}entry/{{{ATOM}}}title").text == 'Kota <A> & "B"'  # type: ignore[union-attr]


def test_an_empty_feed_is_still_valid() -> None:
    parsed = feedparser.parse(render_feed(feed([])))
    assert parsed.bozo == 0 and parsed.entries == []


def test_characters_xml_cannot_carry_are_left_out() -> None:
    hostile = "Akses\x01 diputus\x0b\x1b[31m \ud800\ufffe"
    update = EntryUpdate(T0, "identified", hostile, "Cut\x00 off.\tTab\nkept")
    body = render_feed(feed([replace(entry(hostile), updates=[update])]))
    root = ET.fromstring(body)  # well-formed
    title = root.find(f"{{{ATOM}}}entry/{{{ATOM}}}title")
    assert title is not None and title.text == "Akses diputus[31m "
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert "Cut off.\tTab\nkept" in parsed.entries[0].content[0].value
