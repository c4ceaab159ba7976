"""Each scenario step's `reads` is what the real prober and classifier make of the simulated
endpoint under the demo's check spec — the story's labels cannot drift from the monitor."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from app.checks.probe import ProbeSpec, make_probe_client, probe
from app.core.attribution import ActiveWave, attribute, wave_of
from app.core.classify import CheckRules, classify
from app.core.domain import Reason, Verdict
from app.core.regions.registry import load_regions
from app.core.waves import probe_signature
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


async def test_the_wave_is_one_signature_and_reads_as_central_once_attributed() -> None:
    """The wave's upstream errors share one failure signature in every region it hits, so
    they are recognised as one national wave and read as `upstream.central`."""
    timeline = build_timeline(pick_regions(load_regions()))
    wave = timeline.cycle[0]
    assert isinstance(wave, Behave) and wave.reads == Reason.UPSTREAM_ERROR
    async with Simulator() as simulator, make_probe_client(2) as client:
        for code in wave.codes[:2]:
            simulator.set(code, wave.behaviour)
        results = [await probe(client, ProbeSpec(simulator.url_for(c))) for c in wave.codes[:2]]
    verdicts = [classify(result, CheckRules()) for result in results]
    signatures = {probe_signature(v, r) for v, r in zip(verdicts, results, strict=True)}
    (signature,) = signatures
    assert signature is not None
    members = frozenset(wave.codes)
    active = ActiveWave(1, Reason.UPSTREAM_CENTRAL, signature, members, datetime.now(UTC))
    found = wave_of(wave.codes[0], signature, [active])
    central = attribute(verdicts[0], results[0], monitor_impaired=False, wave=found)
    assert central.reason == Reason.UPSTREAM_CENTRAL
