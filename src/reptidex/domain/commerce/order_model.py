"""An order of a listing and its state machine, recording who did what and when.

``pending`` → ``paid`` (the seller records the payment) → ``handed_over`` (the seller ships or
hands over the animal) → ``completed`` (the buyer confirms); a pending order may be
``cancelled`` by either party, a paid or handed-over one ``refunded`` by the seller. Every other
move is a :class:`~reptidex.domain.errors.Conflict`; a party acting in the other's place is a
:class:`~reptidex.domain.errors.PermissionDenied`.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, replace

from reptidex.domain.commerce.money import Money
from reptidex.domain.errors import Conflict, PermissionDenied


class OrderState(enum.StrEnum):
    """Where an order stands."""

    PENDING = "pending"
    PAID = "paid"
    HANDED_OVER = "handed_over"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


ACTIVE_STATES = frozenset({OrderState.PENDING, OrderState.PAID, OrderState.HANDED_OVER})
"""States of an order that holds its listing."""


class Party(enum.StrEnum):
    """Which side of an order an organisation is on."""

    BUYER = "buyer"
    SELLER = "seller"


class OrderAction(enum.StrEnum):
    """What a party does to an order."""

    PLACE = "place"
    MARK_PAID = "mark_paid"
    HAND_OVER = "hand_over"
    COMPLETE = "complete"
    CANCEL = "cancel"
    REFUND = "refund"


@dataclass(frozen=True, slots=True)
class Rule:
    """Who may take an action, from which states, and the state it leads to."""

    parties: frozenset[Party]
    from_states: frozenset[OrderState]
    to: OrderState


_S, _P = OrderState, Party
RULES: dict[OrderAction, Rule] = {
    OrderAction.MARK_PAID: Rule(frozenset({_P.SELLER}), frozenset({_S.PENDING}), _S.PAID),
    OrderAction.HAND_OVER: Rule(frozenset({_P.SELLER}), frozenset({_S.PAID}), _S.HANDED_OVER),
    OrderAction.COMPLETE: Rule(frozenset({_P.BUYER}), frozenset({_S.HANDED_OVER}), _S.COMPLETED),
    OrderAction.CANCEL: Rule(
        frozenset({_P.BUYER, _P.SELLER}), frozenset({_S.PENDING}), _S.CANCELLED
    ),
    OrderAction.REFUND: Rule(
        frozenset({_P.SELLER}), frozenset({_S.PAID, _S.HANDED_OVER}), _S.REFUNDED
    ),
}
"""The order's state machine (placing is :meth:`Order.place`)."""


@dataclass(frozen=True, slots=True)
class OrderStep:
    """One step of an order's history: who (party, organisation, user) did what, and when."""

    order_id: uuid.UUID
    action: OrderAction
    from_state: OrderState | None
    to_state: OrderState
    party: Party
    organisation_id: uuid.UUID
    user_id: uuid.UUID | None
    at: dt.datetime
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Order:
    """A buyer's order of one listing, at the listing's price."""

    id: uuid.UUID
    listing_id: uuid.UUID
    seller_organisation_id: uuid.UUID
    buyer_organisation_id: uuid.UUID
    buyer_user_id: uuid.UUID | None
    price: Money
    platform_fee: Money
    status: OrderState
    placed_at: dt.datetime
    updated_at: dt.datetime
    note: str | None = None
    version: int = 1

    @classmethod
    def place(
        cls,
        *,
        listing_id: uuid.UUID,
        seller_organisation_id: uuid.UUID,
        buyer_organisation_id: uuid.UUID,
        buyer_user_id: uuid.UUID | None,
        price: Money,
        platform_fee: Money,
        at: dt.datetime,
        note: str | None = None,
    ) -> tuple[Order, OrderStep]:
        """A new pending order and its first step."""
        order = cls(
            id=uuid.uuid4(),
            listing_id=listing_id,
            seller_organisation_id=seller_organisation_id,
            buyer_organisation_id=buyer_organisation_id,
            buyer_user_id=buyer_user_id,
            price=price,
            platform_fee=platform_fee,
            status=OrderState.PENDING,
            placed_at=at,
            updated_at=at,
            note=note,
        )
        step = OrderStep(
            order.id, OrderAction.PLACE, None, OrderState.PENDING, Party.BUYER,
            buyer_organisation_id, buyer_user_id, at, note,
        )  # fmt: skip
        return order, step

    def party_of(self, organisation_id: uuid.UUID) -> Party | None:
        """The side ``organisation_id`` is on, if any."""
        if organisation_id == self.seller_organisation_id:
            return Party.SELLER
        if organisation_id == self.buyer_organisation_id:
            return Party.BUYER
        return None

    @property
    def is_active(self) -> bool:
        """Whether the order still holds its listing."""
        return self.status in ACTIVE_STATES

    def act(
        self,
        action: OrderAction,
        organisation_id: uuid.UUID,
        user_id: uuid.UUID | None,
        at: dt.datetime,
        note: str | None = None,
    ) -> tuple[Order, OrderStep]:
        """The order after ``action`` by a member of ``organisation_id``, and the step.

        Raises :class:`PermissionDenied` when the action is the other party's (or the
        organisation is no party), :class:`Conflict` when the order's state does not allow it.
        """
        rule = RULES.get(action)
        if rule is None:
            raise Conflict(f"An order cannot be {action.value}d again.")
        party = self.party_of(organisation_id)
        if party is None or party not in rule.parties:
            who = " or ".join(sorted(p.value for p in rule.parties))
            raise PermissionDenied(f"Only the {who} may {action.value.replace('_', ' ')}.")
        if self.status not in rule.from_states:
            raise Conflict(
                f"An order that is {self.status.value} cannot {action.value.replace('_', ' ')}."
            )
        step = OrderStep(
            self.id, action, self.status, rule.to, party, organisation_id, user_id, at, note
        )
        return replace(self, status=rule.to, updated_at=at), step
