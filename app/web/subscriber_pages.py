"""The citizens' email subscription pages, without JavaScript:

- `POST /regions/{code}/subscribe`: the region page's form (email, language), the same
  request as `POST /api/v1/subscribers`; a form posted from another site is refused (403).
- `GET /subscribers/confirm?token=`: what the link would confirm and a button; only the
  button's POST confirms, so a mail scanner fetching the link confirms nothing.
- `GET /subscribers/unsubscribe?token=`: a button; `POST` to the same URL unsubscribes at
  once, which is also the RFC 8058 one-click POST a mail client sends
  (`List-Unsubscribe=One-Click`; the token is in the URL, the body is not needed).

No page shows an address. None is cached (`Cache-Control: no-store`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Query, Request, Response

from app.core.email_address import MAX_LENGTH, normalise_address
from app.core.errors import InvalidInput, TooManyRequests, Unavailable
from app.http.deps import ClockDep, DatabaseDep, ReadSession, SettingsDep
from app.http.region_codes import region_code_or_none
from app.http.subscribing import accept_subscription, client_address, cross_site
from app.store.regions import places
from app.usecases.subscribers import (
    confirm_subscription,
    known_unsubscribe_token,
    pending_confirmation,
    unsubscribe,
)
from app.web.i18n import WORDS, Lang, negotiate, other, word, words
from app.web.pages import AcceptLanguage, LangQuery
from app.web.render import html_response, render_html

router = APIRouter(include_in_schema=False)

# The link's token; without one, the page says the link does not work (404).
Token = Annotated[str, Query(max_length=100)]


@dataclass(frozen=True, slots=True)
class SubscriberPage:
    """Its title and button in both languages, Indonesian first; the message in the page's."""

    title: tuple[str, str]
    message: str
    regions: list[tuple[str, str]] = field(default_factory=list)  # (name, code)
    action: str | None = None  # a form posting to this URL, with `button`
    button: tuple[str, str] = ("", "")
    back: str = "/"


def _link(path: str, lang: Lang, **query: str) -> str:
    return f"{path}?{urlencode({**query, 'lang': lang})}"


def _render(
    page: SubscriberPage,
    lang: Lang,
    *,
    status_code: int = 200,
    lang_href: str,
    retry_after: int | None = None,
) -> Response:
    body = render_html(
        "subscriber.html",
        lang,
        page=page,
        w=words(lang),
        other_lang=other(lang),
        lang_href=lang_href,
    )
    response = html_response(body, lang, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


async def _named(session: ReadSession, codes: list[str]) -> list[tuple[str, str]]:
    known = await places(session, codes)
    return [(known[code].name if code in known else code, code) for code in codes]


@router.post("/regions/{code}/subscribe")
async def subscribe_form(
    code: str,
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Response:
    form = _form(await request.body())
    lang: Lang = "en" if form.get("lang") == "en" else "id"
    region = region_code_or_none(code)
    back = _link(f"/regions/{region or code}", lang)
    lang_href = _link(f"/regions/{region or code}", other(lang))

    def page(key: str, status_code: int, message: str | None = None, **extra: int) -> Response:
        """The page titled `key`'s title, saying `message` (by default `key`'s words)."""
        said = word(key, lang) if message is None else message
        shown = SubscriberPage(WORDS[f"{key}_title"], said, back=back)
        return _render(shown, lang, status_code=status_code, lang_href=lang_href, **extra)

    if cross_site(request, settings):
        return page("sub_cross_site", 403)
    try:
        email = normalise_address(form.get("email", "")[: MAX_LENGTH + 1])
    except ValueError as exc:
        return page("sub_bad_email", 422, str(exc))
    try:
        await accept_subscription(
            database,
            settings,
            clock,
            email=email,
            regions=[region] if region else [code],
            lang=lang,
            client=client_address(request),
            regions_at=("path", "code"),
        )
    except Unavailable:
        return page("sub_unavailable", 503)
    except InvalidInput as exc:
        return page("sub_unknown_region", 404, exc.message)
    except TooManyRequests as exc:
        return page("sub_too_many", 429, retry_after=exc.retry_after)
    return page("sub_check", 200)


def _form(body: bytes) -> dict[str, str]:
    """An urlencoded form's fields (the first of each); undecodable bytes are replaced."""
    fields: dict[str, str] = {}
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        fields.setdefault(name, value)
    return fields


@dataclass(frozen=True, slots=True)
class MailLink:
    """A mail's link as followed: its page, its token (empty without one) and the language
    the page speaks."""

    path: str
    token: str
    lang: Lang

    def here(self, lang: Lang) -> str:
        return _link(self.path, lang, token=self.token)

    def page(self, key: str, regions: list[tuple[str, str]] | None = None) -> SubscriberPage:
        """The page titled `key`'s title, saying `key`'s words, with `regions`."""
        return SubscriberPage(WORDS[f"{key}_title"], word(key, self.lang), regions or [])

    def button_page(self, key: str, regions: list[tuple[str, str]] | None = None) -> SubscriberPage:
        """`key`'s page with its button, posting to this link."""
        shown = self.page(key, regions)
        return replace(shown, action=self.here(self.lang), button=WORDS[f"{key}_button"])

    def answer(self, page: SubscriberPage | None, bad: str, *, done: bool = False) -> Response:
        """`page`, or, for a link that does not work, the page saying `bad` (404). The other
        language's link is this one's, or the home page's once the link has been `done`."""
        lang_href = _link("/", other(self.lang)) if done else self.here(other(self.lang))
        if page is None:
            shown = SubscriberPage(WORDS["sub_bad_link_title"], word(bad, self.lang))
            return _render(shown, self.lang, status_code=404, lang_href=lang_href)
        return _render(page, self.lang, lang_href=lang_href)


def _mail_link(path: str) -> Callable[..., MailLink]:
    def followed(
        token: Token = "", lang: LangQuery = None, accept_language: AcceptLanguage = None
    ) -> MailLink:
        return MailLink(path, token, negotiate(lang, accept_language))

    return followed


ConfirmLink = Annotated[MailLink, Depends(_mail_link("/subscribers/confirm"))]
UnsubscribeLink = Annotated[MailLink, Depends(_mail_link("/subscribers/unsubscribe"))]


@router.get("/subscribers/confirm")
async def confirm_page(session: ReadSession, clock: ClockDep, link: ConfirmLink) -> Response:
    pending = await pending_confirmation(session, link.token, now=clock.now())
    page = None
    if pending is not None:
        page = link.button_page("sub_confirm", await _named(session, pending.regions))
    return link.answer(page, "sub_bad_confirm")


@router.post("/subscribers/confirm")
async def confirm(database: DatabaseDep, clock: ClockDep, link: ConfirmLink) -> Response:
    async with database.transaction() as session:
        confirmed = await confirm_subscription(session, link.token, now=clock.now())
        page = None
        if confirmed is not None:
            page = link.page("sub_confirmed", await _named(session, confirmed.regions))
    return link.answer(page, "sub_bad_confirm", done=True)


@router.get("/subscribers/unsubscribe")
async def unsubscribe_page(session: ReadSession, link: UnsubscribeLink) -> Response:
    known = await known_unsubscribe_token(session, link.token) is not None
    return link.answer(
        link.button_page("sub_unsubscribe") if known else None, "sub_bad_unsubscribe"
    )


@router.post("/subscribers/unsubscribe")
async def unsubscribe_now(
    database: DatabaseDep, clock: ClockDep, link: UnsubscribeLink
) -> Response:
    """The button's POST and RFC 8058's one-click POST alike: unsubscribed at once."""
    async with database.transaction() as session:
        done = await unsubscribe(session, link.token, now=clock.now()) is not None
    page = link.page("sub_unsubscribed") if done else None
    return link.answer(page, "sub_bad_unsubscribe", done=True)
