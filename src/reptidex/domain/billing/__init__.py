"""Billing: plans and entitlements, subscriptions, and the payment gateway behind a port."""

from reptidex.domain.billing.model import BillingProvider, Subscription, SubscriptionStatus
from reptidex.domain.billing.plans import (
    FREE_PLAN,
    PAID_PLANS,
    PLANS,
    Entitlements,
    Plan,
    plan_by_code,
)
from reptidex.domain.billing.ports import (
    BillingUnitOfWork,
    CancellationScheduled,
    CheckoutSession,
    CreditSeller,
    CustomerGateway,
    GatewayUnavailable,
    InvalidWebhook,
    NoticeKind,
    PaymentGateway,
    ProcessedWebhooks,
    SubscriptionRepository,
    WebhookNotice,
)
from reptidex.domain.billing.use_cases import (
    Billing,
    BillingNotConfigured,
    BillingOverview,
    ProviderNotConfigured,
    WebhookOutcome,
)

__all__ = [
    "FREE_PLAN",
    "PAID_PLANS",
    "PLANS",
    "Billing",
    "BillingNotConfigured",
    "BillingOverview",
    "BillingProvider",
    "BillingUnitOfWork",
    "CancellationScheduled",
    "CheckoutSession",
    "CreditSeller",
    "CustomerGateway",
    "Entitlements",
    "GatewayUnavailable",
    "InvalidWebhook",
    "NoticeKind",
    "PaymentGateway",
    "Plan",
    "ProcessedWebhooks",
    "ProviderNotConfigured",
    "Subscription",
    "SubscriptionRepository",
    "SubscriptionStatus",
    "WebhookNotice",
    "WebhookOutcome",
    "plan_by_code",
]
