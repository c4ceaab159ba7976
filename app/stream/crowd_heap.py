"""The collector and a crowd of viewers: each open stream holds about 250 tracked objects, so
with 10,000 viewers a full collection walks millions of them and holds the event loop for
seconds (bench/viewers.py: about 1.2 s of CPU, several seconds of wall time on shared cores),
and while a crowd grows such passes come again each time the heap grows by a quarter. Viewers
are long-lived by nature, so as the crowd grows they are set aside from full passes
(`gc.freeze`, as start-up does with its own heap); once the crowd has mostly gone, everything
is handed back and collected once, which also frees the cycles of viewers who left meanwhile
(about ten small objects each), and start-up's heap is set aside again."""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass

FREEZE_FROM = 500  # viewers; below this a full pass is short
# Newcomers are set aside each time the crowd grows by a tenth; all is handed back once the
# crowd falls below a tenth of its size when last set aside.
TENTH = 10


@dataclass(eq=False)
class CrowdHeap:
    collect_young: Callable[[], object] = lambda: gc.collect(1)
    freeze: Callable[[], None] = gc.freeze
    unfreeze: Callable[[], None] = gc.unfreeze
    collect: Callable[[], object] = gc.collect
    frozen_at: int = 0  # the crowd's size at the last freeze; 0: nothing set aside

    def settle(self, viewers: int) -> None:
        """Called with the number of open streams, on every poll of the live feed."""
        if viewers >= FREEZE_FROM and viewers >= self.frozen_at + self.frozen_at // TENTH:
            self.collect_young()  # young garbage is collected, not set aside
            self.freeze()
            self.frozen_at = viewers
        elif self.frozen_at and viewers < self.frozen_at // TENTH:
            self.unfreeze()
            self.collect()
            self.freeze()  # start-up's heap (app.main.settle_heap), and who is still here
            self.frozen_at = 0
