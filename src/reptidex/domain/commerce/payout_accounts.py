"""What a change of a seller's payout account stages beside it: its audit record and its
``transaction.payout_account_*`` event, and the status the provider reports for it.

A payout account is ``enabled`` when the seller named an account it already has, and
``pending`` when the platform opened it through onboarding, until the provider reports that it
takes charges (:class:`~reptidex.domain.commerce.payment_ports.ConnectedAccount`); a provider
that stops taking charges for an account makes it ``pending`` again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from reptidex.domain.commerce.audit import audit
from reptidex.domain.commerce.events import PRODUCER
from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.payment_events import PayoutAccountSet, PayoutAccountStatusChanged
from reptidex.domain.commerce.payment_ports import (
    ConnectedAccount,
    PaymentUnitOfWork,
    PayoutAccount,
)
from reptidex.domain.events import new_event


def _fields(account: PayoutAccount) -> dict[str, str]:
    return {"account": account.account, "status": account.status.value}


def _resource(account: PayoutAccount) -> str:
    return f"{account.organisation_id}/{account.provider.value}"


def stage_payout_account(
    uow: PaymentUnitOfWork, actor: Member, stored: PayoutAccount, previous: PayoutAccount | None
) -> None:
    """The audit record and the ``transaction.payout_account_set`` event of an account the
    actor's organisation named, or had opened through onboarding."""
    audit(
        uow.outbox,
        "payout_account",
        _resource(stored),
        "updated" if previous else "created",
        organisation_id=actor.organisation_id,
        actor_id=actor.user_id,
        before=_fields(previous) if previous else None,
        after=_fields(stored),
    )
    uow.outbox.add(
        new_event(
            "transaction.payout_account_set",
            producer=PRODUCER,
            payload=PayoutAccountSet(
                str(stored.organisation_id),
                stored.provider.value,
                stored.account,
                stored.status.value,
            ),
            organisation_id=actor.organisation_id,
            actor_id=actor.user_id,
        )
    )


async def record_account_state(
    uow: PaymentUnitOfWork,
    account: PayoutAccount,
    shown: ConnectedAccount,
    at: dt.datetime,
    *,
    actor: Member | None = None,
) -> PayoutAccount:
    """Store the status the provider's view of ``account`` gives it, with its audit record
    and ``transaction.payout_account_status_changed`` when it changes (on behalf of the
    account's organisation; ``actor``: the user who asked the provider). Commits."""
    if shown.status is account.status:
        await uow.commit()
        return account
    changed = dataclasses.replace(account, status=shown.status)
    await uow.payout_accounts.put(changed)
    audit(
        uow.outbox,
        "payout_account",
        _resource(changed),
        "status_changed",
        organisation_id=changed.organisation_id,
        actor_id=actor.user_id if actor else None,
        before={"status": account.status.value},
        after={"status": changed.status.value},
    )
    uow.outbox.add(
        new_event(
            "transaction.payout_account_status_changed",
            producer=PRODUCER,
            payload=PayoutAccountStatusChanged(
                organisation_id=str(changed.organisation_id),
                provider=changed.provider.value,
                account=changed.account,
                status=changed.status.value,
                previous_status=account.status.value,
                charges_enabled=shown.charges_enabled,
                payouts_enabled=shown.payouts_enabled,
            ),
            organisation_id=changed.organisation_id,
            actor_id=actor.user_id if actor else None,
            occurred_at=at,
        )
    )
    await uow.commit()
    return changed
