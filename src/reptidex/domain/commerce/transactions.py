"""Use cases of payments through providers: a seller names its payout account, a buyer pays
an order (the provider collects for the seller's account, less the platform's fee), the
payment is captured, a seller refunds all or part of it, and webhooks report successes,
refunds and payouts.

Money is posted to the ledger when the provider has moved it: the payment and the fee when it
succeeds (the order becomes ``paid``), each refund with its share of the fee (the order
becomes ``refunded`` once all is refunded), each payout. A webhook is handled once per event
id, in the transaction of its effect.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from reptidex.domain.commerce import ledger
from reptidex.domain.commerce.audit import audit, money_fields, payment_fields
from reptidex.domain.commerce.events import PRODUCER
from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.onboarding import apply_account_notice
from reptidex.domain.commerce.order_model import Order, OrderAction, OrderState, Party
from reptidex.domain.commerce.orders import act_on_order, show_order
from reptidex.domain.commerce.payment_events import PayoutPaid, TransactionChanged
from reptidex.domain.commerce.payment_model import (
    TAKEN,
    Payment,
    PaymentStatus,
    ProviderName,
)
from reptidex.domain.commerce.payment_ports import (
    NoticeKind,
    OpenUnit,
    Outcome,
    PaymentNotice,
    PaymentRequest,
    PaymentUnitOfWork,
    PayoutAccount,
    PayoutStatus,
    ProviderChoice,
)
from reptidex.domain.commerce.payout_accounts import stage_payout_account
from reptidex.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from reptidex.domain.events import new_event

ACCOUNT_FORMS: dict[ProviderName, re.Pattern[str]] = {
    ProviderName.STRIPE: re.compile(r"^acct_[A-Za-z0-9]{1,64}$"),
    ProviderName.PAYPAL: re.compile(r"^[2-9A-HJ-NP-Z]{13}$"),
}
"""What a payout account id looks like: a Stripe connected account, a PayPal merchant id."""
REFUNDABLE_ORDER = frozenset({OrderState.PAID, OrderState.HANDED_OVER})


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _stage(
    uow: PaymentUnitOfWork,
    kind: str,
    payment: Payment,
    at: dt.datetime,
    *,
    refund: int = 0,
    actor: Member | None = None,
    before: Payment | None = None,
) -> None:
    payload = TransactionChanged(
        payment_id=str(payment.id),
        order_id=str(payment.order_id),
        provider=payment.provider.value,
        status=payment.status.value,
        amount=payment.amount.amount,
        currency=payment.amount.currency.code,
        platform_fee=payment.fee.amount,
        refunded=payment.refunded,
        refund=refund,
    )
    uow.outbox.add(
        new_event(
            f"transaction.{kind}",
            producer=PRODUCER,
            payload=payload,
            organisation_id=actor.organisation_id if actor else payment.seller_organisation_id,
            actor_id=actor.user_id if actor else None,
            occurred_at=at,
        )
    )
    audit(
        uow.outbox,
        "payment",
        payment.id,
        kind,
        organisation_id=actor.organisation_id if actor else payment.seller_organisation_id,
        actor_id=actor.user_id if actor else None,
        before=payment_fields(before) if before else None,
        after=payment_fields(payment),
    )


def _seller(payment: Payment) -> Member:
    """The seller's side, on whose account a provider's report is recorded."""
    return Member(payment.seller_organisation_id)


async def set_payout_account(
    uow: PaymentUnitOfWork, actor: Member, provider: ProviderName, account: str
) -> PayoutAccount:
    """Name the account ``provider`` pays the actor's organisation's sales into;
    :class:`InvalidInput` for an id of another shape, :class:`Conflict` when another
    organisation named it. Emits ``transaction.payout_account_set``."""
    actor.require_writer()
    if not ACCOUNT_FORMS[provider].match(account):
        raise InvalidInput(
            f"{account!r} is not a {provider.value} account id.",
            field_errors={"account": ACCOUNT_FORMS[provider].pattern},
        )
    previous = await uow.payout_accounts.get(actor.organisation_id, provider)
    # naming again the account being onboarded does not let buyers pay into it before Stripe
    same = previous is not None and previous.account == account
    status = previous.status if same and previous else PayoutStatus.ENABLED
    stored = PayoutAccount(actor.organisation_id, provider, account, status)
    await uow.payout_accounts.put(stored)
    stage_payout_account(uow, actor, stored, previous)
    await uow.commit()
    return stored


async def start_payment(
    open_unit: OpenUnit,
    providers: ProviderChoice,
    actor: Member,
    order_id: uuid.UUID,
    provider_name: ProviderName,
    *,
    return_url: str,
    cancel_url: str,
    now: dt.datetime | None = None,
) -> tuple[Payment, bool]:
    """Send the buyer of a pending order to ``provider_name`` to pay it, and ``True``; the
    buyer's open payment with that provider and ``False`` when there is one.
    :class:`PermissionDenied` for the seller, :class:`NotFound` for anyone else,
    :class:`Conflict` when the order is not pending, is paid already, or the seller has no
    account with the provider or one that does not take payments yet. Emits
    ``transaction.started``."""
    actor.require_writer()
    now = now or _now()
    provider = providers.get(provider_name)
    async with open_unit(actor.organisation_id) as uow:
        order = await uow.orders.get(order_id)
        party = None if order is None else order.party_of(actor.organisation_id)
        if order is None or party is None:
            raise NotFound(f"No order {order_id} of yours.")
        if party is not Party.BUYER:
            raise PermissionDenied("Only the buyer pays an order.")
        if order.status is not OrderState.PENDING:
            raise Conflict(f"An order that is {order.status.value} is not paid again.")
        for earlier in await uow.payments.of_order(order.id):
            if earlier.status is PaymentStatus.CREATED and earlier.provider is provider_name:
                return earlier, False
            if earlier.status is not PaymentStatus.CREATED:
                raise Conflict("This order is paid already.")
        account = await uow.payout_accounts.get(order.seller_organisation_id, provider_name)
        if account is None:
            raise Conflict(f"The seller takes no payments through {provider_name.value}.")
        if account.status is not PayoutStatus.ENABLED:
            raise Conflict(
                f"The seller's {provider_name.value} account does not take payments yet: its "
                "onboarding is not finished."
            )
    payment_id = uuid.uuid4()
    started = await provider.create_payment(
        PaymentRequest(
            payment_id=payment_id,
            order_id=order.id,
            amount=order.price,
            platform_fee=order.platform_fee,
            payee=account.account,
            description=f"ReptiDex order {order.id}",
            return_url=return_url,
            cancel_url=cancel_url,
        )
    )
    payment = Payment.start(
        payment_id=payment_id,
        order_id=order.id,
        provider=provider_name,
        seller_organisation_id=order.seller_organisation_id,
        buyer_organisation_id=order.buyer_organisation_id,
        amount=order.price,
        fee=order.platform_fee,
        reference=started.reference,
        approval_url=started.approval_url,
        at=now,
    )
    async with open_unit(actor.organisation_id) as uow:
        payment = await uow.payments.add(payment)
        _stage(uow, "started", payment, now, actor=actor)
        await uow.commit()
    return payment, True


async def _party_payment(
    uow: PaymentUnitOfWork, actor: Member, payment_id: uuid.UUID
) -> tuple[Payment, Party]:
    payment = await uow.payments.get(payment_id)
    if payment is not None:
        if actor.organisation_id == payment.seller_organisation_id:
            return payment, Party.SELLER
        if actor.organisation_id == payment.buyer_organisation_id:
            return payment, Party.BUYER
    raise NotFound(f"No transaction {payment_id} of yours.")


async def show_payment(uow: PaymentUnitOfWork, actor: Member, payment_id: uuid.UUID) -> Payment:
    """A payment of an order the actor's organisation is party to."""
    payment, _ = await _party_payment(uow, actor, payment_id)
    return payment


async def _record_success(
    uow: PaymentUnitOfWork, payment: Payment, charge_reference: str | None, at: dt.datetime
) -> Payment:
    """The money is taken: the payment succeeds and the order is paid, with the payment and
    fee posted (an order no longer pending keeps its state; the money is posted all the same,
    for the seller to refund). Commits."""
    before, payment = payment, await uow.payments.update(payment.succeed(charge_reference, at))
    _stage(uow, "succeeded", payment, at, before=before)
    order = await uow.orders.get(payment.order_id)
    if order is not None and order.status is OrderState.PENDING:
        note = f"paid through {payment.provider.value}"
        await act_on_order(
            uow, _seller(payment), order.id, OrderAction.MARK_PAID, note=note, now=at
        )
        return payment
    for posting in ledger.payment(
        payment.order_id, payment.seller_organisation_id, payment.buyer_organisation_id,
        payment.amount, payment.fee, at,
    ):  # fmt: skip
        await uow.ledger.post(posting)
    await uow.commit()
    return payment


async def _record_refund(
    uow: PaymentUnitOfWork, payment: Payment, total: int, at: dt.datetime
) -> Payment:
    """``total`` is refunded in all: post what it adds (the refund and its share of the fee);
    refunding all of a paid or handed-over order's payment refunds the order. Commits."""
    after, back, fee_back = payment.refund_to(total, at)
    if back.amount == 0:
        await uow.commit()
        return payment
    after = await uow.payments.update(after)
    _stage(uow, "refunded", after, at, refund=back.amount, before=payment)
    postings = ledger.refund(
        payment.order_id, payment.seller_organisation_id, payment.buyer_organisation_id,
        back, fee_back, at,
    )  # fmt: skip
    order = await uow.orders.get(payment.order_id)
    if (
        after.status is PaymentStatus.REFUNDED
        and order is not None
        and order.status in REFUNDABLE_ORDER
    ):
        note = f"refunded through {payment.provider.value}"
        await act_on_order(
            uow, _seller(payment), order.id, OrderAction.REFUND,
            note=note, now=at, postings=postings,
        )  # fmt: skip
        return after
    for posting in postings:
        await uow.ledger.post(posting)
    await uow.commit()
    return after


async def capture_payment(
    open_unit: OpenUnit,
    providers: ProviderChoice,
    actor: Member,
    payment_id: uuid.UUID,
    *,
    now: dt.datetime | None = None,
) -> Payment:
    """Take the money of a payment the buyer approved (the buyer back from the provider);
    the payment as it stands when the provider has not taken it yet or it was taken
    before."""
    actor.require_writer()
    async with open_unit(actor.organisation_id) as uow:
        payment, _ = await _party_payment(uow, actor, payment_id)
    if payment.status is not PaymentStatus.CREATED:
        return payment
    settled = await providers.get(payment.provider).capture(
        payment.reference, idempotency_key=f"capture-{payment.id}"
    )
    if not settled.succeeded:
        return payment
    async with open_unit(payment.seller_organisation_id) as uow:
        current = await uow.payments.get(payment.id)
        if current is None or current.status is not PaymentStatus.CREATED:
            return current or payment
        return await _record_success(uow, current, settled.charge_reference, now or _now())


async def refund_payment(
    open_unit: OpenUnit,
    providers: ProviderChoice,
    actor: Member,
    payment_id: uuid.UUID,
    amount: int | None = None,
    *,
    now: dt.datetime | None = None,
) -> Payment:
    """The seller refunds ``amount`` minor units of a payment (all that is left by default)
    through its provider. :class:`PermissionDenied` for the buyer, :class:`Conflict` when no
    money was taken, :class:`InvalidInput` for more than is left. Emits
    ``transaction.refunded`` (and ``order.refunded`` once all is refunded)."""
    actor.require_writer()
    async with open_unit(actor.organisation_id) as uow:
        before, party = await _party_payment(uow, actor, payment_id)
    if party is not Party.SELLER:
        raise PermissionDenied("Only the seller refunds a payment.")
    left = before.refundable()
    money = left if amount is None else Money(amount, left.currency)
    before.check_refund(money)
    assert before.charge_reference is not None  # a taken payment has one
    receipt = await providers.get(before.provider).refund(
        before.charge_reference,
        money,
        idempotency_key=f"refund-{before.id}-{before.refunded}-{money.amount}",
    )
    async with open_unit(before.seller_organisation_id) as uow:
        current = await uow.payments.get(before.id)
        assert current is not None  # payments are never deleted
        # the webhook may have counted this refund already: totals only grow
        total = max(current.refunded, before.refunded + receipt.amount.amount)
        return await _record_refund(uow, current, total, now or _now())


async def refund_order_offline(
    open_unit: OpenUnit,
    actor: Member,
    order_id: uuid.UUID,
    *,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> Order:
    """The seller records that a paid order's money went back to the buyer outside any
    provider. :class:`Conflict` while a provider holds money of the order: that payment is
    refunded through its provider instead, so the buyer really gets the money back and the
    ledger says what the provider did."""
    actor.require_writer()
    async with open_unit(actor.organisation_id) as uow:
        await show_order(uow, actor, order_id)  # NotFound for an order of others
        for held in await uow.payments.of_order(order_id):
            if held.status in TAKEN:
                raise Conflict(
                    f"This order was paid through {held.provider.value}: refund the payment "
                    f"(POST /transactions/{held.id}/refunds) so the buyer gets the money back."
                )
        return await act_on_order(uow, actor, order_id, OrderAction.REFUND, note=note, now=now)


async def apply_notice(
    open_unit: OpenUnit, providers: ProviderChoice, notice: PaymentNotice
) -> Outcome:
    """Apply a verified webhook once: a success pays the order (an approval is captured
    first), a refund posts what the running total adds, a payout moves the seller's balance
    out, a connected account's update sets whether buyers may pay into it. ``duplicate`` for
    an event handled before, ``ignored`` for one that concerns nothing of the marketplace."""
    if notice.kind is NoticeKind.ACCOUNT_UPDATED and notice.payee:
        return await apply_account_notice(open_unit, providers, notice, notice.payee)
    at = _now()
    charge_reference = notice.charge_reference
    kind = notice.kind
    if kind is NoticeKind.APPROVED and notice.reference:
        settled = await providers.get(notice.provider).capture(
            notice.reference, idempotency_key=f"capture-{notice.reference}"
        )
        kind = NoticeKind.SUCCEEDED if settled.succeeded else NoticeKind.OTHER
        charge_reference = settled.charge_reference
    async with open_unit(None) as uow:
        if not await uow.notices.claim(notice.provider, notice.event_id, notice.event_type):
            return "duplicate"
        if kind is NoticeKind.PAYOUT_PAID and notice.payee and notice.payout:
            return await _apply_payout(uow, notice, notice.payee, notice.payout, at)
        if kind not in (NoticeKind.SUCCEEDED, NoticeKind.REFUNDED):
            await uow.commit()
            return "ignored"
        payment = await _noticed_payment(uow, notice, charge_reference)
        if payment is None:
            await uow.commit()
            return "ignored"
        await uow.scope(payment.seller_organisation_id)
        if kind is NoticeKind.SUCCEEDED:
            if payment.status is not PaymentStatus.CREATED:
                await uow.commit()
                return "duplicate"
            await _record_success(uow, payment, charge_reference, at)
            return "applied"
        if payment.status not in TAKEN:
            await uow.commit()
            return "ignored"
        if notice.refunded_total is not None:
            total = notice.refunded_total
        else:
            total = payment.refunded + (notice.refund.amount if notice.refund else 0)
        await _record_refund(uow, payment, total, at)
        return "applied"


async def _noticed_payment(
    uow: PaymentUnitOfWork, notice: PaymentNotice, charge_reference: str | None
) -> Payment | None:
    """The payment a notice is about: by its references, else by the id in its metadata."""
    for reference in dict.fromkeys((notice.reference, charge_reference)):
        if reference:
            await uow.scope(reference=reference)
            found = await uow.payments.by_reference(notice.provider, reference)
            if found is not None:
                return found
    if notice.payment_id is not None:
        await uow.scope(reference=str(notice.payment_id))
        found = await uow.payments.get(notice.payment_id)
        if found is not None and found.provider is notice.provider:
            return found
    return None


async def _apply_payout(
    uow: PaymentUnitOfWork, notice: PaymentNotice, payee: str, money: Money, at: dt.datetime
) -> Outcome:
    await uow.scope(reference=payee)
    account = await uow.payout_accounts.find(notice.provider, payee)
    if account is None or money.amount <= 0:
        await uow.commit()
        return "ignored"
    await uow.scope(account.organisation_id)
    await uow.ledger.post(ledger.payout(account.organisation_id, money, at))
    uow.outbox.add(
        new_event(
            "transaction.payout_paid",
            producer=PRODUCER,
            payload=PayoutPaid(
                str(account.organisation_id),
                notice.provider.value,
                money.amount,
                money.currency.code,
                notice.event_id,
            ),
            organisation_id=account.organisation_id,
            occurred_at=at,
        )
    )
    audit(
        uow.outbox,
        "payout",
        notice.event_id,
        "paid",
        organisation_id=account.organisation_id,
        after={"provider": notice.provider.value, **money_fields("amount", money)},
    )
    await uow.commit()
    return "applied"


async def organisation_ledger(uow: PaymentUnitOfWork, actor: Member) -> list[ledger.Posting]:
    """Every posting of the actor's organisation (its sales, purchases and payouts)."""
    return await uow.book.of_organisation(actor.organisation_id)
