"""Configuration mistakes as one line each, for the server's settings and the agent's: the
`PANTAU_*` variable (or key) at fault, its value with any secret masked, and what was expected.
And a warning for a `PANTAU_*` variable nothing reads, naming the one it was likely meant to be."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping

from pydantic import ValidationError

PREFIX = "PANTAU_"
BAD_CONFIGURATION_EXIT = 2
# Read by this repository's test suite and benchmarks rather than by a command.
_HARNESS_PREFIXES = ("PANTAU_TEST_", "PANTAU_BENCH_")
_URL_PASSWORD = re.compile(r"(?<=://)([^/@:]*):[^/@]*@")
_SHOWN_CHARS = 120
_MESSAGE_PREFIXES = (
    ("Input should be ", "expected "),
    ("Value error, ", ""),
    ("Assertion failed, ", ""),
)


class BadConfiguration(Exception):
    """A configuration mistake; the message is the one line to print."""


def expectation(message: str) -> str:
    """Pydantic's message, worded as what was expected."""
    for prefix, replacement in _MESSAGE_PREFIXES:
        if message.startswith(prefix):
            return replacement + message.removeprefix(prefix)
    return message


def shown(name: str, value: object) -> str:
    """A value fit for a log line: secrets masked, URL passwords masked, one short line."""
    if "TOKEN" in name.upper():
        return "'***'"
    text = _URL_PASSWORD.sub(r"\1:***@", str(value))
    if len(text) > _SHOWN_CHARS:
        text = text[:_SHOWN_CHARS] + "…"
    # repr escapes newlines and control characters, so the line stays one line.
    return repr(text) if isinstance(value, str) else repr(text)[1:-1]


def problem(name: str, value: object, message: str) -> str:
    return f"{name}={shown(name, value)}: {expectation(message)}"


def describe_settings_error(exc: ValidationError, env: Mapping[str, str]) -> str:
    """A `Settings()` failure → one line naming each variable at fault with its raw value."""
    raw = {name.upper(): value for name, value in env.items()}
    problems = []
    for error in exc.errors(include_url=False):
        variable = PREFIX + "_".join(str(part) for part in error["loc"]).upper()
        problems.append(problem(variable, raw.get(variable, error["input"]), error["msg"]))
    return "bad configuration: " + "; ".join(problems)


def unknown_variable_warnings(env: Mapping[str, str], known: Collection[str]) -> list[str]:
    """One warning per `PANTAU_*` variable that no setting reads (a typo is otherwise silent)."""
    known_suffixes = {name.removeprefix(PREFIX): name for name in known}
    warnings = []
    for name in sorted(env):
        upper = name.upper()  # settings are read case-insensitively
        if not upper.startswith(PREFIX) or upper in known or upper.startswith(_HARNESS_PREFIXES):
            continue
        # Compared without the shared prefix, which would make every name look alike.
        close = difflib.get_close_matches(upper.removeprefix(PREFIX), known_suffixes, n=1)
        hint = f"; did you mean {known_suffixes[close[0]]}?" if close else ""
        warnings.append(f"warning: {name} is not a Pantau setting and is ignored{hint}")
    return warnings
