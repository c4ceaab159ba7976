"""Where the public can download declarations' letters: the absolute links the JSON API, the
feeds and the webhooks give (PANTAU_PUBLIC_URL), only for letters whose visibility is
`public`, as it is now."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.letters import letter_url
from app.reads.region_shapes import DeclarationPublic
from app.store.letters import public_letter_ids


async def public_letter_urls(
    session: AsyncSession, declaration_ids: Iterable[int | None], base_url: str
) -> dict[int, str]:
    """Declaration id → its public letter's link, for those that have one."""
    ids = [i for i in declaration_ids if i is not None]
    return {i: letter_url(base_url, i) for i in await public_letter_ids(session, ids)}


async def with_letter_urls(
    session: AsyncSession, declarations: list[DeclarationPublic], base_url: str
) -> list[DeclarationPublic]:
    """`declarations` with `letter_url` set where their letter is public."""
    urls = await public_letter_urls(session, (d.id for d in declarations), base_url)
    return [d.model_copy(update={"letter_url": urls.get(d.id)}) for d in declarations]
