"""Payloads of the ``billing.*`` events (version 1 each)."""

from __future__ import annotations

import datetime as dt

import msgspec


class CheckoutStarted(msgspec.Struct, frozen=True, kw_only=True):
    """``billing.checkout_started``: an organisation was sent to pay for a plan through
    ``provider`` (``customer_ref`` is its customer at Stripe; PayPal keeps none)."""

    plan: str
    customer_ref: str | None
    checkout_ref: str
    provider: str = "stripe"


class SubscriptionChanged(msgspec.Struct, frozen=True, kw_only=True):
    """``billing.subscription_activated`` / ``_updated`` / ``_canceled`` /
    ``billing.cancellation_scheduled``: the subscription's new state."""

    plan: str
    effective_plan: str
    status: str
    subscription_ref: str | None
    cancel_at_period_end: bool
    current_period_end: dt.datetime | None
    gateway_event_id: str | None = None
    provider: str | None = None


class InvoiceSettled(msgspec.Struct, frozen=True, kw_only=True):
    """``billing.invoice_paid`` / ``billing.payment_failed``."""

    subscription_ref: str | None
    amount_cents: int | None
    currency: str | None
    gateway_event_id: str


class AdCreditsPurchased(msgspec.Struct, frozen=True, kw_only=True):
    """``billing.ad_credits_purchased``: an organisation (the event's ``organisation_id``) paid
    for ad credits, ``amount`` minor units of ``currency``; ``payment_ref`` is the provider's
    payment, unique. repti-community credits them (``docs/community-ads.md``)."""

    payment_ref: str
    amount: int
    currency: str
    provider: str = "stripe"
