"""Payloads of the advertising events repti-community stages in its outbox (version 1):
``community.ad_campaign_created``, ``community.ad_campaign_updated`` (with the changed fields
before and after) and ``community.ad_credits_added``; and the payload of the event that feeds
the credits, ``billing.ad_credits_purchased`` (repti-core's: ``domain/billing/events.py``)."""

from __future__ import annotations

from typing import Any

import msgspec

from reptidex.domain.billing.events import AdCreditsPurchased

PRODUCER = "community"
CAMPAIGN_CREATED = "community.ad_campaign_created"
CAMPAIGN_UPDATED = "community.ad_campaign_updated"
CREDITS_ADDED = "community.ad_credits_added"
CREDITS_PURCHASED = "billing.ad_credits_purchased"
"""repti-core's event of a paid purchase of ad credits (payload :class:`AdCreditsPurchased`)."""

__all__ = [
    "CAMPAIGN_CREATED",
    "CAMPAIGN_UPDATED",
    "CREDITS_ADDED",
    "CREDITS_PURCHASED",
    "PRODUCER",
    "AdCreditsAdded",
    "AdCreditsPurchased",
    "CampaignChanged",
]


class CampaignChanged(msgspec.Struct, frozen=True):
    """A campaign after its creation or change (and, for a change, the fields that changed)."""

    campaign_id: str
    organisation_id: str
    boost: str
    status: str
    currency: str
    daily_budget_amount: int
    total_budget_amount: int
    cpm: int
    starts_on: str
    ends_on: str
    changed: list[str] = []
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}


class AdCreditsAdded(msgspec.Struct, frozen=True):
    """``community.ad_credits_added``: a purchase credited an organisation's balance."""

    organisation_id: str
    payment_ref: str
    amount: int
    currency: str
    balance_millis: int
