"""Each scenario step's `reads` is what the real prober and classifier make of the simulated
endpoint under the demo's check spec — the story's labels cannot drift from the monitor."""

from __future__ import annotations

import asyncio

from app.checks.probe import ProbeSpec, make_probe_client, probe
from app.core.attribution import attribute
from app.core.classify import CheckRules, classify
from app.core.domain import Reason, Verdict
from app.core.regions.registry import load_regions
from app.demo.regions import pick_regions
from app.demo.scenario import CHECK_SPEC, Behave, build_timeline
from app.simulator import Simulator


async def test_every_behaviour_reads_as_the_step_says() -> None:
    timeline = build_timeline(pick_regions(load_regions()))
    steps = [s for s in (*timeline.opening, *timeline.cycle) if isinstance(s, Behave)]
    rules = CheckRules(degraded_latency_ms=CHECK_SPEC["degraded_latency_ms"])
    async with Simulator() as simulator, make_probe_client(len(steps)) as client:
        for index, step in enumerate(steps):
            simulator.set(f"step-{index}", step.behaviour)

        async def read(index: int) -> Verdict:
            spec = ProbeSpec(
                simulator.url_for(f"step-{index}"), timeout_seconds=CHECK_SPEC["timeout_seconds"]
            )
            return classify(await probe(client, spec), rules)

        verdicts = await asyncio.gather(*(read(i) for i in range(len(steps))))
    assert [v.reason for v in verdicts] == [s.reads for s in steps]


async def test_the_wave_reads_as_central_once_attributed() -> None:
    """The wave's upstream errors become `upstream.central` when enough regions fail."""
    timeline = build_timeline(pick_regions(load_regions()))
    wave = timeline.cycle[0]
    assert isinstance(wave, Behave) and wave.reads == Reason.UPSTREAM_ERROR
    async with Simulator() as simulator, make_probe_client(1) as client:
        simulator.set(wave.codes[0], wave.behaviour)
        result = await probe(client, ProbeSpec(simulator.url_for(wave.codes[0])))
    verdict = classify(result, CheckRules())
    central = attribute(verdict, result, monitor_impaired=False, central_wave=True)
    assert central.reason == Reason.UPSTREAM_CENTRAL
