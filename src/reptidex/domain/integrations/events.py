"""The ``integration.*`` events repti-ops publishes about webhooks, lab integrations and
partner marketplaces (version 1 payloads)."""

from __future__ import annotations

import msgspec

WEBHOOK_CREATED = "integration.webhook_created"
WEBHOOK_DELETED = "integration.webhook_deleted"
WEBHOOK_SECRET_ROTATED = "integration.webhook_secret_rotated"  # noqa: S105 (an event type)
WEBHOOK_REDELIVERY_REQUESTED = "integration.webhook_redelivery_requested"
WEBHOOK_DELIVERY_FAILED = "integration.webhook_delivery_failed"


class WebhookChanged(msgspec.Struct, frozen=True):
    """``integration.webhook_created`` / ``_deleted``: the webhook, its URL's origin only."""

    webhook_id: str
    origin: str
    event_kinds: list[str]


class WebhookSecretRotated(msgspec.Struct, frozen=True):
    """``integration.webhook_secret_rotated``: until when the previous secret still signs."""

    webhook_id: str
    secret_version: int
    previous_valid_until: str


class RedeliveryRequested(msgspec.Struct, frozen=True):
    """``integration.webhook_redelivery_requested``: a new delivery of an earlier one's event."""

    webhook_id: str
    delivery_id: str
    redelivery_of: str
    event_id: str
    event_type: str


class DeliveryFailed(msgspec.Struct, frozen=True):
    """``integration.webhook_delivery_failed``: a delivery given up after its last attempt."""

    webhook_id: str
    delivery_id: str
    event_id: str
    event_type: str
    attempts: int
    last_status_code: int | None
    last_error: str | None


LAB_CONFIGURED = "integration.lab_configured"
LAB_RESULTS_IMPORTED = "integration.lab_results_imported"


class LabConfigured(msgspec.Struct, frozen=True):
    """``integration.lab_configured``: a lab integration made or changed (never its key)."""

    integration_id: str
    lab: str
    columns: dict[str, str]
    has_api_key: bool


class LabResultsImported(msgspec.Struct, frozen=True):
    """``integration.lab_results_imported``: a results file imported (not a dry run), with
    how many rows ended each way."""

    import_id: str
    integration_id: str
    lab: str
    summary: dict[str, int]


MARKETPLACE_FEED_CONFIGURED = "integration.marketplace_feed_configured"
MARKETPLACE_LISTINGS_IMPORTED = "integration.marketplace_listings_imported"


class MarketplaceFeedConfigured(msgspec.Struct, frozen=True):
    """``integration.marketplace_feed_configured``: a partner marketplace's feed enabled, or
    its token replaced (never the token)."""

    feed_id: str
    partner: str
    token_rotated: bool


class MarketplaceListingsImported(msgspec.Struct, frozen=True):
    """``integration.marketplace_listings_imported``: a partner's export imported (not a dry
    run), with how many rows ended each way."""

    import_id: str
    feed_id: str
    partner: str
    summary: dict[str, int]
