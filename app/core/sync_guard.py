"""When syncing a services file would remove too much to be a plausible edit. Pure.

A file that lists none of the services it used to (`services: []`, a truncated file, the wrong
file) would delete every keyed service and its monitoring with it. Removing more than half of
the keyed services takes an explicit yes (`--allow-mass-delete`)."""

from __future__ import annotations


def is_mass_delete(keyed: int, removing: int) -> bool:
    """True when `removing` is more than half of the `keyed` services the file manages."""
    return removing > 0 and removing * 2 > keyed


def mass_delete_refusal(keyed: int, removing: int) -> str:
    """The one line that says why nothing was written, and how to say yes."""
    return (
        f"refusing to remove {removing} of {keyed} keyed services (more than half) "
        "without --allow-mass-delete; nothing written"
    )
