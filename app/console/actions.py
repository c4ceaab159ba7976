"""Running one of the API's operations for the console's operator: the scope it needs, and
what its refusals become (a field's problem shown on the form, or a refusal page)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Response

from app.console.forms import Invalid, problem, problems_of
from app.console.render import see_other
from app.console.sessions import Operator, Refused
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound, OutsideArea, TooLarge

T = TypeVar("T")

NOT_HERE = (
    "Tidak ditemukan, atau di luar wilayah kunci ini.",
    "Not found, or outside this key's area.",
)


def require_scope(operator: Operator, scope: str) -> None:
    if not operator.principal.has_scope(scope):
        raise Refused(
            403,
            (f"Kunci ini tidak memiliki izin {scope!r}.", f"This key lacks the {scope!r} scope."),
        )


def outside_area(exc: OutsideArea) -> Refused:
    return Refused(
        403,
        (
            f"Di luar wilayah kunci ini ({exc.area}): {exc.message}",
            f"Outside this key's area: {exc.message}",
        ),
    )


async def perform(operation: Awaitable[T]) -> T:
    """The operation's result; its refusals as Invalid (shown on the form: 422, 409 for a
    conflict, 413 for a letter too large) or Refused (a page: 403 outside the key's area or
    scope, 404)."""
    try:
        return await operation
    except InvalidInput as exc:
        raise Invalid(problems_of(exc)) from None
    except TooLarge as exc:
        raise Invalid([problem(exc.location, "too_large", exc.message)], status_code=413) from None
    except Conflict as exc:
        raise Invalid(
            [problem(("body", "form"), "conflict", exc.message)], status_code=409
        ) from None
    except OutsideArea as exc:
        raise outside_area(exc) from None
    except Forbidden as exc:
        raise Refused(403, (f"Ditolak: {exc.message}", f"Refused: {exc.message}")) from None
    except NotFound:
        raise Refused(404, NOT_HERE) from None


async def submit(
    attempt: Callable[[], Awaitable[str | Response]],
    show_refused: Callable[[Invalid], Awaitable[Response]],
) -> Response:
    """A form's post: `attempt` parses it and runs the API's operation, returning where to go
    next (a 303 there, so a reload does not post again) or a page to show as it is; a form it
    refuses is shown again by `show_refused`, with its problems."""
    try:
        outcome = await attempt()
    except Invalid as exc:
        return await show_refused(exc)
    return see_other(outcome) if isinstance(outcome, str) else outcome
