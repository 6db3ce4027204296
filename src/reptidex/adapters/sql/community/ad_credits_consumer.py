"""The consumer of repti-core's ``billing.ad_credits_purchased`` events that credits the
buying organisation's ad credits (:func:`~reptidex.domain.ads.management.add_purchased_credits`),
on the session of the idempotent consumer (the credit, its event, its audit record and the
event's mark commit together), scoped to the organisation and acting as the crediting worker
for row-level security. The payment's reference is unique as well, so a purchase reported by
two events is credited once."""

from __future__ import annotations

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.community.ad_campaigns import CREDITS_WORKER, SqlAdUnitOfWork
from reptidex.domain.ads.events import AdCreditsPurchased
from reptidex.domain.ads.management import add_purchased_credits
from reptidex.domain.errors import InvalidInput
from reptidex.domain.events import DomainEvent


async def credit_purchase(event: DomainEvent, session: AsyncSession) -> None:
    """Credit the purchase the event reports (no commit: the consumer's)."""
    if event.organisation_id is None:
        raise InvalidInput(f"Event {event.id} names no organisation to credit.")
    try:
        purchase = msgspec.convert(event.payload, AdCreditsPurchased)
    except msgspec.ValidationError as exc:
        raise InvalidInput(f"Event {event.id} is not a purchase of ad credits: {exc}.") from None
    uow = SqlAdUnitOfWork(session)
    await uow.bind_organisation(event.organisation_id, worker=CREDITS_WORKER)
    await add_purchased_credits(uow, event.organisation_id, purchase)
