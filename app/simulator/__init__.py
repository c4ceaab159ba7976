"""Endpoint simulator: a real loopback HTTP server that behaves like regional e-KTP endpoints.

End-to-end tests, the live demo and the benchmarks need endpoints that fail in every way the
monitor must tell apart — slow, erroring, in maintenance, cut off by policy, hanging,
dripping, resetting, flooding, speaking garbage — on demand and reproducibly. Mocks cannot
produce connection-level failures (and rewrite exception chains), so this is a socket server.

    async with Simulator() as sim:
        sim.set("73.73", Behaviour(Mode.POLICY_MARKER))
        url = sim.url_for("73.73")        # http://127.0.0.1:PORT/r/73.73
        ...
        assert sim.hits("73.73") == 1

Other processes drive it through `/_sim/` (see `control`); `python -m app.simulator` runs it
standalone.
"""

from .behaviours import HEALTHY, Behaviour, Mode
from .registry import Registry
from .server import Simulator, closed_port_url

__all__ = [
    "HEALTHY",
    "Behaviour",
    "Mode",
    "Registry",
    "Simulator",
    "closed_port_url",
]
