"""What a region's small faces (the widget's chip, the state badge) read while a warning
(teguran, `policy.warning`) is in force. Pure.

A warning is the centre's formal notice that access will be cut unless something is done by
its deadline. The region's services still work, so it is not an outage and it stays
operational everywhere state is counted (the API, uptime, incidents); but a face that reads
"Normal" hides the one thing a citizen or a portal should know. So:

- an operational region under a warning shows the warning state, `warning`;
- a region away (outage, degraded, maintenance) shows its own state, which is worse news
  now, with the warning beside it where there is room;
- a region none of whose services is watched reads "not monitored" as before: its state is
  not known, and the warning is shown beside it where there is room.
"""

from __future__ import annotations

from app.core.domain import State

WARNING_STATE = "warning"  # the shown state's name (CSS class `state-warning`)


def shows_warning(state: State, *, warned: bool, monitored: bool = True) -> bool:
    """Whether the region's face reads `warning` rather than its state."""
    return warned and monitored and state == State.OPERATIONAL
