"""Queries of the citizens' email subscriptions (tables in app/store/mail.py): subscribers and
their regions, the requests the rate limits count, and queuing mails once per source."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel, col
from sqlmodel import select as sql_select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.mail_text import TOLD_OF_EPISODE
from app.store.mail import (
    Mail,
    MailRequest,
    MailStatus,
    Subscriber,
    SubscriberRegion,
    SubscriberStatus,
)

subscriber_table: Table = SQLModel.metadata.tables[Subscriber.__tablename__]  # type: ignore[index]
region_link_table: Table = SQLModel.metadata.tables[SubscriberRegion.__tablename__]  # type: ignore[index]
mail_table: Table = SQLModel.metadata.tables[Mail.__tablename__]  # type: ignore[index]
request_table: Table = SQLModel.metadata.tables[MailRequest.__tablename__]  # type: ignore[index]


@dataclass(frozen=True, slots=True)
class Recipient:
    subscriber_id: int
    email: str
    lang: str


async def subscriber_by_email(session: AsyncSession, email: str) -> Subscriber | None:
    query = sql_select(Subscriber).where(col(Subscriber.email) == email)
    return (await session.exec(query)).first()


async def subscriber_by_confirm_hash(session: AsyncSession, token_hash: str) -> Subscriber | None:
    query = sql_select(Subscriber).where(col(Subscriber.confirm_token_hash) == token_hash)
    return (await session.exec(query)).first()


async def subscriber_by_unsubscribe_hash(
    session: AsyncSession, token_hash: str
) -> Subscriber | None:
    """The subscriber a mail's unsubscribe link was made for."""
    query = (
        sql_select(Subscriber)
        .join(Mail, col(Mail.subscriber_id) == col(Subscriber.id))
        .where(col(Mail.unsubscribe_token_hash) == token_hash)
    )
    return (await session.exec(query)).first()


async def request_times(
    session: AsyncSession, *, client_hash: str, address_hash: str, since: datetime
) -> tuple[list[datetime], list[datetime]]:
    """When the requests of this client, and those for this address, were accepted since."""
    r = request_table.c
    connection = await session.connection()
    by_client = select(r.at).where(r.client_hash == client_hash, r.at > since)
    by_address = select(r.at).where(r.address_hash == address_hash, r.at > since)
    return (
        list((await connection.execute(by_client)).scalars()),
        list((await connection.execute(by_address)).scalars()),
    )


async def add_request(
    session: AsyncSession,
    *,
    client_hash: str,
    address_hash: str,
    at: datetime,
    forget_before: datetime,
) -> None:
    """Count one accepted request; forget those no limit looks at any more."""
    connection = await session.connection()
    await connection.execute(delete(request_table).where(request_table.c.at < forget_before))
    values = {"client_hash": client_hash, "address_hash": address_hash, "at": at}
    await connection.execute(insert(request_table).values(values))


async def set_regions(session: AsyncSession, subscriber_id: int, codes: Collection[str]) -> None:
    connection = await session.connection()
    link = region_link_table.c
    await connection.execute(delete(region_link_table).where(link.subscriber_id == subscriber_id))
    rows = [{"subscriber_id": subscriber_id, "region_code": code} for code in sorted(set(codes))]
    if rows:
        await connection.execute(insert(region_link_table), rows)


async def regions_of(session: AsyncSession, subscriber_id: int) -> list[str]:
    link = region_link_table.c
    query = select(link.region_code).where(link.subscriber_id == subscriber_id)
    return sorted((await (await session.connection()).execute(query)).scalars())


async def recipients_in_region(session: AsyncSession, region_code: str) -> list[Recipient]:
    """Confirmed subscribers of the region, or of its whole province."""
    s, link = subscriber_table.c, region_link_table.c
    codes = {region_code, region_code.split(".", 1)[0]}
    query = (
        select(s.id, s.email, s.lang)
        .join(region_link_table, link.subscriber_id == s.id)
        .where(link.region_code.in_(codes), s.status == str(SubscriberStatus.CONFIRMED))
        .distinct()
        .order_by(s.id)
    )
    rows = (await (await session.connection()).execute(query)).all()
    return [Recipient(row.id, row.email, row.lang) for row in rows]


async def recipients_told_of(session: AsyncSession, incident_id: int) -> list[Recipient]:
    """Confirmed subscribers who were mailed about this episode (its outage, cut, lifting)."""
    s, m = subscriber_table.c, mail_table.c
    told = select(m.subscriber_id).where(
        m.incident_id == incident_id, m.kind.in_([str(kind) for kind in TOLD_OF_EPISODE])
    )
    query = (
        select(s.id, s.email, s.lang)
        .where(s.id.in_(told), s.status == str(SubscriberStatus.CONFIRMED))
        .order_by(s.id)
    )
    rows = (await (await session.connection()).execute(query)).all()
    return [Recipient(row.id, row.email, row.lang) for row in rows]


async def queue_mails(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert mail rows, skipping any whose (subscriber, source) is queued already; returns
    how many were new."""
    if not rows:
        return 0
    connection = await session.connection()
    insert_for = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert_for(mail_table).on_conflict_do_nothing(
        index_elements=["subscriber_id", "source_key"]
    )
    inserted = 0
    for row in rows:  # one at a time: a skipped row must not hide the others' counts
        inserted += (await connection.execute(statement, row)).rowcount or 0
    return inserted


async def cancel_pending_mails(session: AsyncSession, subscriber_id: int, *, now: datetime) -> None:
    m = mail_table.c
    await (await session.connection()).execute(
        update(mail_table)
        .where(m.subscriber_id == subscriber_id, m.status == str(MailStatus.PENDING))
        .values(status=str(MailStatus.CANCELLED), updated_at=now, leased_until=None)
    )
