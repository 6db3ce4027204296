"""Transfer offers on in-memory fakes: an animal is offered only to an organisation that
exists, stays with the sender while offered (once, and not deleted), and moves only when the
receiver accepts; declined, withdrawn or expired, it stays. Who may do what, the events and
the audit records of each step, and a sale's withdrawal of an open offer."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from test_animal_transfer_use_case import (
    ACTOR,
    BUYER,
    BUYER_ACTOR,
    NOW,
    SELLER,
    THIRD,
    FakeTransferUnitOfWork,
    add,
)

from reptidex.domain.animals.husbandry import Weight, add_log
from reptidex.domain.animals.model import Animal, AnimalSex
from reptidex.domain.animals.ports import OrganisationsUnavailable
from reptidex.domain.animals.sale_transfer import transfer_sold_animal
from reptidex.domain.animals.transfer_offer_expiry import expire_due_offers
from reptidex.domain.animals.transfer_offers import (
    MAX_OFFER_DAYS,
    OFFER_DAYS,
    OfferedAnimal,
    OfferStatus,
    TransferOffer,
    accept_offer,
    decline_offer,
    get_offer,
    list_offers,
    offer_reference,
    offer_transfer,
    withdraw_for_sale,
    withdraw_offer,
)
from reptidex.domain.animals.use_cases import Actor, delete_animal
from reptidex.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied

UNKNOWN = uuid.uuid4()
LATER = NOW + dt.timedelta(days=1)
END = NOW + dt.timedelta(days=OFFER_DAYS)


class Directory:
    """repti-core's organisations: every one but :data:`UNKNOWN`; or none can be asked."""

    def __init__(self, *, away: bool = False) -> None:
        self.away = away
        self.asked: list[uuid.UUID] = []

    async def exists(self, organisation_id: uuid.UUID) -> bool:
        self.asked.append(organisation_id)
        if self.away:
            raise OrganisationsUnavailable("core is away")
        return organisation_id != UNKNOWN


@pytest.fixture
def uow() -> FakeTransferUnitOfWork:
    return FakeTransferUnitOfWork()


async def offered(
    uow: FakeTransferUnitOfWork, animal: Animal, to: uuid.UUID = BUYER, **options: Any
) -> TransferOffer:
    offer = await offer_transfer(uow, ACTOR, Directory(), animal.id, to, now=NOW, **options)
    uow.forget_staged()
    return offer


def nothing_written(uow: FakeTransferUnitOfWork) -> bool:
    return (uow.outbox.events, uow.transfer_offers.rows, uow.commits) == ([], {}, 0)


def audits(uow: FakeTransferUnitOfWork) -> list[tuple[Any, ...]]:
    return [
        (r.resource_kind, r.resource_id, r.action, r.before, r.after, r.organisation_id, r.actor_id)
        for r in uow.audits
    ]


async def test_an_offer_is_pending_and_the_animal_stays_with_the_sender(
    uow: FakeTransferUnitOfWork,
) -> None:
    animal = await add(
        uow,
        code="K1",
        name="Kid",
        sex=AnimalSex.FEMALE,
        morph="Pastel het Clown",
        hatch_date=dt.date(2025, 6, 1),
    )
    uow.forget_staged()
    directory = Directory()
    offer = await offer_transfer(uow, ACTOR, directory, animal.id, BUYER, now=NOW)
    assert isinstance(offer.id, uuid.UUID)
    assert offer == TransferOffer(
        offer.id,
        animal.id,
        SELLER,
        BUYER,
        OfferedAnimal(
            "K1", "Kid", "ball_python", "female", "Pastel het Clown", dt.date(2025, 6, 1)
        ),
        True,
        NOW,
        END,
    )
    assert (offer.status, offer.decided_at) == (OfferStatus.PENDING, None)
    assert uow.transfer_offers.rows == {offer.id: offer}
    assert directory.asked == [BUYER]
    assert uow.animals.rows[animal.id] == animal  # not moved
    assert (uow.transfers.records, uow.acting_for, uow.commits) == ([], [], 1)
    (event,) = uow.staged
    assert (event.type, event.producer, event.organisation_id, event.actor_id) == (
        "animal.transfer_offered",
        "animal",
        SELLER,
        ACTOR.user_id,
    )
    assert event.payload == {
        "offer_id": str(offer.id),
        "animal_id": str(animal.id),
        "code": "K1",
        "from_organisation_id": str(SELLER),
        "to_organisation_id": str(BUYER),
        "status": "pending",
        "expires_at": END.isoformat(),
    }
    shown = {
        "animal_id": str(animal.id),
        "from_organisation_id": str(SELLER),
        "to_organisation_id": str(BUYER),
        "animal": {
            "code": "K1",
            "name": "Kid",
            "species": "ball_python",
            "sex": "female",
            "morph": "Pastel het Clown",
            "hatch_date": "2025-06-01",
        },
        "share_lineage": True,
        "offered_at": NOW.isoformat().replace("+00:00", "Z"),
        "expires_at": END.isoformat().replace("+00:00", "Z"),
        "status": "pending",
        "decided_at": None,
    }
    assert audits(uow) == [
        ("transfer_offer", str(offer.id), "offered", {}, shown, org, ACTOR.user_id)
        for org in (SELLER, BUYER)
    ]


async def test_the_offer_keeps_the_senders_choice_and_its_days(
    uow: FakeTransferUnitOfWork,
) -> None:
    animal = await add(uow)
    offer = await offered(uow, animal, share_lineage=False, days=MAX_OFFER_DAYS)
    assert offer.share_lineage is False
    assert offer.expires_at == NOW + dt.timedelta(days=30)
    other = await add(uow)
    assert (await offered(uow, other, days=1)).expires_at == LATER


async def test_without_a_time_the_offer_starts_now_in_utc(uow: FakeTransferUnitOfWork) -> None:
    animal = await add(uow)
    before = dt.datetime.now(dt.UTC)
    offer = await offer_transfer(uow, ACTOR, Directory(), animal.id, BUYER)
    assert before <= offer.offered_at <= dt.datetime.now(dt.UTC)
    assert offer.expires_at - offer.offered_at == dt.timedelta(days=14)


async def test_an_organisation_that_does_not_exist_is_refused_and_nothing_is_written(
    uow: FakeTransferUnitOfWork,
) -> None:
    """The regression: a transfer to an unknown organisation used to move the animal there."""
    animal = await add(uow, code="K1")
    uow.forget_staged()
    directory = Directory()
    with pytest.raises(InvalidInput) as refused:
        await offer_transfer(uow, ACTOR, directory, animal.id, UNKNOWN, now=NOW)
    assert refused.value.detail == (
        f"No organisation {UNKNOWN} exists; ask the receiver for the id of their organisation."
    )
    assert refused.value.field_errors == {"organisation_id": "no such organisation"}
    assert directory.asked == [UNKNOWN]
    assert nothing_written(uow)
    assert uow.animals.rows[animal.id] == animal


async def test_when_the_directory_cannot_answer_nothing_is_offered(
    uow: FakeTransferUnitOfWork,
) -> None:
    animal = await add(uow)
    uow.forget_staged()
    with pytest.raises(OrganisationsUnavailable):
        await offer_transfer(uow, ACTOR, Directory(away=True), animal.id, BUYER, now=NOW)
    assert nothing_written(uow)


async def test_an_offer_to_the_own_organisation_is_refused_before_asking(
    uow: FakeTransferUnitOfWork,
) -> None:
    animal = await add(uow)
    uow.forget_staged()
    directory = Directory()
    with pytest.raises(InvalidInput) as refused:
        await offer_transfer(uow, ACTOR, directory, animal.id, SELLER, now=NOW)
    assert refused.value.detail == "The animal already belongs to this organisation."
    assert refused.value.field_errors == {"organisation_id": "give the receiving organisation"}
    assert directory.asked == []
    assert nothing_written(uow)


@pytest.mark.parametrize("days", [0, -1, MAX_OFFER_DAYS + 1])
async def test_an_offer_stays_open_one_to_thirty_days(
    uow: FakeTransferUnitOfWork, days: int
) -> None:
    animal = await add(uow)
    uow.forget_staged()
    directory = Directory()
    with pytest.raises(InvalidInput) as refused:
        await offer_transfer(uow, ACTOR, directory, animal.id, BUYER, days=days, now=NOW)
    assert refused.value.detail == "An offer stays open 1 to 30 days."
    assert refused.value.field_errors == {"expires_in_days": "from 1 to 30"}
    assert directory.asked == []
    assert nothing_written(uow)


async def test_only_a_member_offers_and_only_animals_of_its_own(
    uow: FakeTransferUnitOfWork,
) -> None:
    animal = await add(uow)
    uow.forget_staged()
    viewer = dataclasses.replace(ACTOR, may_write=False)
    with pytest.raises(PermissionDenied):
        await offer_transfer(uow, viewer, Directory(), animal.id, BUYER, now=NOW)
    with pytest.raises(NotFound):
        await offer_transfer(uow, BUYER_ACTOR, Directory(), animal.id, THIRD, now=NOW)
    assert nothing_written(uow)


async def test_an_offered_animal_is_not_offered_twice(uow: FakeTransferUnitOfWork) -> None:
    animal = await add(uow, code="K1", name="Kid")
    offer = await offered(uow, animal)
    directory = Directory()
    with pytest.raises(Conflict) as refused:
        await offer_transfer(uow, ACTOR, directory, animal.id, THIRD, now=END - dt.timedelta(0, 1))
    assert refused.value.detail == (
        f"Kid (K1) is already offered to organisation {BUYER} until "
        f"{END:%Y-%m-%d %H:%M} UTC; withdraw that offer first."
    )
    # past its end (the worker has not closed it yet): it will be closed shortly
    with pytest.raises(Conflict) as ended:
        await offer_transfer(uow, ACTOR, directory, animal.id, THIRD, now=END)
    assert ended.value.detail == (
        f"Kid (K1) is already offered to organisation {BUYER} and that offer ended at "
        f"{END:%Y-%m-%d %H:%M} UTC; it closes within a minute, then offer the animal again."
    )
    assert directory.asked == []
    assert uow.transfer_offers.rows == {offer.id: offer}
    assert (uow.outbox.events, uow.commits) == ([], 0)


async def test_an_offered_animal_is_not_deleted_until_the_offer_is_closed(
    uow: FakeTransferUnitOfWork,
) -> None:
    animal = await add(uow, code="K1")
    offer = await offered(uow, animal)
    with pytest.raises(Conflict) as refused:
        await delete_animal(uow, ACTOR, animal.id)
    assert refused.value.detail == (
        f"K1 is offered to organisation {BUYER}; withdraw the offer before deleting the animal."
    )
    assert animal.id in uow.animals.rows
    await withdraw_offer(uow, ACTOR, offer.id, now=LATER)
    await delete_animal(uow, ACTOR, animal.id)
    assert animal.id not in uow.animals.rows


async def test_accepting_moves_the_animal_with_its_logs_as_the_offer_said(
    uow: FakeTransferUnitOfWork,
) -> None:
    sire = await add(uow, code="S", sex=AnimalSex.MALE)
    animal = await add(uow, code="K1", name="Kid", sire_id=sire.id)
    await add_log(uow, ACTOR, animal.id, dt.date(2026, 2, 1), Weight(grams=120), today=NOW.date())
    offer = await offered(uow, animal, share_lineage=False)
    seen: list[Animal] = []

    def snapshot(held: Animal) -> dict[str, Any]:
        seen.append(held)
        return {"code": held.code, "seen": True}

    transfer = await accept_offer(uow, BUYER_ACTOR, offer.id, snapshot=snapshot, now=LATER)
    assert seen == [animal]
    assert (transfer.animal_id, transfer.from_organisation_id, transfer.to_organisation_id) == (
        animal.id,
        SELLER,
        BUYER,
    )
    assert (transfer.reference, transfer.transferred_at) == (f"offer:{offer.id}", LATER)
    assert offer_reference(offer.id) == f"offer:{offer.id}"
    assert transfer.snapshot["animal"] == {"code": "K1", "seen": True}
    assert [log["kind"] for log in transfer.snapshot["logs"]] == ["weight"]
    assert uow.transfers.records == [transfer]
    moved = uow.animals.rows[animal.id]
    assert (moved.organisation_id, moved.code) == (BUYER, "K1")
    assert len(await uow.husbandry.list(BUYER, animal.id, None)) == 1
    assert uow.animals.rows[sire.id].visibility.value == "private"  # share_lineage was off
    assert uow.transfer_offers.rows[offer.id] == dataclasses.replace(
        offer, status=OfferStatus.ACCEPTED, decided_at=LATER
    )
    # the animal moves as the sender, in the same transaction: one commit
    assert (uow.acting_for, uow.commits) == ([SELLER], 1)
    assert uow.kinds == ["animal.transfer_accepted", "animal.transferred"]
    accepted, moved_event = uow.staged
    assert (accepted.organisation_id, accepted.actor_id) == (BUYER, BUYER_ACTOR.user_id)
    assert accepted.payload["status"] == "accepted"
    assert (moved_event.organisation_id, moved_event.actor_id) == (SELLER, BUYER_ACTOR.user_id)
    assert audits(uow)[:2] == [
        (
            "transfer_offer",
            str(offer.id),
            "accepted",
            {"status": "pending", "decided_at": None},
            {"status": "accepted", "decided_at": LATER.isoformat().replace("+00:00", "Z")},
            org,
            BUYER_ACTOR.user_id,
        )
        for org in (SELLER, BUYER)
    ]
    assert [r.action for r in uow.audits[2:]] == ["transferred", "transferred"]


async def test_without_a_snapshot_the_transfer_keeps_the_code_and_name_and_shares_lineage(
    uow: FakeTransferUnitOfWork,
) -> None:
    sire = await add(uow, code="S", sex=AnimalSex.MALE)
    animal = await add(uow, code="K1", name="Kid", sire_id=sire.id)
    offer = await offered(uow, animal)
    transfer = await accept_offer(uow, BUYER_ACTOR, offer.id)
    assert transfer.snapshot["animal"] == {"code": "K1", "name": "Kid"}
    assert uow.animals.rows[sire.id].visibility.value == "lineage_only"
    assert transfer.transferred_at.utcoffset() == dt.timedelta(0)


async def test_declining_leaves_the_animal_with_the_sender(uow: FakeTransferUnitOfWork) -> None:
    animal = await add(uow)
    offer = await offered(uow, animal)
    declined = await decline_offer(uow, BUYER_ACTOR, offer.id, now=LATER)
    assert declined == dataclasses.replace(offer, status=OfferStatus.DECLINED, decided_at=LATER)
    assert uow.transfer_offers.rows[offer.id] == declined
    assert uow.animals.rows[animal.id] == animal
    assert (uow.transfers.records, uow.acting_for, uow.commits) == ([], [], 1)
    (event,) = uow.staged
    assert (event.type, event.organisation_id, event.actor_id) == (
        "animal.transfer_declined",
        BUYER,
        BUYER_ACTOR.user_id,
    )
    assert [(r.action, r.organisation_id) for r in uow.audits] == [
        ("declined", SELLER),
        ("declined", BUYER),
    ]


async def test_the_sender_withdraws_its_offer(uow: FakeTransferUnitOfWork) -> None:
    animal = await add(uow)
    offer = await offered(uow, animal)
    withdrawn = await withdraw_offer(uow, ACTOR, offer.id, now=LATER)
    assert withdrawn == dataclasses.replace(offer, status=OfferStatus.WITHDRAWN, decided_at=LATER)
    assert uow.transfer_offers.rows[offer.id] == withdrawn
    assert uow.commits == 1
    (event,) = uow.staged
    assert (event.type, event.organisation_id, event.payload["status"]) == (
        "animal.transfer_withdrawn",
        SELLER,
        "withdrawn",
    )
    # the animal may be offered again, to anyone
    again = await offered(uow, animal, THIRD)
    assert again.status is OfferStatus.PENDING


@pytest.mark.parametrize(
    ("answer", "actor", "refusal"),
    [
        (accept_offer, ACTOR, "Only the receiving organisation may accept this offer."),
        (decline_offer, ACTOR, "Only the receiving organisation may decline this offer."),
        (withdraw_offer, BUYER_ACTOR, "Only the sending organisation may withdraw this offer."),
    ],
)
async def test_each_side_does_only_its_own_part(
    uow: FakeTransferUnitOfWork, answer: Any, actor: Actor, refusal: str
) -> None:
    animal = await add(uow)
    offer = await offered(uow, animal)
    with pytest.raises(PermissionDenied) as refused:
        await answer(uow, actor, offer.id, now=LATER)
    assert refused.value.detail == refusal
    stranger = Actor(THIRD, uuid.uuid4())
    for unknown_to_them in (offer.id, uuid.uuid4()):
        with pytest.raises(NotFound) as hidden:
            await answer(uow, stranger, unknown_to_them, now=LATER)
        assert hidden.value.detail == f"No transfer offer {unknown_to_them} for this organisation."
    viewer = dataclasses.replace(actor, may_write=False)
    with pytest.raises(PermissionDenied):
        await answer(uow, viewer, offer.id, now=LATER)
    assert uow.transfer_offers.rows[offer.id] == offer
    assert (uow.outbox.events, uow.commits) == ([], 0)


@pytest.mark.parametrize("answer", [accept_offer, decline_offer, withdraw_offer])
async def test_an_offer_past_its_end_can_no_longer_be_answered(
    uow: FakeTransferUnitOfWork, answer: Any
) -> None:
    animal = await add(uow)
    offer = await offered(uow, animal)
    actor = ACTOR if answer is withdraw_offer else BUYER_ACTOR
    with pytest.raises(Conflict) as refused:
        await answer(uow, actor, offer.id, now=END)
    assert refused.value.detail == f"The offer ended at {END:%Y-%m-%d %H:%M} UTC."
    assert uow.transfer_offers.rows[offer.id] == offer
    assert uow.animals.rows[animal.id] == animal
    assert (uow.outbox.events, uow.commits) == ([], 0)
    # a second before its end it still could
    await answer(uow, actor, offer.id, now=END - dt.timedelta(seconds=1))


@pytest.mark.parametrize("answer", [accept_offer, decline_offer, withdraw_offer])
async def test_a_closed_offer_stays_closed(uow: FakeTransferUnitOfWork, answer: Any) -> None:
    animal = await add(uow)
    offer = await offered(uow, animal)
    await decline_offer(uow, BUYER_ACTOR, offer.id, now=LATER)
    uow.forget_staged()
    actor = ACTOR if answer is withdraw_offer else BUYER_ACTOR
    with pytest.raises(Conflict) as refused:
        await answer(uow, actor, offer.id, now=LATER)
    assert refused.value.detail == "The offer was declined; it is no longer pending."
    assert uow.transfer_offers.rows[offer.id].status is OfferStatus.DECLINED
    assert (uow.outbox.events, uow.commits) == ([], 0)


async def test_an_answer_that_comes_second_is_a_conflict(
    uow: FakeTransferUnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    animal = await add(uow)
    offer = await offered(uow, animal)

    async def answered_first(closed: TransferOffer) -> bool:
        return False  # the conditional update found it no longer pending

    monkeypatch.setattr(uow.transfer_offers, "settle", answered_first)
    with pytest.raises(Conflict) as refused:
        await accept_offer(uow, BUYER_ACTOR, offer.id, now=LATER)
    assert refused.value.detail == "The offer was answered meanwhile; it is no longer pending."
    assert (uow.outbox.events, uow.acting_for, uow.transfers.records) == ([], [], [])


async def test_accepting_after_the_animal_left_the_sender_is_a_conflict(
    uow: FakeTransferUnitOfWork,
) -> None:
    animal = await add(uow)
    offer = await offered(uow, animal)
    uow.animals.rows[animal.id] = dataclasses.replace(animal, organisation_id=THIRD)
    with pytest.raises(Conflict) as refused:
        await accept_offer(uow, BUYER_ACTOR, offer.id, now=LATER)
    assert refused.value.detail == "The sender no longer holds the animal."
    assert (uow.transfers.records, uow.commits) == ([], 0)


async def test_each_side_reads_its_offers(uow: FakeTransferUnitOfWork) -> None:
    first = await offered(uow, await add(uow))
    second = await offer_transfer(uow, ACTOR, Directory(), (await add(uow)).id, THIRD, now=LATER)
    third = await offer_transfer(
        uow,
        BUYER_ACTOR,
        Directory(),
        (await add(uow, BUYER_ACTOR)).id,
        SELLER,
        now=LATER + dt.timedelta(hours=1),
    )
    await decline_offer(uow, BUYER_ACTOR, first.id, now=LATER)
    declined = uow.transfer_offers.rows[first.id]
    assert await list_offers(uow, ACTOR) == [third, second, declined]
    assert await list_offers(uow, ACTOR, incoming=False) == [second, declined]
    assert await list_offers(uow, ACTOR, incoming=True) == [third]
    assert await list_offers(uow, ACTOR, status=OfferStatus.DECLINED) == [declined]
    assert await list_offers(uow, BUYER_ACTOR, incoming=True) == [declined]
    assert await list_offers(uow, Actor(THIRD)) == [second]
    assert await get_offer(uow, BUYER_ACTOR, first.id) == declined
    assert await get_offer(uow, ACTOR, first.id) == declined
    for actor, offer_id in ((Actor(THIRD), first.id), (ACTOR, uuid.uuid4())):
        with pytest.raises(NotFound) as hidden:
            await get_offer(uow, actor, offer_id)
        assert hidden.value.detail == f"No transfer offer {offer_id} for this organisation."


async def test_a_sale_withdraws_the_open_offer_of_the_animal(uow: FakeTransferUnitOfWork) -> None:
    animal = await add(uow, code="K1")
    offer = await offered(uow, animal)
    before = dt.datetime.now(dt.UTC)
    transfer, made = await transfer_sold_animal(uow, uuid.uuid4(), animal.id, SELLER, THIRD)
    assert made
    assert transfer.to_organisation_id == THIRD
    closed = uow.transfer_offers.rows[offer.id]
    assert closed.status is OfferStatus.WITHDRAWN
    assert closed.decided_at is not None
    assert before <= closed.decided_at <= dt.datetime.now(dt.UTC)
    assert uow.kinds == ["animal.transfer_withdrawn", "animal.transferred"]
    assert uow.staged[0].actor_id is None
    assert uow.commits == 1


async def test_a_sale_of_an_animal_not_offered_withdraws_nothing(
    uow: FakeTransferUnitOfWork,
) -> None:
    animal = await add(uow)
    other = await add(uow)
    offer = await offered(uow, other)
    assert await withdraw_for_sale(uow, ACTOR, animal.id) is None
    # an offer of the animal by another organisation (it was sold on since) is not the seller's
    assert await withdraw_for_sale(uow, BUYER_ACTOR, other.id) is None
    assert uow.transfer_offers.rows[offer.id] == offer
    assert uow.outbox.events == []


class Units:
    """The worker's units of work: each opens on the one fake, and counts."""

    def __init__(self, uow: FakeTransferUnitOfWork) -> None:
        self.uow = uow
        self.opened = 0

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[FakeTransferUnitOfWork]:
        self.opened += 1
        yield self.uow


async def test_offers_past_their_end_expire_once_and_the_animal_stays(
    uow: FakeTransferUnitOfWork,
) -> None:
    soon = await offered(uow, await add(uow), days=1)
    later = await offered(uow, await add(uow), days=2)
    answered = await offered(uow, await add(uow), days=1)
    await decline_offer(uow, BUYER_ACTOR, answered.id, now=NOW)
    uow.forget_staged()
    units = Units(uow)
    assert await expire_due_offers(units.open, LATER - dt.timedelta(seconds=1)) == 0
    assert await expire_due_offers(units.open, LATER) == 1
    assert uow.transfer_offers.rows[soon.id] == dataclasses.replace(
        soon, status=OfferStatus.EXPIRED, decided_at=LATER
    )
    assert uow.transfer_offers.rows[later.id] == later
    assert uow.transfer_offers.rows[answered.id].status is OfferStatus.DECLINED
    (event,) = uow.staged
    assert (event.type, event.organisation_id, event.actor_id) == (
        "animal.transfer_expired",
        SELLER,
        None,
    )
    assert event.payload["offer_id"] == str(soon.id)
    assert [(r.action, r.organisation_id, r.actor_id) for r in uow.audits] == [
        ("expired", SELLER, None),
        ("expired", BUYER, None),
    ]
    assert uow.commits == 1
    assert uow.animals.rows[soon.animal_id].organisation_id == SELLER
    # a second pass at the same time finds nothing: idempotent
    assert await expire_due_offers(units.open, LATER) == 0
    assert uow.commits == 1


async def test_the_worker_expires_at_most_a_batch_earliest_end_first(
    uow: FakeTransferUnitOfWork,
) -> None:
    offers = [await offered(uow, await add(uow), days=days) for days in (3, 1, 2)]
    units = Units(uow)
    when = NOW + dt.timedelta(days=5)
    assert await expire_due_offers(units.open, when, limit=2) == 2
    status = {o.id: uow.transfer_offers.rows[o.id].status for o in offers}
    assert [status[o.id] for o in offers] == [
        OfferStatus.PENDING,
        OfferStatus.EXPIRED,
        OfferStatus.EXPIRED,
    ]
    assert units.opened == 3  # the search, then one transaction per offer
    assert await expire_due_offers(units.open, when) == 1
    assert await expire_due_offers(units.open, when) == 0


async def test_an_offer_answered_while_the_worker_ran_is_left_as_answered(
    uow: FakeTransferUnitOfWork,
) -> None:
    answered, gone, due = [await offered(uow, await add(uow), days=1) for _ in range(3)]

    class Racing(Units):
        @contextlib.asynccontextmanager
        async def open(self) -> AsyncIterator[FakeTransferUnitOfWork]:
            if self.opened == 1:  # between the search and the offers' own transactions
                await decline_offer(uow, BUYER_ACTOR, answered.id, now=NOW)
                del uow.transfer_offers.rows[gone.id]  # as if it could no longer be seen
                uow.forget_staged()
            self.opened += 1
            yield self.uow

    assert await expire_due_offers(Racing(uow).open, LATER) == 3
    assert uow.transfer_offers.rows[answered.id].status is OfferStatus.DECLINED
    # the others still expire
    assert uow.transfer_offers.rows[due.id].status is OfferStatus.EXPIRED
    assert [e.payload["offer_id"] for e in uow.staged] == [str(due.id)]
    assert uow.commits == 1


async def test_an_offer_settled_between_its_read_and_its_update_is_skipped(
    uow: FakeTransferUnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = [await offered(uow, await add(uow), days=1) for _ in range(2)]
    settle = uow.transfer_offers.settle
    tried: list[uuid.UUID] = []

    async def first_answered_first(closed: TransferOffer) -> bool:
        tried.append(closed.id)
        return False if closed.id == first.id else await settle(closed)

    monkeypatch.setattr(uow.transfer_offers, "settle", first_answered_first)
    assert await expire_due_offers(Units(uow).open, LATER) == 2
    assert tried == [first.id, second.id]
    assert uow.transfer_offers.rows[first.id] == first
    assert uow.transfer_offers.rows[second.id].status is OfferStatus.EXPIRED
    assert [e.payload["offer_id"] for e in uow.staged] == [str(second.id)]
    assert uow.commits == 1


async def test_a_pass_takes_a_hundred_offers_by_default(uow: FakeTransferUnitOfWork) -> None:
    for _ in range(101):
        await offered(uow, await add(uow), days=1)
    assert await expire_due_offers(Units(uow).open, LATER) == 100
    assert await expire_due_offers(Units(uow).open, LATER) == 1
