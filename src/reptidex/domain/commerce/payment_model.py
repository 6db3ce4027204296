"""A payment of an order through a provider (Stripe, PayPal), and what its refunds move.

A payment is ``created`` when the buyer is sent to the provider, ``succeeded`` when the money
is taken, ``partially_refunded`` or ``refunded`` as refunds add up. Refunds are counted as a
running total, as the providers report them, so a refund reported twice (by the API's answer
and by a webhook) moves money once. The platform's fee goes back in proportion to the amount
refunded, rounded half up, and whole when the whole amount is refunded.

>>> import uuid, datetime as dt
>>> at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
>>> paid = Payment.start(
...     order_id=uuid.uuid4(), provider=ProviderName.STRIPE, seller_organisation_id=uuid.uuid4(),
...     buyer_organisation_id=uuid.uuid4(), amount=Money.of(20000, "EUR"),
...     fee=Money.of(500, "EUR"), reference="cs_1", approval_url="https://pay", at=at,
... ).succeed("pi_1", at)
>>> after, refund, fee_back = paid.refund_to(5000, at)
>>> after.status.value, refund.amount, fee_back.amount
('partially_refunded', 5000, 125)
>>> after, refund, fee_back = after.refund_to(20000, at)
>>> after.status.value, refund.amount, fee_back.amount
('refunded', 15000, 375)
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, replace

from reptidex.domain.commerce.money import Money
from reptidex.domain.errors import Conflict, InvalidInput


class ProviderName(enum.StrEnum):
    """The payment providers the buyer chooses from at checkout."""

    STRIPE = "stripe"
    PAYPAL = "paypal"


class PaymentStatus(enum.StrEnum):
    """Where a payment stands."""

    CREATED = "created"
    SUCCEEDED = "succeeded"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


TAKEN = frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED})
"""States of a payment whose money may still be refunded."""


@dataclass(frozen=True, slots=True)
class Payment:
    """An order's payment through a provider: the amount, the platform's fee, the provider's
    references (``reference``: the checkout or order the buyer approves; ``charge_reference``:
    the PaymentIntent or capture that holds the money) and the refunds' running totals."""

    id: uuid.UUID
    order_id: uuid.UUID
    provider: ProviderName
    seller_organisation_id: uuid.UUID
    buyer_organisation_id: uuid.UUID
    amount: Money
    fee: Money
    status: PaymentStatus
    reference: str
    approval_url: str
    created_at: dt.datetime
    updated_at: dt.datetime
    charge_reference: str | None = None
    refunded: int = 0
    fee_refunded: int = 0
    version: int = 1

    @classmethod
    def start(
        cls,
        *,
        order_id: uuid.UUID,
        provider: ProviderName,
        seller_organisation_id: uuid.UUID,
        buyer_organisation_id: uuid.UUID,
        amount: Money,
        fee: Money,
        reference: str,
        approval_url: str,
        at: dt.datetime,
        payment_id: uuid.UUID | None = None,
    ) -> Payment:
        """A payment the buyer was just sent to the provider for."""
        return cls(
            payment_id or uuid.uuid4(), order_id, provider, seller_organisation_id,
            buyer_organisation_id, amount, fee, PaymentStatus.CREATED, reference, approval_url,
            at, at,
        )  # fmt: skip

    def succeed(self, charge_reference: str | None, at: dt.datetime) -> Payment:
        """The payment with its money taken; :class:`Conflict` unless it was ``created``."""
        if self.status is not PaymentStatus.CREATED:
            raise Conflict(f"A payment that is {self.status.value} cannot succeed again.")
        return replace(
            self,
            status=PaymentStatus.SUCCEEDED,
            charge_reference=charge_reference or self.charge_reference,
            updated_at=at,
        )

    def refundable(self) -> Money:
        """What may still be refunded."""
        return Money(self.amount.amount - self.refunded, self.amount.currency)

    def check_refund(self, amount: Money) -> None:
        """:class:`Conflict` unless money was taken; :class:`InvalidInput` for an amount in
        another currency, not positive, or above what is left."""
        if self.status not in TAKEN:
            raise Conflict(f"A payment that is {self.status.value} cannot be refunded.")
        left = self.refundable()
        if amount.currency != left.currency or not 0 < amount.amount <= left.amount:
            raise InvalidInput(
                f"A refund is 1 to {left.amount} minor units of {left.currency.code}.",
                field_errors={"amount": f"1 to {left.amount} {left.currency.code}"},
            )

    def refund_to(self, total: int, at: dt.datetime) -> tuple[Payment, Money, Money]:
        """The payment once ``total`` minor units are refunded in all, with what this moves:
        the refund and the fee going back (both zero when ``total`` was already counted)."""
        if self.status not in TAKEN:
            raise Conflict(f"A payment that is {self.status.value} cannot be refunded.")
        total = min(max(total, self.refunded), self.amount.amount)
        fee_total = (2 * self.fee.amount * total + self.amount.amount) // (2 * self.amount.amount)
        status = (
            PaymentStatus.REFUNDED
            if total == self.amount.amount
            else PaymentStatus.PARTIALLY_REFUNDED
            if total
            else self.status
        )
        currency = self.amount.currency
        after = replace(self, refunded=total, fee_refunded=fee_total, status=status, updated_at=at)
        return (
            after,
            Money(total - self.refunded, currency),
            Money(fee_total - self.fee_refunded, currency),
        )
