"""Integrations: outgoing webhooks (an organisation's subscriptions to event kinds, signed
deliveries, retries and redelivery) and the key-management port that keeps integration
secrets encrypted at rest (``docs/ops.md``)."""
