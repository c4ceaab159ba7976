"""Pantau's vocabulary: states, reason codes with their bilingual labels, and the records
that flow between the pipeline stages (ProbeResult → Verdict → Transition)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class State(StrEnum):
    OPERATIONAL = "operational"
    DEGRADED = "degraded"
    OUTAGE = "outage"
    MAINTENANCE = "maintenance"
    UNKNOWN = "unknown"

    @property
    def severity(self) -> int:
        """Rank for "worst of": a region's state is its most severe service's state."""
        return _SEVERITY[self]

    @property
    def label_id(self) -> str:
        return _STATE_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _STATE_LABELS[self][1]


_SEVERITY = {
    State.UNKNOWN: 0,
    State.OPERATIONAL: 1,
    State.DEGRADED: 2,
    State.MAINTENANCE: 3,
    State.OUTAGE: 4,
}

_STATE_LABELS = {
    State.OPERATIONAL: ("Normal", "Operational"),
    State.DEGRADED: ("Lambat / terganggu sebagian", "Degraded"),
    State.OUTAGE: ("Terputus", "Outage"),
    State.MAINTENANCE: ("Pemeliharaan", "Maintenance"),
    State.UNKNOWN: ("Belum diketahui", "Unknown"),
}


def worst_state(states: list[State]) -> State:
    """The most severe state; `unknown` only when nothing is known at all."""
    return max(states, key=lambda s: s.severity, default=State.UNKNOWN)


class Category(StrEnum):
    OK = "ok"
    NETWORK = "network"
    POLICY = "policy"
    MAINTENANCE = "maintenance"
    UPSTREAM = "upstream"
    PERFORMANCE = "performance"
    LOCAL = "local"
    PROBE = "probe"


class Reason(StrEnum):
    NETWORK_DNS = "network.dns"
    NETWORK_REFUSED = "network.refused"
    NETWORK_UNREACHABLE = "network.unreachable"
    NETWORK_TIMEOUT = "network.timeout"
    NETWORK_TLS = "network.tls"
    NETWORK_OFFICE = "network.office"
    NETWORK_PATH = "network.path"
    NETWORK_VPN = "network.vpn"
    NETWORK_BACKBONE = "network.backbone"
    POLICY_CUTOFF = "policy.cutoff"
    POLICY_SUSPECTED = "policy.suspected"
    MAINTENANCE_SCHEDULED = "maintenance.scheduled"
    MAINTENANCE_ANNOUNCED = "maintenance.announced"
    UPSTREAM_ERROR = "upstream.error"
    UPSTREAM_CENTRAL = "upstream.central"
    UPSTREAM_UNEXPECTED = "upstream.unexpected"
    PERFORMANCE_SLOW = "performance.slow"
    LOCAL_INFRASTRUCTURE = "local.infrastructure"
    PROBE_UNHEALTHY = "probe.unhealthy"
    OK = "ok"

    @property
    def category(self) -> Category:
        return _REASON_CATEGORY[self]  # read per span on every page: looked up, not parsed

    @property
    def state(self) -> State | None:
        """The state this reason puts a service in; None for the monitor's own faults."""
        return _REASON_STATE[self]  # read for every probe: one lookup

    @property
    def label_id(self) -> str:
        return REASON_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return REASON_LABELS[self][1]

    @property
    def is_failure(self) -> bool:
        return self.state in (State.OUTAGE, State.MAINTENANCE)


_REASON_CATEGORY: dict[Reason, Category] = {r: Category(r.value.split(".", 1)[0]) for r in Reason}

_CATEGORY_STATE: dict[Category, State | None] = {
    Category.OK: State.OPERATIONAL,
    Category.NETWORK: State.OUTAGE,
    Category.POLICY: State.OUTAGE,
    Category.UPSTREAM: State.OUTAGE,
    Category.LOCAL: State.OUTAGE,
    Category.MAINTENANCE: State.MAINTENANCE,
    Category.PERFORMANCE: State.DEGRADED,
    Category.PROBE: None,
}
_REASON_STATE: dict[Reason, State | None] = {r: _CATEGORY_STATE[r.category] for r in Reason}

# (Indonesian, English); Indonesian is shown first everywhere.
REASON_LABELS: dict[Reason, tuple[str, str]] = {
    Reason.NETWORK_DNS: ("Gangguan jaringan: DNS gagal", "DNS failure"),
    Reason.NETWORK_REFUSED: ("Koneksi ditolak", "Connection refused"),
    Reason.NETWORK_UNREACHABLE: ("Jaringan tidak terjangkau", "Network unreachable"),
    Reason.NETWORK_TIMEOUT: ("Waktu koneksi habis", "Timed out"),
    Reason.NETWORK_TLS: ("Gangguan sertifikat/TLS", "TLS failure"),
    Reason.NETWORK_OFFICE: ("Jaringan kantor terputus", "Office network down"),
    Reason.NETWORK_PATH: ("Gangguan jalur ke kantor", "Path fault to the office"),
    Reason.NETWORK_VPN: ("Gangguan VPN", "VPN fault"),
    Reason.NETWORK_BACKBONE: ("Gangguan jaringan antarwilayah", "Regional backbone outage"),
    Reason.POLICY_CUTOFF: (
        "Pemutusan akses oleh pusat",
        "Access cut off by central authority",
    ),
    Reason.POLICY_SUSPECTED: ("Dugaan pemutusan akses", "Suspected cutoff"),
    Reason.MAINTENANCE_SCHEDULED: ("Pemeliharaan terjadwal", "Scheduled maintenance"),
    Reason.MAINTENANCE_ANNOUNCED: ("Pemeliharaan", "Maintenance"),
    Reason.UPSTREAM_ERROR: ("Gangguan server", "Server error"),
    Reason.UPSTREAM_CENTRAL: ("Gangguan server pusat", "Central system outage"),
    Reason.UPSTREAM_UNEXPECTED: ("Respons tidak sesuai", "Unexpected response"),
    Reason.PERFORMANCE_SLOW: ("Layanan lambat", "Slow service"),
    Reason.LOCAL_INFRASTRUCTURE: ("Gangguan perangkat kantor", "Office equipment failure"),
    Reason.PROBE_UNHEALTHY: ("Pemantau bermasalah", "Monitor itself impaired"),
    Reason.OK: ("Normal", "Normal"),
}


class RegionLevel(StrEnum):
    PROVINCE = "province"
    REGENCY = "regency"
    CITY = "city"


class TransitionSource(StrEnum):
    PROBE = "probe"
    OPERATOR = "operator"


class FailureKind(StrEnum):
    """What went wrong in transport, before any HTTP answer; the classifier maps it to a Reason."""

    DNS = "dns"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"
    CONNECT_TIMEOUT = "connect_timeout"
    READ_TIMEOUT = "read_timeout"
    DEADLINE = "deadline"
    TLS = "tls"
    PROTOCOL = "protocol"
    POOL_SATURATED = "pool_saturated"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One observation of one endpoint. Transport failures are data here, never exceptions."""

    started_at: datetime
    latency_ms: float
    status_code: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body_excerpt: str = ""
    failure: FailureKind | None = None
    error: str | None = None  # exception class and message, for evidence

    @property
    def answered(self) -> bool:
        return self.status_code is not None


@dataclass(frozen=True, slots=True)
class Verdict:
    """The classifier's reading of one probe: a reason, and the evidence that led to it."""

    reason: Reason
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """One probe of one service with its verdict, against the slot it was due in."""

    service_id: int
    region_code: str
    result: ProbeResult
    verdict: Verdict
    due_at: datetime

    @property
    def lag_seconds(self) -> float:
        """How late the probe started against its slot: the scheduler's own health."""
        return max(0.0, (self.result.started_at - self.due_at).total_seconds())
