"""Transfer offers past their end expire: a background worker finds the pending offers whose
``expires_at`` has passed and closes each, in a transaction of its own, staging
``animal.transfer_expired`` (the animal stays with the sender, as it was all along). An offer
answered meanwhile is left as it was answered; a second pass finds nothing more to do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from reptidex.domain.animals.ports import TransferOfferUnitOfWork
from reptidex.domain.animals.transfer_offers import OfferStatus, settle
from reptidex.domain.animals.use_cases import Actor
from reptidex.domain.errors import Conflict


async def expire_due_offers(
    open_unit: Callable[[], AbstractAsyncContextManager[TransferOfferUnitOfWork]],
    now: dt.datetime,
    limit: int = 100,
) -> int:
    """Expire up to ``limit`` pending offers past their end, each in a transaction of its own;
    the number found."""
    async with open_unit() as uow:
        found = await uow.transfer_offers.due(now, limit)
    for offer in found:
        async with open_unit() as uow:
            try:  # the conditional update leaves an offer answered meanwhile as it is
                await settle(
                    uow,
                    Actor(offer.from_organisation_id),
                    offer,
                    offer.settled(OfferStatus.EXPIRED, now),
                )
            except Conflict:
                continue
            await uow.commit()
    return len(found)
