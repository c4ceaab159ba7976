"""Run the endpoint simulator standalone: `python -m app.simulator --port 9100`.

Used by the live demo and by end-to-end tests that run Pantau and the simulator as separate
processes. With `--port 0` the chosen port is unknown in advance, so the first line on stdout
is always `pantau-sim listening on <base URL>` — a parent process reads that line instead of
polling. Behaviours can be preset on the command line so a demo starts in a known state.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from .behaviours import Behaviour
from .server import Simulator

log = logging.getLogger("app.simulator")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m app.simulator",
        description="Loopback HTTP server imitating regional e-KTP endpoints.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=9100, help="port (0: pick a free one)")
    parser.add_argument(
        "--set",
        dest="presets",
        action="append",
        default=[],
        metavar="CODE=MODE[:DELAY_MS]",
        help="preset a behaviour, e.g. 73.73=policy_marker or 71.71=slow:2500 (repeatable)",
    )
    parser.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    parser.add_argument(
        "--no-uvloop", action="store_true", help="use the stdlib event loop even if uvloop exists"
    )
    return parser.parse_args(argv)


def parse_preset(text: str) -> tuple[str, Behaviour]:
    code, sep, spec = text.partition("=")
    if not sep:
        raise ValueError(f"--set {text!r}: expected CODE=MODE[:DELAY_MS]")
    mode, _, delay = spec.partition(":")
    return code, Behaviour.from_json({"mode": mode, "delay_ms": int(delay) if delay else 0})


async def run(args: argparse.Namespace) -> None:
    sim = Simulator()
    for preset in args.presets:
        sim.set(*parse_preset(preset))
    await sim.start(args.host, args.port)
    print(f"pantau-sim listening on {sim.base_url}", flush=True)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # A stop() from the handler closes hung clients too, so shutdown is never held up.
        loop.add_signal_handler(signum, lambda: asyncio.ensure_future(sim.stop()))
    await sim.serve_forever()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        for preset in args.presets:
            parse_preset(preset)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.no_uvloop:
        # uvloop roughly doubles the benchmark ceiling; the simulator works without it.
        with contextlib.suppress(ImportError):
            import uvloop

            uvloop.install()
    try:
        asyncio.run(run(args))
    except (ValueError, OSError) as exc:  # a non-loopback --host, a port in use
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
