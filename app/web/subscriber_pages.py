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

from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Query, Request, Response

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
from app.web.i18n import Lang, negotiate, other, words
from app.web.pages import AcceptLanguage, LangQuery
from app.web.render import html_response, render_html

router = APIRouter(include_in_schema=False)

# The link's token; without one, the page says the link does not work (404).
Token = Annotated[str, Query(max_length=100)]

# key → (Indonesian, English)
TEXT: dict[str, tuple[str, str]] = {
    "heading": ("Berlangganan email", "Subscribe by email"),
    "check_title": ("Periksa email Anda", "Check your email"),
    "check": (
        "Jika alamat ini dapat menerima email, kami mengirim tautan konfirmasi ke sana. "
        "Tanpa konfirmasi, tidak ada email lain yang dikirim.",
        "If this address can receive email, a confirmation link is on its way to it. "
        "Without confirmation, nothing else is sent.",
    ),
    "bad_email_title": ("Alamat email tidak valid", "Not a valid email address"),
    "too_many_title": ("Terlalu banyak permintaan", "Too many requests"),
    "too_many": (
        "Terlalu banyak permintaan berlangganan. Coba lagi nanti.",
        "Too many subscription requests. Please try again later.",
    ),
    "unavailable_title": ("Email belum tersedia", "Email is not available"),
    "unavailable": (
        "Server Pantau ini belum disiapkan untuk mengirim email.",
        "This Pantau server is not set up to send email.",
    ),
    "cross_site_title": ("Permintaan ditolak", "Request refused"),
    "cross_site": (
        "Formulir ini hanya dapat dikirim dari halaman Pantau sendiri.",
        "This form can only be sent from Pantau's own pages.",
    ),
    "confirm_title": ("Konfirmasi langganan email", "Confirm your email subscription"),
    "confirm": (
        "Tekan tombol untuk menerima email tentang layanan e-KTP daerah berikut:",
        "Press the button to receive email about the e-KTP service of:",
    ),
    "confirm_button": ("Konfirmasi", "Confirm"),
    "confirmed_title": ("Langganan aktif", "Subscription confirmed"),
    "confirmed": (
        "Anda akan menerima email saat layanan e-KTP daerah berikut diputus, terganggu, "
        "mendapat teguran, atau pulih. Setiap email memuat tautan berhenti berlangganan.",
        "You will get an email when the e-KTP service of these regions is cut off, goes "
        "down, gets a warning, or recovers. Every email has an unsubscribe link.",
    ),
    "bad_link_title": ("Tautan tidak berlaku", "This link does not work"),
    "unknown_region_title": ("Daerah tidak dikenal", "Unknown region"),
    "bad_confirm": (
        "Tautan konfirmasi ini tidak dikenal, sudah dipakai, atau kedaluwarsa (7 hari). "
        "Minta tautan baru dari halaman daerah.",
        "This confirmation link is unknown, used already, or expired (7 days). Ask for a "
        "new one on the region's page.",
    ),
    "bad_unsubscribe": (
        "Tautan berhenti berlangganan ini tidak dikenal.",
        "This unsubscribe link is unknown.",
    ),
    "unsubscribe_title": ("Berhenti berlangganan", "Unsubscribe"),
    "unsubscribe": (
        "Tekan tombol untuk berhenti menerima email dari Pantau.",
        "Press the button to stop receiving email from Pantau.",
    ),
    "unsubscribe_button": ("Berhenti berlangganan", "Unsubscribe"),
    "unsubscribed_title": ("Anda telah berhenti berlangganan", "You are unsubscribed"),
    "unsubscribed": (
        "Pantau tidak akan mengirim email lagi ke alamat ini.",
        "Pantau will send no more email to this address.",
    ),
}


@dataclass(frozen=True, slots=True)
class SubscriberPage:
    """Its title and button in both languages, Indonesian first; the message in the page's."""

    title: tuple[str, str]
    message: str
    regions: list[tuple[str, str]] = field(default_factory=list)  # (name, code)
    action: str | None = None  # a form posting to this URL, with `button`
    button: tuple[str, str] = ("", "")
    back: str = "/"


def text(key: str, lang: Lang) -> str:
    return TEXT[key][0 if lang == "id" else 1]


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

    def page(title: str, message: str, status_code: int, **extra: int) -> Response:
        shown = SubscriberPage(TEXT[title], message, back=back)
        return _render(shown, lang, status_code=status_code, lang_href=lang_href, **extra)

    if cross_site(request, settings):
        return page("cross_site_title", text("cross_site", lang), 403)
    try:
        email = normalise_address(form.get("email", "")[: MAX_LENGTH + 1])
    except ValueError as exc:
        return page("bad_email_title", str(exc), 422)
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
        return page("unavailable_title", text("unavailable", lang), 503)
    except InvalidInput as exc:
        return page("unknown_region_title", exc.message, 404)
    except TooManyRequests as exc:
        return page("too_many_title", text("too_many", lang), 429, retry_after=exc.retry_after)
    return page("check_title", text("check", lang), 200)


def _form(body: bytes) -> dict[str, str]:
    """An urlencoded form's fields (the first of each); undecodable bytes are replaced."""
    fields: dict[str, str] = {}
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        fields.setdefault(name, value)
    return fields


def _link_page(page: SubscriberPage | None, bad: str, lang: Lang, lang_href: str) -> Response:
    """The page a mail's link leads to, or, for a link that does not work, the page saying
    so (404)."""
    if page is None:
        shown = SubscriberPage(TEXT["bad_link_title"], text(bad, lang))
        return _render(shown, lang, status_code=404, lang_href=lang_href)
    return _render(page, lang, lang_href=lang_href)


@router.get("/subscribers/confirm")
async def confirm_page(
    session: ReadSession,
    clock: ClockDep,
    token: Token = "",
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    chosen = negotiate(lang, accept_language)
    pending = await pending_confirmation(session, token, now=clock.now())
    page = None
    if pending is not None:
        page = SubscriberPage(
            TEXT["confirm_title"],
            text("confirm", chosen),
            regions=await _named(session, pending.regions),
            action=_link("/subscribers/confirm", chosen, token=token),
            button=TEXT["confirm_button"],
        )
    lang_href = _link("/subscribers/confirm", other(chosen), token=token)
    return _link_page(page, "bad_confirm", chosen, lang_href)


@router.post("/subscribers/confirm")
async def confirm(
    database: DatabaseDep,
    clock: ClockDep,
    token: Token = "",
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    chosen = negotiate(lang, accept_language)
    async with database.transaction() as session:
        confirmed = await confirm_subscription(session, token, now=clock.now())
        page = None
        if confirmed is not None:
            regions = await _named(session, confirmed.regions)
            page = SubscriberPage(TEXT["confirmed_title"], text("confirmed", chosen), regions)
    return _link_page(page, "bad_confirm", chosen, _link("/", other(chosen)))


@router.get("/subscribers/unsubscribe")
async def unsubscribe_page(
    session: ReadSession,
    token: Token = "",
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    chosen = negotiate(lang, accept_language)
    known = await known_unsubscribe_token(session, token) is not None
    page = SubscriberPage(
        TEXT["unsubscribe_title"],
        text("unsubscribe", chosen),
        action=_link("/subscribers/unsubscribe", chosen, token=token),
        button=TEXT["unsubscribe_button"],
    )
    lang_href = _link("/subscribers/unsubscribe", other(chosen), token=token)
    return _link_page(page if known else None, "bad_unsubscribe", chosen, lang_href)


@router.post("/subscribers/unsubscribe")
async def unsubscribe_now(
    database: DatabaseDep,
    clock: ClockDep,
    token: Token = "",
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    """The button's POST and RFC 8058's one-click POST alike: unsubscribed at once."""
    chosen = negotiate(lang, accept_language)
    async with database.transaction() as session:
        done = await unsubscribe(session, token, now=clock.now()) is not None
    page = SubscriberPage(TEXT["unsubscribed_title"], text("unsubscribed", chosen))
    return _link_page(page if done else None, "bad_unsubscribe", chosen, _link("/", other(chosen)))
