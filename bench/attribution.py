"""Attribution benchmark (#16): the real checker (create_app in process, its lifespan running the
checker; the API over ASGI) against the loopback simulator, through a scenario table. Each
scenario starts on a fresh SQLite database with 13 regions probed every second (failure and
success thresholds 2), plays its behaviours and reports, per region, the expected and the
given reason; the waves found; and the detection latency: from the failure's onset to the
last member reading its expected wave reason, against the target interval × threshold + one
interval (3 s).

    python bench/attribution.py          # about a minute and a half
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.main import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.simulator import HEALTHY, Behaviour, Mode, Simulator  # noqa: E402
from app.store.migrate import import_registry, upgrade_schema  # noqa: E402

INTERVAL_S, THRESHOLD = 1, 2
TARGET_S = INTERVAL_S * THRESHOLD + INTERVAL_S
SETTLE_WITHIN_S = 12.0
ADMIN = "bench-admin-token-0123456789abcdef"
# 13 regions in 7 island groups; Maluku (8) and Papua (9) three each.
REGIONS = (
    "11.71", "31.71", "32.73", "35.78", "51.71", "61.71", "73.71",
    "81.01", "81.02", "81.71", "91.03", "91.05", "91.71",
)  # fmt: skip
MALUKU, PAPUA = REGIONS[7:10], REGIONS[10:]
NATIONAL = ("11.71", "31.71", "32.73", "51.71", "61.71", "73.71", "81.71")
CENTRE_DOWN = Behaviour(Mode.ERROR, status=502, body="Gangguan server pusat Dukcapil")
HANG = Behaviour(Mode.HANG)
ERROR_PAGE = Behaviour(Mode.ERROR)  # names its region: a local fault
UNRELATED = {
    "11.71": (HANG, "network.timeout"),
    "31.71": (Behaviour(Mode.RESET), "network.refused"),
    "35.78": (Behaviour(Mode.ERROR), "upstream.error"),
    "51.71": (Behaviour(Mode.ERROR, status=502), "upstream.error"),
    "61.71": (Behaviour(Mode.ERROR, status=404, body="Not Found"), "upstream.unexpected"),
    "73.71": (Behaviour(Mode.ERROR, status=504, body="Gateway Timeout"), "upstream.error"),
    "91.03": (Behaviour(Mode.ERROR, status=500, body="Internal Server Error"), "upstream.error"),
}


@dataclass
class Scenario:
    name: str
    # region → (behaviour, expected reason); regions not named stay healthy and read "ok".
    before: dict[str, tuple[Behaviour, str]] = field(default_factory=dict)
    during: dict[str, tuple[Behaviour, str]] = field(default_factory=dict)
    waves: int = 0
    monitor_down: bool = False
    flapping: str | None = None
    cutoff: str | None = None  # declared during the wave: reads policy.cutoff


def _all(codes: tuple[str, ...], behaviour: Behaviour, reason: str) -> dict[str, Any]:
    return dict.fromkeys(codes, (behaviour, reason))


CENTRAL = _all(NATIONAL, CENTRE_DOWN, "upstream.central")
PAPUA_CUT = _all(PAPUA, HANG, "network.backbone")
SCENARIOS = [
    Scenario("unrelated failures, 7 of 13", during=UNRELATED),
    Scenario("national wave, one signature", during=CENTRAL, waves=1),
    Scenario(
        "national wave, 2 regions already failing locally",
        before={"35.78": (HANG, "network.timeout"), "91.03": (ERROR_PAGE, "upstream.error")},
        during=CENTRAL,
        waves=1,
    ),
    Scenario("island-group cut: Papua times out", during=PAPUA_CUT, waves=1),
    Scenario(
        "cut spanning Maluku and Papua",
        during=_all(MALUKU + PAPUA, HANG, "network.backbone"),
        waves=2,
    ),
    Scenario("checker's own network down", during=_all(REGIONS, HANG, "ok"), monitor_down=True),
    Scenario("flapping region", flapping="73.71"),
    Scenario(
        "policy cutoff declared during a wave",
        during=CENTRAL | {"73.71": (CENTRE_DOWN, "policy.cutoff")},
        waves=1,
        cutoff="73.71",
    ),
]  # fmt: skip


@dataclass
class Outcome:
    name: str
    expected: dict[str, str]
    given: dict[str, str]
    waves: int
    expected_waves: int
    latency_s: float | None


async def wait_until(check: Callable[[], Awaitable[bool]], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.1)
    return False


async def reasons(client: httpx.AsyncClient, ids: dict[str, int]) -> dict[str, str]:
    given = {}
    for code, sid in ids.items():
        body = (await client.get(f"/api/v1/services/{sid}")).json()
        given[code] = str(body.get("reason") or "unknown")
    return given


async def run(scenario: Scenario, sim: Simulator) -> Outcome:
    sim.reset()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
            admin_token=ADMIN,
            checker_tick_seconds=0.1,
            control_urls=[sim.url_for("control")] if scenario.monitor_down else [],
        )
        await asyncio.to_thread(upgrade_schema, settings)
        await import_registry(settings)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            headers = {"Authorization": f"Bearer {ADMIN}"}
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", headers=headers, timeout=10
            ) as client:
                return await _play(scenario, sim, client, app)


async def _play(scenario: Scenario, sim: Simulator, client: httpx.AsyncClient, app: Any) -> Outcome:
    ids = {}
    for code in REGIONS:
        body = {
            "region_code": code, "name": f"SIAK {code}", "url": sim.url_for(code),
            "interval_seconds": INTERVAL_S, "timeout_seconds": 0.8,
            "failure_threshold": THRESHOLD, "success_threshold": THRESHOLD,
        }  # fmt: skip
        response = await client.post("/api/v1/services", json=body)
        assert response.status_code == 201, response.text
        ids[code] = int(response.json()["id"])
    expected = dict.fromkeys(REGIONS, "ok")
    await wait_until(lambda: _reads(client, ids, expected), SETTLE_WITHIN_S)
    if scenario.before:
        for code, (behaviour, reason) in scenario.before.items():
            sim.set(code, behaviour)
            expected[code] = reason
        await wait_until(lambda: _reads(client, ids, expected), SETTLE_WITHIN_S)
    if scenario.monitor_down:
        sim.set("control", Behaviour(Mode.RESET))
        checker = app.state.checker
        await wait_until(lambda: _true(checker.monitor_impaired), SETTLE_WITHIN_S)
    onset = time.monotonic()
    for code, (behaviour, reason) in scenario.during.items():
        sim.set(code, behaviour)
        expected[code] = reason
    if scenario.cutoff is not None:
        in_wave = expected | {scenario.cutoff: "upstream.central"}
        await wait_until(lambda: _reads(client, ids, in_wave), SETTLE_WITHIN_S)
        await _declare_cutoff(client, scenario.cutoff)
    if scenario.flapping:
        await _flap(sim, scenario.flapping, seconds=6)
    settled = await wait_until(lambda: _reads(client, ids, expected), SETTLE_WITHIN_S)
    latency = time.monotonic() - onset if settled and scenario.waves else None
    if scenario.monitor_down or scenario.flapping or not scenario.during:
        await asyncio.sleep(3 * INTERVAL_S)  # nothing should move: give it the time to
    waves = (await client.get("/api/v1/waves")).json()["items"]
    return Outcome(
        scenario.name, expected, await reasons(client, ids), len(waves), scenario.waves, latency
    )


async def _true(value: bool) -> bool:
    return value


async def _reads(client: httpx.AsyncClient, ids: dict[str, int], want: dict[str, str]) -> bool:
    return await reasons(client, ids) == want


async def _declare_cutoff(client: httpx.AsyncClient, code: str) -> None:
    body = {
        "kind": "cutoff", "reference": "bench/1", "issuer": "Dukcapil (bench)",
        "issued_at": datetime.now(UTC).isoformat(), "note": "benchmark, not real",
    }  # fmt: skip
    response = await client.post(f"/api/v1/regions/{code}/declarations", json=body)
    assert response.status_code == 201, response.text


async def _flap(sim: Simulator, code: str, *, seconds: float) -> None:
    """Down for one probe, up for the next: never two failures in a row."""
    end = time.monotonic() + seconds
    down = False
    while time.monotonic() < end:
        sim.set(code, HANG if down else HEALTHY)
        down = not down
        await asyncio.sleep(INTERVAL_S)
    sim.set(code, HEALTHY)


def report(outcomes: list[Outcome]) -> str:
    confusion: Counter[tuple[str, str]] = Counter()
    lines = [
        "| scenario | regions right | waves (expected) | detection latency |",
        "|---|---|---|---|",
    ]
    for o in outcomes:
        right = sum(o.given[c] == o.expected[c] for c in REGIONS)
        confusion.update((o.expected[c], o.given[c]) for c in REGIONS)
        latency = "—" if o.latency_s is None else f"{o.latency_s:.1f} s (target {TARGET_S} s)"
        lines.append(
            f"| {o.name} | {right}/{len(REGIONS)} | {o.waves} ({o.expected_waves}) | {latency} |"
        )
        wrong = {c: (o.expected[c], o.given[c]) for c in REGIONS if o.given[c] != o.expected[c]}
        if wrong:
            lines.append(f"|   wrong: {wrong} | | | |")
    lines += ["", "Confusion (expected → given, regions over all scenarios):", ""]
    lines += ["| expected | given | regions |", "|---|---|---|"]
    lines += [f"| {e} | {g} | {n} |" for (e, g), n in sorted(confusion.items())]
    return "\n".join(lines)


async def main() -> None:
    started = time.monotonic()
    outcomes = []
    async with Simulator() as sim:
        for scenario in SCENARIOS:
            outcomes.append(await run(scenario, sim))
    print(report(outcomes))
    print(f"\n({time.monotonic() - started:.0f} s)")
    summary = {
        "regions_right": sum(o.given == o.expected for o in outcomes),
        "scenarios": len(outcomes),
        "waves_right": sum(o.waves == o.expected_waves for o in outcomes),
        "max_latency_s": max((o.latency_s or 0.0) for o in outcomes),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    asyncio.run(main())
