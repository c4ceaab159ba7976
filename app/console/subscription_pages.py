"""Subscriptions in the console: those within the key's area (the API's list, filtered as it
filters it), a new one (its signing secret shown once), and a subscription's delivery log
with a retry for each delivery; all through the API's route functions."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Response

from app.api import deliveries as deliveries_api
from app.api import subscriptions as subscriptions_api
from app.api.schemas.subscriptions import SubscriptionCreate
from app.console.actions import NOT_HERE, perform, require_scope
from app.console.forms import Invalid, parse
from app.console.render import page, see_other
from app.console.sessions import Form, Operator, Posted, Refused, SignedIn
from app.core.events import EventType
from app.http.deps import DatabaseDep, SettingsDep
from app.store.keys import Scope
from app.store.webhooks import Channel

router = APIRouter(prefix="/console", include_in_schema=False)

ROW_ID_MAX = 2**31 - 1
DELIVERIES_SHOWN = 100


async def _render_list(
    operator: Operator,
    database: DatabaseDep,
    *,
    status_code: int = 200,
    problems: list[Any] | None = None,
    values: Form | None = None,
    created: Any = None,
) -> Response:
    require_scope(operator, Scope.SUBSCRIPTIONS_WRITE)
    async with database.read() as session:
        listed = await subscriptions_api.list_subscriptions(
            session, operator.principal, cursor=None, limit=500
        )
    return page(
        "console_subscriptions.html",
        operator=operator,
        status_code=status_code,
        subscriptions=listed.items,
        problems=problems or [],
        values=values or Form({"region_prefixes": [operator.principal.area or ""]}),
        created=created,
        event_types=list(EventType),
        channels=list(Channel),
    )


@router.get("/subscriptions")
async def subscriptions_page(operator: SignedIn, database: DatabaseDep) -> Response:
    return await _render_list(operator, database)


def _prefixes(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,]+", text) if part]


@router.post("/subscriptions")
async def create_subscription(
    form: Posted, operator: SignedIn, database: DatabaseDep, settings: SettingsDep
) -> Response:
    require_scope(operator, Scope.SUBSCRIPTIONS_WRITE)
    values = {
        "channel": form.one("channel") or Channel.WEBHOOK,
        "url": form.one("url"),
        "description": form.one("description"),
        "event_types": form.many("event_types"),
        "region_prefixes": _prefixes(form.one("region_prefixes")),
    }
    try:
        spec = parse(SubscriptionCreate, values)
        created = await perform(
            subscriptions_api.create_subscription(spec, database, settings, operator.principal)
        )
    except Invalid as exc:
        return await _render_list(
            operator, database, status_code=exc.status_code, problems=exc.problems, values=form
        )
    # The secret is shown now, once: this answer is the page (no redirect would carry it).
    return await _render_list(operator, database, status_code=201, created=created)


def _row_id(value: int) -> int:
    if not 1 <= value <= ROW_ID_MAX:
        raise Refused(404, NOT_HERE)
    return value


@router.get("/subscriptions/{subscription_id}")
async def deliveries_page(
    subscription_id: int, operator: SignedIn, database: DatabaseDep, done: str | None = None
) -> Response:
    require_scope(operator, Scope.SUBSCRIPTIONS_WRITE)
    principal = operator.principal
    async with database.read() as session:
        subscription = await perform(
            subscriptions_api.get_subscription(_row_id(subscription_id), session, principal)
        )
        log = await perform(
            deliveries_api.list_deliveries(
                subscription_id,
                session,
                principal,
                status=None,
                cursor=None,
                limit=DELIVERIES_SHOWN,
            )
        )
    retried = ("Dikirim ulang sekarang.", "Sent again now.") if done == "retried" else None
    return page(
        "console_deliveries.html",
        operator=operator,
        subscription=subscription,
        deliveries=log.items,
        done=retried,
    )


@router.post("/deliveries/{delivery_id}/retry")
async def retry_delivery(
    delivery_id: int, _form: Posted, operator: SignedIn, database: DatabaseDep
) -> Response:
    require_scope(operator, Scope.SUBSCRIPTIONS_WRITE)
    try:
        detail = await perform(
            deliveries_api.retry_delivery(_row_id(delivery_id), database, operator.principal)
        )
    except Invalid as exc:
        raise Refused(422, (exc.problems[0].text, exc.problems[0].message)) from None
    return see_other(f"/console/subscriptions/{detail.subscription_id}?done=retried")
