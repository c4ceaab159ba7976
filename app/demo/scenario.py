"""The demo's story as data: timed steps, no I/O. `runner.py` plays them.

Within the first minute every cause Pantau tells apart appears: a network outage, a
Palopo-style cutoff (timeouts first, then the declared letter), a teguran with its deadline,
a maintenance window, a slow region, a central wave across many regions, and recoveries.
After the opening, a cycle repeats — the wave and a flapping network fault come and go —
while the cutoff, the warning, the maintenance, the slow region and the refused connections
stay, so a newcomer who arrives late still sees each cause.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from app.core.domain import Reason
from app.demo.regions import (
    FLAPPING,
    MAINTAINED,
    NETWORK_DOWN,
    PALOPO,
    SLOW,
    WARNED,
    wave_regions,
)
from app.simulator import HEALTHY, Behaviour, Mode
from app.store.declarations import DeclarationKind

# Every demo service is checked this way; each step's `reads` holds under it. Short intervals
# make the first minute eventful; two probes in a row decide a change.
CHECK_SPEC: dict[str, Any] = {
    "interval_seconds": 2,
    "timeout_seconds": 1.5,
    "failure_threshold": 2,
    "success_threshold": 2,
    "degraded_latency_ms": 800,
}
SLOW_ANSWER_MS = 1200  # above degraded_latency_ms, well inside the timeout
ISSUER = "Ditjen Dukcapil Kemendagri (skenario demo / demo scenario)"
NOT_REAL = "Skenario demo, bukan surat sebenarnya / Demo scenario, not a real letter."
NOT_REAL_SCHEDULE = "Skenario demo, bukan jadwal sebenarnya / Demo scenario, not a real schedule."


@dataclass(frozen=True, slots=True)
class Behave:
    """The simulated endpoints of `codes` start behaving this way."""

    at: float  # seconds after the start (opening) or into the cycle
    codes: tuple[str, ...]
    behaviour: Behaviour
    reads: Reason  # what one probe of them reads under CHECK_SPEC, before attribution
    label: str


@dataclass(frozen=True, slots=True)
class Declare:
    """An operator records a letter from official channels, through the declarations API."""

    at: float
    code: str
    kind: DeclarationKind
    reference: str
    issued_days_ago: int
    deadline_days: int | None = None  # a warning's deadline, counted from the step
    label: str = ""


@dataclass(frozen=True, slots=True)
class Maintain:
    """An operator plans a maintenance window starting now, through the maintenance API."""

    at: float
    code: str
    title: str
    hours: float
    label: str = ""


Step = Behave | Declare | Maintain


@dataclass(frozen=True, slots=True)
class Timeline:
    opening: tuple[Step, ...]  # played once, `at` counted from the start
    cycle: tuple[Step, ...]  # played every cycle, `at` counted from the cycle's start
    cycle_starts_at: float
    cycle_seconds: float


def schedule(timeline: Timeline) -> Iterator[tuple[float, Step]]:
    """Every step with its time from the start, in order, forever (the cycle repeats)."""
    for step in sorted(timeline.opening, key=_at):
        yield step.at, step
    cycle = sorted(timeline.cycle, key=_at)
    for n in itertools.count():
        start = timeline.cycle_starts_at + n * timeline.cycle_seconds
        for step in cycle:
            yield start + step.at, step


def _at(step: Step) -> float:
    return step.at


# One answer from the centre, whichever region asks: one failure signature, so one wave (a
# region's own error page names the region and stays a local fault).
CENTRE_DOWN = Behaviour(Mode.ERROR, status=502, body="Gangguan server pusat Dukcapil")


def build_timeline(regions: Sequence[str]) -> Timeline:
    """The story over the monitored `regions` (see `pick_regions`)."""
    wave = wave_regions(regions)
    opening: tuple[Step, ...] = (
        Behave(0, (NETWORK_DOWN,), Behaviour(Mode.RESET), Reason.NETWORK_REFUSED,
               "koneksi ditolak / connection refused"),
        Behave(0, (PALOPO,), Behaviour(Mode.HANG), Reason.NETWORK_TIMEOUT,
               "probe habis waktu (VPN diputus?) / probes time out (VPN cut?)"),
        Declare(2, WARNED, DeclarationKind.WARNING, "400.8/0917/Dukcapil", issued_days_ago=3,
                deadline_days=7, label="teguran dengan tenggat / warning with a deadline"),
        Behave(4, (SLOW,), Behaviour(Mode.SLOW, delay_ms=SLOW_ANSWER_MS),
               Reason.PERFORMANCE_SLOW, "layanan lambat / slow service"),
        Maintain(6, MAINTAINED, "Pemeliharaan server SIAK / SIAK server maintenance", hours=3,
                 label="jendela pemeliharaan / maintenance window"),
        Behave(6, (MAINTAINED,), Behaviour(Mode.MAINTENANCE), Reason.MAINTENANCE_ANNOUNCED,
               "halaman pemeliharaan / maintenance page"),
        Declare(10, PALOPO, DeclarationKind.CUTOFF, "400.8/1520/Dukcapil", issued_days_ago=0,
                label="pemutusan akses dideklarasikan / cutoff declared"),
    )  # fmt: skip
    cycle: tuple[Step, ...] = (
        Behave(0, wave, CENTRE_DOWN, Reason.UPSTREAM_ERROR,
               f"gangguan pusat di {len(wave)} daerah / central wave, {len(wave)} regions "
               "(dibaca / read as upstream.central)"),
        Behave(14, wave, HEALTHY, Reason.OK, "gelombang pulih / wave recovers"),
        Behave(30, (FLAPPING,), Behaviour(Mode.HANG), Reason.NETWORK_TIMEOUT,
               "jaringan putus-sambung / flapping network"),
        Behave(60, (FLAPPING,), HEALTHY, Reason.OK, "jaringan pulih / network recovers"),
    )  # fmt: skip
    return Timeline(opening, cycle, cycle_starts_at=16, cycle_seconds=90)
