"""One mail handed to the SMTP server of `PANTAU_SMTP_URL` (app/core/smtp_url.py) with
aiosmtplib: failures are data (a SendResult naming the stage and the reply code), never an
exception, and the whole exchange has one deadline.
"""

from __future__ import annotations

import asyncio
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage

import aiosmtplib

from app.core.mail_rules import SendResult, SmtpStage
from app.core.smtp_url import SmtpSecurity, SmtpTarget


async def send_message(
    target: SmtpTarget,
    message: EmailMessage,
    *,
    sender: str,
    recipient: str,
    seconds: float,
    tls_context: ssl.SSLContext | None = None,
) -> SendResult:
    """Connect (TLS or STARTTLS as the URL says), log in if it names a user, send, quit."""
    started_at = datetime.now(UTC)
    client = aiosmtplib.SMTP(
        hostname=target.host,
        port=target.port,
        use_tls=target.security == SmtpSecurity.TLS,
        start_tls=target.security == SmtpSecurity.STARTTLS,
        timeout=seconds,
        tls_context=tls_context,
    )
    stage = SmtpStage.CONNECT
    try:
        async with asyncio.timeout(seconds):
            await client.connect()
            if target.username is not None:
                stage = SmtpStage.AUTH
                await client.login(target.username, target.password or "")
            stage = SmtpStage.ENVELOPE
            await client.send_message(message, sender=sender, recipients=[recipient])
    except Exception as exc:
        client.close()
        if isinstance(exc, aiosmtplib.SMTPDataError):
            return SendResult(started_at, exc.code, SmtpStage.DATA, _said(exc.code, exc.message))
        if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
            refused = exc.recipients[0]
            return SendResult(started_at, refused.code, stage, _said(refused.code, refused.message))
        if isinstance(exc, aiosmtplib.SMTPResponseException):
            return SendResult(started_at, exc.code, stage, _said(exc.code, exc.message))
        if isinstance(exc, aiosmtplib.SMTPException | OSError | TimeoutError):
            return SendResult(started_at, None, stage, f"{type(exc).__name__}: {exc}"[:500])
        raise
    await _quit(client, seconds)
    return SendResult(started_at)


async def _quit(client: aiosmtplib.SMTP, seconds: float) -> None:
    """The mail is accepted once DATA is answered: a failing QUIT changes nothing."""
    try:
        async with asyncio.timeout(seconds):
            await client.quit()
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        pass
    finally:
        client.close()


def _said(code: int, message: str) -> str:
    return f"{code} {message}"[:500]
