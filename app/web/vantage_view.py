"""A region's vantage points on its page: each agent inside the office network with its
status (a silent agent is shown as stale, which is not an outage), when it last reported,
what each path it probes answered, and whether the live ones agree. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from app.core.regions.zones import Zone
from app.core.vantage import AgentView, Reading, Role, reading
from app.store.agents import AgentStatus, Agreement, RegionVantage, SeenAgent, status_of
from app.web.format import iso, local_time
from app.web.i18n import Lang

_STATUSES: dict[AgentStatus, tuple[str, str]] = {
    "pending": ("menunggu laporan pertama", "waiting for first report"),
    "active": ("aktif", "active"),
    "stale": ("tidak melapor — bukan gangguan", "stale — not an outage"),
}
_ROLES: dict[Role, tuple[str, str]] = {
    Role.CENTRAL: ("jalur ke pusat", "central path"),
    Role.OFFICE: ("layanan kantor", "office service"),
    Role.PUBLIC: ("target publik", "public targets"),
}
_REACHABLE = {True: ("terjangkau", "reachable"), False: ("tidak terjangkau", "unreachable")}
_READINGS: dict[Reading, tuple[str, str]] = {
    Reading.LINK_CUT: (
        "jalur ke pusat terputus, internet kantor berjalan",
        "central path cut, office internet works",
    ),
    Reading.OFFICE_DOWN: ("jaringan kantor mati", "office network down"),
    Reading.INSIDE_OK: ("semua terjangkau dari dalam kantor", "all reachable from inside"),
    Reading.SERVICE_DOWN: ("layanan kantor mati", "office service down"),
    Reading.UNKNOWN: ("belum dapat disimpulkan", "inconclusive"),
}
_AGREEMENT: dict[Agreement, tuple[str, str]] = {
    "none": ("Belum ada titik pantau aktif yang melapor.", "No live vantage point is reporting."),
    "agree": ("Titik pantau aktif sepakat", "The live vantage points agree"),
    "disagree": ("Titik pantau aktif tidak sepakat", "The live vantage points disagree"),
}


def _say(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "id" else pair[1]


@dataclass(frozen=True, slots=True)
class PathLine:
    role: str
    label: str
    reachable: bool
    answer: str


@dataclass(frozen=True, slots=True)
class AgentLine:
    name: str
    status: AgentStatus
    status_label: str
    last_seen: str
    last_seen_iso: str
    reading: str  # empty when it has no recent results (pending or stale)
    paths: list[PathLine]


@dataclass(frozen=True, slots=True)
class VantageSection:
    agreement: Agreement
    agreement_text: str
    agents: list[AgentLine]


def status_label(status: AgentStatus, lang: Lang) -> str:
    return _say(_STATUSES[status], lang)


def reading_label(value: Reading, lang: Lang) -> str:
    return _say(_READINGS[value], lang)


def path_lines(view: AgentView, lang: Lang) -> list[PathLine]:
    """The roles it probes, in a fixed order: central path, office service, public targets."""
    return [
        PathLine(
            str(role),
            _say(_ROLES[role], lang),
            view.reachable[role],
            _say(_REACHABLE[view.reachable[role]], lang),
        )
        for role in Role
        if role in view.reachable
    ]


def agent_line(seen: SeenAgent, *, since: datetime, zone: Zone, lang: Lang) -> AgentLine:
    status = status_of(seen.agent, since=since)
    view = seen.view
    return AgentLine(
        name=seen.agent.name,
        status=status,
        status_label=status_label(status, lang),
        last_seen=local_time(seen.agent.last_seen_at, zone, lang),
        last_seen_iso=iso(seen.agent.last_seen_at),
        reading=reading_label(reading(view), lang) if view else "",
        paths=path_lines(view, lang) if view else [],
    )


def agreement_text(agreement: Agreement, readings: Mapping[Reading, int], lang: Lang) -> str:
    """`… agree: <reading> (n).` / `… disagree: <reading> (n), <reading> (m).`"""
    lead = _say(_AGREEMENT[agreement], lang)
    if agreement == "none":
        return lead
    counted = ", ".join(f"{reading_label(kind, lang)} ({n})" for kind, n in readings.items())
    return f"{lead}: {counted}."


def vantage_section(
    vantage: RegionVantage, *, since: datetime, zone: Zone, lang: Lang
) -> VantageSection | None:
    """None when the region has no agents: the page then shows no section at all. Times in
    `zone`, the region's own."""
    if not vantage.agents:
        return None
    agreement = vantage.agreement
    return VantageSection(
        agreement=agreement,
        agreement_text=agreement_text(agreement, vantage.readings, lang),
        agents=[agent_line(seen, since=since, zone=zone, lang=lang) for seen in vantage.agents],
    )
