"""The mailer: a leased worker (`app/workers/leased.py`) whose ticks claim due mails, hand
each to the SMTP server outside any transaction, and record the outcomes in batches.

All state is in the database. A crash loses nothing: a mail whose outcome was not recorded
keeps its lease until it expires and is then sent again with the same Message-ID. A mail is
sent only while its subscriber may get it (a confirmation always; anything else only while
confirmed): a mail of a subscriber who left is cancelled instead.
"""

from __future__ import annotations

import logging
import random
import ssl

from app.core.delivery_policy import RetryPolicy
from app.core.mail_rules import MailOutcome, decide_mail
from app.core.mail_text import MailKind, build_message
from app.core.smtp_url import SmtpTarget
from app.notify.smtp import send_message
from app.settings import Settings
from app.store.db import Database
from app.store.mail import MailStatus, SubscriberStatus
from app.store.mail_outbox import ClaimedMail, MailResult, claim_due_mails, has_due_mails
from app.store.mail_outbox import record_mail_results as store_results
from app.workers.clock import Clock
from app.workers.leased import LeasedWorker, WorkerNames

log = logging.getLogger(__name__)

RECORD_BATCH = 100
NAMES = WorkerNames("mailer", "claiming due mails", "recording mail outcomes", "mail outcomes")
_STATUS = {
    MailOutcome.SENT: MailStatus.SENT,
    MailOutcome.RETRY: MailStatus.PENDING,
    MailOutcome.FAILED: MailStatus.FAILED,
}


def mail_lease_seconds(settings: Settings) -> float:
    """A lease must outlive one send and the wait for the next tick's recording."""
    floor = settings.smtp_timeout_seconds + 2 * settings.mail_tick_seconds + 1
    return max(settings.mail_lease_seconds, floor)


class Mailer(LeasedWorker[ClaimedMail, MailResult]):
    def __init__(
        self,
        database: Database,
        settings: Settings,
        target: SmtpTarget,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(
            NAMES,
            log,
            tick_seconds=settings.mail_tick_seconds,
            batch_size=RECORD_BATCH,
            clock=clock,
        )
        self.database = database
        self.settings = settings
        self.target = target
        self.sender = settings.mail_sender
        self.policy = RetryPolicy(tuple(settings.mail_retry_schedule), jitter=0.2)
        self.lease_seconds = mail_lease_seconds(settings)
        self.tls_context = tls_context
        self.sent = 0
        self._rng = rng or random.Random()

    @property
    def capacity(self) -> int:
        return self.settings.mail_concurrency

    async def claim(self, room: int) -> list[ClaimedMail]:
        if room <= 0:
            return []
        now = self.clock.now()
        async with self.database.read() as session:
            if not await has_due_mails(session, now=now):
                return []
        async with self.database.transaction() as session:
            return await claim_due_mails(
                session, now=now, limit=room, lease_seconds=self.lease_seconds
            )

    async def work(self, mail: ClaimedMail) -> MailResult:
        allowed = mail.kind == MailKind.CONFIRM or (
            mail.subscriber_status == SubscriberStatus.CONFIRMED
        )
        if not allowed:
            return MailResult(mail, MailStatus.CANCELLED, self.clock.now())
        message = build_message(
            sender=self.sender,
            recipient=mail.recipient,
            subject=mail.subject,
            body=mail.body_text,
            message_id=mail.message_id,
            date=mail.created_at,
            headers=mail.headers,
            html=mail.body_html,
        )
        result = await send_message(
            self.target,
            message,
            sender=self.sender.addr_spec,
            recipient=mail.recipient,
            seconds=self.settings.smtp_timeout_seconds,
            tls_context=self.tls_context,
        )
        now = self.clock.now()
        decision = decide_mail(
            result, attempt_number=mail.attempt_number, policy=self.policy, now=now, rng=self._rng
        )
        if decision.outcome == MailOutcome.SENT:
            self.sent += 1
        else:
            log.info(
                "mail %d (%s), attempt %d: %s → %s",
                mail.mail_id,
                mail.kind,
                mail.attempt_number,
                result.error,
                decision.outcome,
            )
        return MailResult(
            mail, _STATUS[decision.outcome], now, decision.next_attempt_at, result.error
        )

    async def record(self, batch: list[MailResult]) -> None:
        async with self.database.transaction() as session:
            await store_results(session, batch)
