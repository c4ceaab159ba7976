"""Citizens' email subscriptions end to end, on SQLite and PostgreSQL, through a real SMTP
server (aiosmtpd) on 127.0.0.1 and the app's own mailer: double opt-in (nothing but the
confirmation reaches an unconfirmed address, and a GET of the link confirms nothing), the
Palopo cutoff as exactly one mail citing its letter in WITA with RFC 8058 headers, one-click
unsubscribe, rate limits (429 + Retry-After), an SMTP server down then back (delivered once),
a permanent refusal, and no duplicate mail for an event written twice or a lease re-claimed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlmodel import col, select

from app.core.domain import Reason
from app.settings import Settings
from app.store.db import Database
from app.store.mail import Mail, MailStatus, Subscriber
from app.store.mail_outbox import claim_due_mails
from app.store.types import utcnow
from app.usecases.mail_outbox import enqueue_event_mails
from app.usecases.subscribers import (
    SubscriptionRequest,
    confirm_subscription,
    request_subscription,
)
from tests.conftest import make_settings
from tests.factories import LETTER, T0, add_service, declare, later, probe
from tests.support.receiver import free_port
from tests.support.smtp import MailSink, body_of, link_in
from tests.support.waiting import wait_for

SENDER = "Pantau Palopo <pantau@example.go.id>"
PUBLIC = "https://pantau.example.go.id"
WARGA = "Warga@palopo.example.org"  # as stored: the domain lower-cased


@pytest.fixture
def sink_port() -> int:
    return free_port()


@pytest.fixture
def settings(database_url: str, sink_port: int) -> Settings:
    """The app's mailer on (fast ticks, a short retry schedule), sending to the sink's port."""
    return make_settings(
        database_url,
        run_dispatcher=True,
        smtp_url=f"smtp://127.0.0.1:{sink_port}",
        mail_from=SENDER,
        public_url=PUBLIC,
        mail_tick_seconds=0.1,
        mail_retry_schedule="0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3",
        smtp_timeout_seconds=5,
        subscribe_client_per_hour=5,
    )


@pytest.fixture
async def sink(sink_port: int) -> AsyncIterator[MailSink]:
    async with MailSink(sink_port) as running:
        yield running


async def ask(client: httpx.AsyncClient, email: str, **fields: Any) -> httpx.Response:
    body = {"email": email, "regions": ["73.73"], "lang": "id"} | fields
    return await client.post("/api/v1/subscribers", json=body)


def local(link: str) -> str:
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC
    return f"{parts.path}?{parts.query}"


async def mails(database: Database, email: str) -> list[Mail]:
    async with database.read() as session:
        query = (
            select(Mail)
            .join(Subscriber, col(Subscriber.id) == col(Mail.subscriber_id))
            .where(col(Subscriber.email) == email)
            .order_by(col(Mail.id))
        )
        return list((await session.exec(query)).all())


async def status_of(database: Database, email: str) -> str:
    async with database.read() as session:
        query = select(Subscriber.status).where(col(Subscriber.email) == email)
        return str((await session.exec(query)).one())


async def all_settled(database: Database, email: str) -> bool:
    rows = await mails(database, email)
    return bool(rows) and all(row.status != MailStatus.PENDING for row in rows)


async def test_double_opt_in_then_exactly_one_cutoff_mail_then_one_click_unsubscribe(
    client: httpx.AsyncClient, database: Database, sink: MailSink
) -> None:
    assert (await ask(client, "Warga@PALOPO.example.org")).status_code == 202
    assert (await ask(client, "belum@example.org", lang="en")).status_code == 202
    (confirmation,) = await wait_for(lambda: sink.to(WARGA), within=15)
    assert confirmation["Subject"] == "[Pantau] Konfirmasi langganan email"
    assert "Kota Palopo (73.73)" in body_of(confirmation)
    confirm = local(link_in(confirmation, "/subscribers/confirm?token="))

    page = await client.get(confirm)  # what a mail scanner does: nothing is confirmed
    assert page.status_code == 200
    assert '<form method="post" action="/subscribers/confirm?token=' in page.text
    assert "Konfirmasi langganan email" in page.text  # Indonesian first,
    assert "Confirm your email subscription" in page.text  # English beside it
    assert await status_of(database, WARGA) == "pending"
    done = await client.post(confirm)
    assert done.status_code == 200 and "Langganan aktif" in done.text
    assert await status_of(database, WARGA) == "confirmed"
    assert (await client.post(confirm)).status_code == 404  # a link works once

    service = await add_service(database)
    await probe(database, service, Reason.NETWORK_TIMEOUT, at=T0)  # the outage begins
    await declare(database, "cutoff", later(600))  # the letter arrives ten minutes later
    await wait_for(lambda: all_settled(database, WARGA), within=15)
    await wait_for(lambda: all_settled(database, "belum@example.org"), within=15)

    # The mailer sends due mails side by side, so the outage and the cutoff mail, queued a
    # moment apart, may reach the server in either order (as mail may anyway).
    confirmed, *notices = sink.to(WARGA)
    assert confirmed["Subject"] == "[Pantau] Konfirmasi langganan email"
    cutoff_subject = f"[Pantau] Kota Palopo: layanan e-KTP diputus (surat {LETTER['reference']})"
    assert sorted(m["Subject"] for m in notices) == sorted(
        [cutoff_subject, "[Pantau] Kota Palopo: layanan e-KTP terganggu"]
    )
    assert [m["Subject"] for m in sink.to("belum@example.org")] == [
        "[Pantau] Confirm your email subscription"
    ]
    (cutoff,) = [m for m in notices if m["Subject"] == cutoff_subject]
    check_notice_headers(cutoff)
    text = body_of(cutoff)
    assert "Layanan e-KTP Kota Palopo (Sulawesi Selatan) diputus oleh pemerintah pusat." in text
    assert "Sejak: 29 November 2026 pukul 16.00 WITA" in text  # T0 is 08:00 UTC
    assert f"Surat: {LETTER['reference']}, dari {LETTER['issuer']}, tanggal 28 November 2026" in (
        text
    )
    assert f"{PUBLIC}/regions/73.73" in text

    unsubscribe = local(cutoff["List-Unsubscribe"].strip("<>"))
    one_click = await client.post(
        unsubscribe,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200 and "berhenti berlangganan" in one_click.text
    assert await status_of(database, WARGA) == "unsubscribed"
    queued = len(await mails(database, WARGA))
    await declare(database, "lifted", later(700))
    await declare(database, "cutoff", later(800))
    assert len(await mails(database, WARGA)) == queued  # nothing more is even queued
    assert len(sink.to(WARGA)) == 3


def check_notice_headers(message: EmailMessage) -> None:
    assert message["From"] == SENDER
    assert message["Message-ID"].endswith("@example.go.id>")
    assert message["Date"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{PUBLIC}/subscribers/unsubscribe?token=")
    assert unsubscribe.strip("<>") in body_of(message)


async def test_answer_is_the_same_for_a_known_address_and_fields_are_checked(
    client: httpx.AsyncClient,
) -> None:
    first = await ask(client, "warga@example.org")
    again = await ask(client, "warga@example.org", regions=["73", "73.17"])
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    cases: list[tuple[dict[str, Any], list[str | int]]] = [
        ({"email": "not an address"}, ["body", "email"]),
        ({"regions": ["73.99"]}, ["body", "regions", 0]),
        ({"regions": ["73.73", "palopo"]}, ["body", "regions", 1]),
        ({"regions": []}, ["body", "regions"]),
        ({"regions": ["73"] * 51}, ["body", "regions"]),
        ({"lang": "fr"}, ["body", "lang"]),
    ]
    for fields, location in cases:
        email = str(fields.pop("email", "warga@example.org"))
        answer = await ask(client, email, **fields)
        assert answer.status_code == 422, fields
        assert answer.json()["detail"][0]["loc"] == location, fields


async def test_rate_limits_per_address_and_per_client(
    client: httpx.AsyncClient, database: Database
) -> None:
    for _ in range(3):
        assert (await ask(client, "sering@example.org")).status_code == 202
    limited = await ask(client, "sering@example.org")
    assert limited.status_code == 429
    assert 86_000 < int(limited.headers["Retry-After"]) <= 86_400  # a day's window
    for n in range(2):  # the client's fourth and fifth accepted requests this hour
        assert (await ask(client, f"lain{n}@example.org")).status_code == 202
    refused = await ask(client, "baru@example.org")
    assert refused.status_code == 429
    assert 3_500 < int(refused.headers["Retry-After"]) <= 3_600
    assert await mails(database, "baru@example.org") == []
    assert len(await mails(database, "sering@example.org")) == 3


async def test_smtp_server_down_then_back_delivers_once(
    client: httpx.AsyncClient, database: Database, sink_port: int
) -> None:
    assert (await ask(client, "sabar@example.org")).status_code == 202

    async def retried() -> bool:
        rows = await mails(database, "sabar@example.org")
        return bool(rows) and rows[0].attempt_count >= 2 and rows[0].last_error is not None

    await wait_for(retried, within=15)
    assert (await mails(database, "sabar@example.org"))[0].status == MailStatus.PENDING
    async with MailSink(sink_port) as back:
        await wait_for(lambda: all_settled(database, "sabar@example.org"), within=15)
    (row,) = await mails(database, "sabar@example.org")
    assert row.status == MailStatus.SENT and row.sent_at is not None
    assert [m["Message-ID"] for m in back.messages] == [row.message_id]


async def test_a_permanent_refusal_is_not_retried(
    client: httpx.AsyncClient, database: Database, sink: MailSink
) -> None:
    sink.refuse.add("tidakada@example.org")
    assert (await ask(client, "tidakada@example.org")).status_code == 202
    await wait_for(lambda: all_settled(database, "tidakada@example.org"), within=15)
    (row,) = await mails(database, "tidakada@example.org")
    assert row.status == MailStatus.FAILED and row.attempt_count == 1
    assert row.last_error is not None and row.last_error.startswith("550")
    assert sink.messages == []


async def test_no_duplicate_for_an_event_written_twice_or_a_lease_claimed_again(
    database: Database, settings: Settings
) -> None:
    """Without the app (no mailer running): the outbox rows themselves."""
    async with database.transaction() as session:
        request = SubscriptionRequest("a@example.org", ["73"], "id", "127.0.0.1")
        assert await request_subscription(session, request, settings=settings, now=utcnow()) is None
    (confirmation,) = await mails(database, "a@example.org")
    token = confirmation.body_text.split("token=")[1].split()[0]
    async with database.transaction() as session:
        assert await confirm_subscription(session, token, now=utcnow()) is not None

    cutoff = {"region": {"code": "73.73", "name": "Kota Palopo"}, "incident_id": 9}
    for _ in range(2):  # a retried transaction, a replayed event: one mail
        async with database.transaction() as session:
            made = await enqueue_event_mails(
                session,
                event_id="msg_1",
                event_type="cutoff.declared",
                data=cutoff,
                at=T0,
                now=utcnow(),
            )
    assert made == 0  # the second time
    rows = await mails(database, "a@example.org")
    assert [row.kind for row in rows] == ["confirm", "cutoff"]

    now = utcnow()
    async with database.transaction() as session:
        first = await claim_due_mails(session, now=now, limit=10, lease_seconds=60)
    async with database.transaction() as session:
        assert await claim_due_mails(session, now=now, limit=10, lease_seconds=60) == []
    async with database.transaction() as session:  # the holder crashed: its lease runs out
        again = await claim_due_mails(
            session, now=now + timedelta(seconds=61), limit=10, lease_seconds=60
        )
    assert [m.message_id for m in again] == [m.message_id for m in first]
    assert [m.attempt_number for m in again] == [2, 2]


async def test_recovery_is_one_mail_per_episode_to_those_told(database: Database) -> None:
    now = utcnow()

    async def subscribe(email: str) -> None:
        async with database.transaction() as session:
            request = SubscriptionRequest(email, ["73.73"], "en", "127.0.0.2")
            settings = database.settings
            await request_subscription(session, request, settings=settings, now=now)
        token = (await mails(database, email))[0].body_text.split("token=")[1].split()[0]
        async with database.transaction() as session:
            await confirm_subscription(session, token.removesuffix("&lang=en"), now=now)

    async def event(event_id: str, event_type: str, **data: Any) -> None:
        region = {"code": "73.73", "name": "Kota Palopo"}
        async with database.transaction() as session:
            await enqueue_event_mails(
                session,
                event_id=event_id,
                event_type=event_type,
                data={"region": region, "incident_id": 4} | data,
                at=T0,
                now=now,
            )

    await subscribe("told@example.org")
    await event("e1", "region.outage", category="network")
    await event("e2", "region.outage", category="network")  # same episode: no second mail
    await subscribe("late@example.org")  # subscribed after the outage was told
    await event("e3", "region.operational")
    await event("e4", "cutoff.lifted", lifted_by="recovery")
    assert [m.kind for m in await mails(database, "told@example.org")] == [
        "confirm",
        "outage",
        "recovery",
    ]
    assert [m.kind for m in await mails(database, "late@example.org")] == ["confirm"]
    (recovery,) = [m for m in await mails(database, "told@example.org") if m.kind == "recovery"]
    assert recovery.subject == "[Pantau] Kota Palopo: e-KTP service restored"


async def test_region_page_form_opts_in_and_refuses_other_sites(
    client: httpx.AsyncClient, database: Database
) -> None:
    page = await client.get("/regions/73.73")
    assert 'action="/regions/73.73/subscribe"' in page.text
    assert "Berlangganan email" in page.text and "Subscribe by email" in page.text
    form = {"email": "form@example.org", "lang": "en"}
    foreign = await client.post(
        "/regions/73.73/subscribe", data=form, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    assert await mails(database, "form@example.org") == []
    own = await client.post(
        "/regions/7373/subscribe", data=form, headers={"Origin": "http://pantau.test"}
    )
    assert own.status_code == 200 and "Check your email" in own.text
    assert [m.kind for m in await mails(database, "form@example.org")] == ["confirm"]
    # What Chromium sends from a page under `Referrer-Policy: no-referrer`: `Origin: null`,
    # with Sec-Fetch-Site saying whether the page was Pantau's own.
    opaque = {"email": "opaque@example.org", "lang": "en"}
    null_foreign = {"Origin": "null", "Sec-Fetch-Site": "cross-site"}
    refused = await client.post("/regions/73.73/subscribe", data=opaque, headers=null_foreign)
    assert refused.status_code == 403
    null_own = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    accepted = await client.post("/regions/73.73/subscribe", data=opaque, headers=null_own)
    assert accepted.status_code == 200
    assert [m.kind for m in await mails(database, "opaque@example.org")] == ["confirm"]
    bad = await client.post("/regions/73.73/subscribe", data={"email": "x@"})
    assert bad.status_code == 422
    unknown = await client.get("/subscribers/unsubscribe?token=nope")
    assert unknown.status_code == 404
