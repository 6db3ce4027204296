"""Stripe Connect onboarding: a seller without a Stripe account has one opened through the
platform and completes it at Stripe.

The first call opens a connected account (Express) for the organisation and keeps it as its
Stripe payout account, ``pending``; each call, the first and any later one while the account
is pending, makes a new short-lived account link to Stripe's onboarding of that same account.
The account becomes ``enabled`` (buyers may pay into it) when Stripe reports that it takes
charges: by its ``account.updated`` webhook or when the seller asks for the account's status.
Either way the account is read from Stripe, so an old event delivered late never undoes a newer
state.

Stripe sends the seller's browser back to the redirect addresses the caller gives, so they must
be https (or http to this machine, for development), without credentials in them.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.payment_model import ProviderName
from reptidex.domain.commerce.payment_ports import (
    AccountRequest,
    ConnectedAccount,
    OnboardingLink,
    OpenUnit,
    Outcome,
    PaymentNotice,
    PayoutAccount,
    PayoutStatus,
    ProviderChoice,
    UnknownAccount,
)
from reptidex.domain.commerce.payout_accounts import record_account_state, stage_payout_account
from reptidex.domain.errors import Conflict, InvalidInput, NotFound

MAX_URL_LENGTH = 2000
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
"""Hosts a redirect may reach over plain http: this machine, for development."""
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_COUNTRY = re.compile(r"[A-Z]{2}")
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+"
)


@dataclass(frozen=True, slots=True)
class Onboarding:
    """The organisation's Stripe payout account and the link to its onboarding at Stripe."""

    account: PayoutAccount
    link: OnboardingLink


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return all(_HOST_LABEL.fullmatch(label) for label in host.split("."))
    return True


def redirect_url(value: str, field: str) -> str:
    """``value`` when a provider may send a user's browser there: https to a host, or http to
    this machine (development); no user name or password, no spaces, control or non-ASCII
    characters, at most 2000 characters. :class:`InvalidInput` (naming ``field``) otherwise.

    >>> redirect_url("https://reptidex.example/payouts/done?step=2", "return_url")
    'https://reptidex.example/payouts/done?step=2'
    >>> redirect_url("http://localhost:8000/payouts", "return_url")
    'http://localhost:8000/payouts'
    >>> for bad in ("http://reptidex.example/", "https://user@evil.example/", "//evil.example",
    ...             "javascript:alert(1)", "https:\\\\evil.example", "https://evil.example /"):
    ...     try:
    ...         redirect_url(bad, "return_url")
    ...     except InvalidInput:
    ...         continue
    ...     raise AssertionError(bad)
    """
    refused = InvalidInput(
        f"{field} must be an https address (or http to localhost), without credentials.",
        field_errors={field: "https://host/path, or http://localhost/path"},
    )
    if len(value) > MAX_URL_LENGTH or not value.isascii() or not value.isprintable():
        raise refused
    if any(character in value for character in " \\"):
        raise refused
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a port that is not a number raises
    except ValueError:
        raise refused from None
    secure = parts.scheme == "https" or (parts.scheme == "http" and host in LOCAL_HOSTS)
    credentials = parts.username is not None or parts.password is not None
    if not secure or credentials or not host or not _valid_host(host):
        raise refused
    return value


def _country(country: str | None) -> str | None:
    if country is None:
        return None
    code = country.upper()
    if not country.isascii() or not _COUNTRY.fullmatch(code):
        raise InvalidInput(
            f"{country!r} is not a country code (ISO 3166-1 alpha-2).",
            field_errors={"country": "two letters, e.g. DE"},
        )
    return code


def _email(email: str | None) -> str | None:
    if email is not None and not _EMAIL.fullmatch(email):
        raise InvalidInput(f"{email!r} is not an email address.", field_errors={"email": "email"})
    return email


async def start_onboarding(
    open_unit: OpenUnit,
    providers: ProviderChoice,
    actor: Member,
    *,
    refresh_url: str,
    return_url: str,
    country: str | None = None,
    email: str | None = None,
) -> Onboarding:
    """Open a Stripe connected account for the actor's organisation (``country``, optional
    ``email``; both used only then), kept as its pending Stripe payout account, and a link to
    its onboarding; a new link for the same account while it is pending. :class:`Conflict`
    when the organisation's Stripe account takes payments already, :class:`InvalidInput` for
    a bad redirect address, country or email. Emits ``transaction.payout_account_set`` when
    it opens the account."""
    actor.require_writer()
    refresh = redirect_url(refresh_url, "refresh_url")
    back = redirect_url(return_url, "return_url")
    country, email = _country(country), _email(email)
    onboarding = providers.onboarding(ProviderName.STRIPE)
    async with open_unit(actor.organisation_id) as uow:
        current = await uow.payout_accounts.get(actor.organisation_id, ProviderName.STRIPE)
    if current is not None and current.status is PayoutStatus.ENABLED:
        raise Conflict("Your Stripe account takes payments already: there is nothing to onboard.")
    if current is None:
        if country is None:
            raise InvalidInput(
                "A new Stripe account needs the seller's country.",
                field_errors={"country": "two letters, e.g. DE"},
            )
        request = AccountRequest(actor.organisation_id, country, email)
        # one key per organisation: a retry, or a racing request, gets the same account
        opened = await onboarding.create_account(
            request, idempotency_key=f"connect-account-{actor.organisation_id}"
        )
        current = await _keep(open_unit, actor, opened)
    link = await onboarding.account_link(current.account, refresh_url=refresh, return_url=back)
    return Onboarding(current, link)


async def _keep(open_unit: OpenUnit, actor: Member, opened: ConnectedAccount) -> PayoutAccount:
    """Store the opened account as the organisation's Stripe payout account, unless a racing
    request stored one first (then that one)."""
    async with open_unit(actor.organisation_id) as uow:
        stored = await uow.payout_accounts.get(actor.organisation_id, ProviderName.STRIPE)
        if stored is not None:
            return stored
        account = PayoutAccount(
            actor.organisation_id, ProviderName.STRIPE, opened.account, opened.status
        )
        await uow.payout_accounts.put(account)
        stage_payout_account(uow, actor, account, None)
        await uow.commit()
        return account


async def refresh_payout_status(
    open_unit: OpenUnit,
    providers: ProviderChoice,
    actor: Member,
    *,
    now: dt.datetime | None = None,
) -> tuple[PayoutAccount, ConnectedAccount]:
    """The organisation's Stripe payout account with its status as Stripe shows it now
    (stored: ``enabled`` once it takes charges). :class:`NotFound` without a Stripe account,
    :class:`~reptidex.domain.commerce.payment_ports.UnknownAccount` when Stripe does not show
    it to the platform. Emits ``transaction.payout_account_status_changed`` when it
    changes."""
    onboarding = providers.onboarding(ProviderName.STRIPE)
    async with open_unit(actor.organisation_id) as uow:
        current = await uow.payout_accounts.get(actor.organisation_id, ProviderName.STRIPE)
    if current is None:
        raise NotFound("Your organisation has no Stripe payout account.")
    shown = await onboarding.retrieve_account(current.account)
    async with open_unit(actor.organisation_id) as uow:
        current = await uow.payout_accounts.get(actor.organisation_id, ProviderName.STRIPE)
        if current is None or current.account != shown.account:
            raise Conflict("Your Stripe payout account changed meanwhile: ask again.")
        stored = await record_account_state(
            uow, current, shown, now or dt.datetime.now(dt.UTC), actor=actor
        )
    return stored, shown


async def apply_account_notice(
    open_unit: OpenUnit, providers: ProviderChoice, notice: PaymentNotice, account_id: str
) -> Outcome:
    """A verified ``account.updated``: read the account from the provider and store its
    status, once per event. ``ignored`` for an account that is no seller's."""
    try:
        shown: ConnectedAccount | None = await providers.onboarding(
            notice.provider
        ).retrieve_account(account_id)
    except UnknownAccount:
        shown = None
    async with open_unit(None) as uow:
        if not await uow.notices.claim(notice.provider, notice.event_id, notice.event_type):
            return "duplicate"
        await uow.scope(reference=account_id)
        account = await uow.payout_accounts.find(notice.provider, account_id)
        if account is None or shown is None:
            await uow.commit()
            return "ignored"
        await uow.scope(account.organisation_id)
        await record_account_state(uow, account, shown, dt.datetime.now(dt.UTC))
        return "applied"
