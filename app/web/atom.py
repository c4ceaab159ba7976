"""Incidents → an Atom 1.0 document (RFC 4287): one entry per incident, its content telling
the cause, the letters cited and the operators' updates in Indonesian and English, and the
letters themselves, where public, as `enclosure` links. Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ET.register_namespace("", ATOM)
# Everything XML 1.0 cannot carry, even escaped (§2.2). The API refuses such text, but a
# row written some other way must not make the whole feed unreadable.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class EntryUpdate:
    at: datetime
    status: str
    body_id: str
    body_en: str
    shown: str = ""  # `at` as people read it ("29 Nov 2026 15.05 WITA"); the RFC 3339 stamp if ""


@dataclass(frozen=True, slots=True)
class FeedEntry:
    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    summary: str
    updates: Sequence[EntryUpdate] = ()
    categories: Sequence[str] = ()
    # The letters cited, where public: (their file's absolute link, a title naming them).
    enclosures: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True, slots=True)
class Feed:
    id: str
    title: str
    self_url: str
    alternate_url: str
    updated: datetime
    entries: Sequence[FeedEntry] = field(default_factory=list)
    author: str = "Pantau"


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def xml_text(text: str) -> str:
    return NOT_XML.sub("", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    clean = {name: xml_text(value) for name, value in attrs.items()}
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", clean)
    if text is not None:
        element.text = xml_text(text)
    return element


def _content(entry: FeedEntry) -> str:
    lines = [entry.summary]
    for update in entry.updates:
        when = update.shown or stamp(update.at)
        lines.append(f"\n[{when}] {update.status}\n{update.body_id}\n{update.body_en}")
    return "\n".join(lines)


def _entry(parent: ET.Element, entry: FeedEntry) -> None:
    element = _sub(parent, "entry")
    _sub(element, "id", entry.id)
    _sub(element, "title", entry.title, type="text")
    _sub(element, "link", rel="alternate", type="text/html", href=entry.link)
    for href, title in entry.enclosures:
        _sub(element, "link", rel="enclosure", href=href, title=title)
    _sub(element, "published", stamp(entry.published))
    _sub(element, "updated", stamp(entry.updated))
    for term in entry.categories:
        _sub(element, "category", term=term)
    _sub(element, "summary", entry.summary, type="text")
    _sub(element, "content", _content(entry), type="text")


def render_feed(feed: Feed) -> bytes:
    root = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: "id"})
    _sub(root, "id", feed.id)
    _sub(root, "title", feed.title, type="text")
    _sub(root, "updated", stamp(feed.updated))
    author = _sub(root, "author")
    _sub(author, "name", feed.author)
    _sub(root, "link", rel="self", type="application/atom+xml", href=feed.self_url)
    _sub(root, "link", rel="alternate", type="text/html", href=feed.alternate_url)
    _sub(root, "generator", "Pantau")
    for entry in feed.entries:
        _entry(root, entry)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body
