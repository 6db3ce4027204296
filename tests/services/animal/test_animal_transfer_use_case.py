"""The transfer of an animal to another organisation, with in-memory fakes: the code it gets
there, the seller's snapshot, the ancestors it shares, its audit records and its event. The
fakes (transfers and transfer offers among them) serve the offer and sale tests too."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from test_animal_use_cases import FakeAnimals, FakeUnitOfWork

from reptidex.domain.animals.husbandry import Feeding, LogEntry, Weight, add_log
from reptidex.domain.animals.model import Animal, AnimalSex, Status, Visibility
from reptidex.domain.animals.transfer import Transfer, transfer_animal, transfer_history
from reptidex.domain.animals.transfer_offers import OfferStatus, TransferOffer
from reptidex.domain.animals.use_cases import Actor, AnimalDraft, register_animal
from reptidex.domain.audit import AuditRecord
from reptidex.domain.errors import Conflict, InvalidInput

SELLER = uuid.uuid4()
BUYER = uuid.uuid4()
THIRD = uuid.uuid4()
ACTOR = Actor(SELLER, uuid.uuid4())
BUYER_ACTOR = Actor(BUYER, uuid.uuid4())
NOW = dt.datetime(2026, 11, 25, 14, 30, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 25)


class FakeTransferOffers:
    """Transfer offers as stored: one pending offer per animal, a settlement only of a pending
    one (as the SQL adapter's conditional update)."""

    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, TransferOffer] = {}

    async def add(self, offer: TransferOffer) -> None:
        if await self.pending_for(offer.animal_id) is not None:
            raise Conflict("already offered")
        self.rows[offer.id] = offer

    async def get(self, offer_id: uuid.UUID) -> TransferOffer | None:
        return self.rows.get(offer_id)

    async def pending_for(self, animal_id: uuid.UUID) -> TransferOffer | None:
        return next(
            (
                o
                for o in self.rows.values()
                if o.animal_id == animal_id and o.status is OfferStatus.PENDING
            ),
            None,
        )

    async def involving(
        self,
        organisation_id: uuid.UUID,
        *,
        incoming: bool | None = None,
        status: OfferStatus | None = None,
    ) -> list[TransferOffer]:
        def party(offer: TransferOffer) -> bool:
            received = offer.to_organisation_id == organisation_id
            sent = offer.from_organisation_id == organisation_id
            return (received or sent) if incoming is None else received if incoming else sent

        found = [o for o in self.rows.values() if party(o) and status in (None, o.status)]
        return sorted(found, key=lambda o: o.offered_at, reverse=True)

    async def settle(self, offer: TransferOffer) -> bool:
        current = self.rows.get(offer.id)
        if current is None or current.status is not OfferStatus.PENDING:
            return False
        self.rows[offer.id] = offer
        return True

    async def due(self, now: dt.datetime, limit: int) -> list[TransferOffer]:
        found = [
            o for o in self.rows.values() if o.status is OfferStatus.PENDING and o.expires_at <= now
        ]
        return sorted(found, key=lambda o: o.expires_at)[:limit]


class FakeLineage(FakeAnimals):
    """The animals, with a pedigree that also walks down to descendants when asked to, and
    the offers they are in."""

    def __init__(self) -> None:
        super().__init__()
        self.offers = FakeTransferOffers()

    async def offered_to(self, animal_id: uuid.UUID) -> uuid.UUID | None:
        pending = await self.offers.pending_for(animal_id)
        return None if pending is None else pending.to_organisation_id

    async def pedigree(
        self, roots: Sequence[uuid.UUID], *, ancestors: int, descendants: int
    ) -> list[Animal]:
        found = {a.id: a for a in await super().pedigree(roots, ancestors=ancestors, descendants=0)}
        frontier = {r for r in roots if r in self.rows}
        for _ in range(descendants):
            frontier = {a.id for a in self.rows.values() if {a.sire_id, a.dam_id} & frontier}
            found |= {i: self.rows[i] for i in frontier}
        return list(found.values())


class FakeHusbandry:
    def __init__(self) -> None:
        self.entries: list[LogEntry] = []

    async def add(self, entry: LogEntry) -> LogEntry:
        self.entries.append(entry)
        return entry

    async def list(
        self, organisation_id: uuid.UUID, animal_id: uuid.UUID, kind: str | None
    ) -> list[LogEntry]:
        found = [
            e
            for e in self.entries
            if e.organisation_id == organisation_id
            and e.animal_id == animal_id
            and kind in (None, e.kind)
        ]
        return sorted(found, key=lambda e: e.occurred_on)

    async def remove(self, organisation_id: uuid.UUID, entry_id: uuid.UUID) -> bool:
        return False


class FakeTransfers:
    """Moves an animal and its logs under exactly the code it is given (no renaming of its own,
    unlike the SQL adapter's fallback), and keeps the records."""

    def __init__(self, animals: FakeAnimals, husbandry: FakeHusbandry) -> None:
        self.animals = animals
        self.husbandry = husbandry
        self.records: list[Transfer] = []

    async def move(self, animal: Animal, to_organisation_id: uuid.UUID, code: str) -> Animal:
        moved = dataclasses.replace(animal, organisation_id=to_organisation_id, code=code)
        self.animals.rows[animal.id] = moved
        self.husbandry.entries = [
            dataclasses.replace(e, organisation_id=to_organisation_id)
            if e.animal_id == animal.id
            else e
            for e in self.husbandry.entries
        ]
        return moved

    async def record(self, transfer: Transfer) -> None:
        self.records.append(transfer)

    async def involving(self, organisation_id: uuid.UUID) -> list[Transfer]:
        return [
            t
            for t in reversed(self.records)
            if organisation_id in (t.from_organisation_id, t.to_organisation_id)
        ]

    async def by_reference(self, reference: str) -> Transfer | None:
        return next((t for t in self.records if t.reference == reference), None)


class FakeTransferUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.animals = FakeLineage()
        self.husbandry = FakeHusbandry()
        self.transfers = FakeTransfers(self.animals, self.husbandry)
        self.transfer_offers = self.animals.offers
        self.acting_for: list[uuid.UUID] = []

    async def act_for(self, organisation_id: uuid.UUID) -> None:
        self.acting_for.append(organisation_id)

    def forget_staged(self) -> None:
        """Drop what the setup staged, so that a test reads only the transfer's."""
        self.outbox.events.clear()
        self.commits = 0


@pytest.fixture
def uow() -> FakeTransferUnitOfWork:
    return FakeTransferUnitOfWork()


async def add(uow: FakeTransferUnitOfWork, actor: Actor = ACTOR, **fields: Any) -> Animal:
    return await register_animal(uow, actor, AnimalDraft("ball_python", **fields), today=TODAY)


def by_resource(records: list[AuditRecord]) -> dict[str, tuple[Any, ...]]:
    """The ancestors' records by animal id (the pedigree's order is not the test's business)."""
    return {
        r.resource_id: (r.resource_kind, r.action, r.before, r.after, r.organisation_id)
        for r in records
    }


async def test_the_animal_moves_under_its_code_with_a_snapshot_of_it_and_its_logs(
    uow: FakeTransferUnitOfWork,
) -> None:
    animal = await add(uow, name="Kid", code="K1", hatch_date=dt.date(2025, 6, 1))
    await add_log(uow, ACTOR, animal.id, dt.date(2026, 2, 1), Weight(grams=120.5), today=TODAY)
    await add_log(
        uow,
        ACTOR,
        animal.id,
        dt.date(2026, 1, 5),
        Feeding(prey="rat pup", result="refused", size="small"),
        "stressed",
        today=TODAY,
    )
    uow.forget_staged()
    transfer = await transfer_animal(uow, ACTOR, animal.id, BUYER, now=NOW)
    assert isinstance(transfer.id, uuid.UUID)
    assert transfer == Transfer(
        transfer.id,
        animal.id,
        SELLER,
        BUYER,
        NOW,
        {
            "animal": {"code": "K1", "name": "Kid"},
            "logs": [
                {
                    "occurred_on": "2026-01-05",
                    "kind": "feeding",
                    "details": {
                        "kind": "feeding",
                        "prey": "rat pup",
                        "result": "refused",
                        "size": "small",
                        "count": 1,
                    },
                    "notes": "stressed",
                },
                {
                    "occurred_on": "2026-02-01",
                    "kind": "weight",
                    "details": {"kind": "weight", "grams": 120.5},
                    "notes": None,
                },
            ],
        },
    )
    assert uow.transfers.records == [transfer]
    assert await transfer_history(uow, ACTOR) == [transfer]
    assert await transfer_history(uow, BUYER_ACTOR) == [transfer]
    assert await uow.animals.get(SELLER, animal.id) is None
    bought = await uow.animals.get(BUYER, animal.id)
    assert bought is not None
    assert (bought.code, bought.name) == ("K1", "Kid")
    assert len(await uow.husbandry.list(BUYER, animal.id, None)) == 2
    assert uow.commits == 1


async def test_the_callers_snapshot_of_the_animal_is_kept_as_given(
    uow: FakeTransferUnitOfWork,
) -> None:
    animal = await add(uow, name="Kid", code="K1")
    given = {"id": str(animal.id), "code": "K1", "morph": "Normal", "tags": ["keeper"]}
    transfer = await transfer_animal(uow, ACTOR, animal.id, BUYER, snapshot=given)
    assert transfer.snapshot == {"animal": given, "logs": []}


async def test_without_a_time_given_the_transfer_is_stamped_now_in_utc(
    uow: FakeTransferUnitOfWork,
) -> None:
    animal = await add(uow)
    before = dt.datetime.now(dt.UTC)
    transfer = await transfer_animal(uow, ACTOR, animal.id, BUYER)
    assert before <= transfer.transferred_at <= dt.datetime.now(dt.UTC)
    assert transfer.transferred_at.utcoffset() == dt.timedelta(0)
    # each transfer is a record of its own
    back = await transfer_animal(uow, BUYER_ACTOR, animal.id, SELLER, now=NOW)
    assert isinstance(back.id, uuid.UUID)
    assert back.id != transfer.id
    assert back.transferred_at == NOW


@pytest.mark.parametrize(
    ("buyer_codes", "seller_codes", "expected"),
    [
        ((), ("K1-T2",), "K1"),  # only the buyer's codes count, not the seller's
        (("K1",), (), "K1-T2"),
        (("K1", "K1-T2"), (), "K1-T3"),
        (("K1", "K1-T2", "K1-T3", "K1-T4"), ("K1-T5",), "K1-T5"),
        (("K1-T2",), (), "K1"),  # a free code is kept, whatever its variants
    ],
)
async def test_a_code_the_buyer_already_uses_takes_the_next_free_suffix(
    uow: FakeTransferUnitOfWork,
    buyer_codes: tuple[str, ...],
    seller_codes: tuple[str, ...],
    expected: str,
) -> None:
    for code in buyer_codes:
        await add(uow, BUYER_ACTOR, code=code)
    for code in seller_codes:
        await add(uow, code=code)
    animal = await add(uow, code="K1")
    uow.forget_staged()
    await transfer_animal(uow, ACTOR, animal.id, BUYER)
    bought = await uow.animals.get(BUYER, animal.id)
    assert bought is not None
    assert bought.code == expected
    (event,) = uow.staged
    assert event.payload["code"] == expected
    for record in uow.audits:  # the code is in a record when it changed
        assert record.after.get("code", "K1") == expected
        assert record.before.get("code", expected) == "K1"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.FOR_SALE, Status.ACTIVE),
        (Status.SOLD, Status.ACTIVE),
        (Status.HOLDBACK, Status.HOLDBACK),
        (Status.ON_LOAN, Status.ON_LOAN),
        (Status.DECEASED, Status.DECEASED),
        (Status.ACTIVE, Status.ACTIVE),
    ],
)
async def test_an_animal_on_sale_or_sold_is_active_in_the_buyers_collection(
    uow: FakeTransferUnitOfWork, status: Status, expected: Status
) -> None:
    animal = await add(uow, status=status)
    await transfer_animal(uow, ACTOR, animal.id, BUYER)
    bought = await uow.animals.get(BUYER, animal.id)
    assert bought is not None
    assert bought.status is expected


async def test_a_transfer_to_the_sellers_own_organisation_is_refused(
    uow: FakeTransferUnitOfWork,
) -> None:
    animal = await add(uow, code="K1")
    uow.forget_staged()
    with pytest.raises(InvalidInput) as refused:
        await transfer_animal(uow, ACTOR, animal.id, SELLER)
    assert refused.value.detail == "The animal already belongs to this organisation."
    assert refused.value.field_errors == {"organisation_id": "give the buyer's organisation"}
    assert await uow.animals.get(SELLER, animal.id) == animal
    assert (uow.outbox.events, uow.transfers.records, uow.commits) == ([], [], 0)


async def test_by_default_the_sellers_private_ancestors_become_lineage_only(
    uow: FakeTransferUnitOfWork,
) -> None:
    grandsire = await add(uow, code="GS", sex=AnimalSex.MALE)
    # the sire's dam, since sold to a third organisation: private there, not the seller's to share
    sold_on = await add(uow, code="GD", sex=AnimalSex.FEMALE)
    sire = await add(uow, code="S", sex=AnimalSex.MALE, sire_id=grandsire.id, dam_id=sold_on.id)
    uow.animals.rows[sold_on.id] = dataclasses.replace(sold_on, organisation_id=THIRD)
    dam = await add(uow, code="D", sex=AnimalSex.FEMALE, visibility=Visibility.PUBLIC)
    animal = await add(uow, code="K1", sex=AnimalSex.FEMALE, sire_id=sire.id, dam_id=dam.id)
    kid = await add(uow, code="K2", dam_id=animal.id)  # a descendant is not an ancestor
    uow.forget_staged()
    await transfer_animal(uow, ACTOR, animal.id, BUYER)
    visibility = {a.code: a.visibility for a in uow.animals.rows.values()}
    assert visibility == {
        "GS": Visibility.LINEAGE_ONLY,
        "S": Visibility.LINEAGE_ONLY,
        "GD": Visibility.PRIVATE,
        "D": Visibility.PUBLIC,
        "K1": Visibility.PRIVATE,
        "K2": Visibility.PRIVATE,
    }
    shared = [r for r in uow.audits if r.action != "transferred"]
    assert by_resource(shared) == {
        str(ancestor.id): (
            "animal",
            "updated",
            {"visibility": "private"},
            {"visibility": "lineage_only"},
            SELLER,
        )
        for ancestor in (grandsire, sire)
    }
    assert all(r.actor_id == ACTOR.user_id for r in shared)
    assert kid.id not in {uuid.UUID(r.resource_id) for r in uow.audits}


async def test_without_share_lineage_the_ancestors_stay_as_they_were(
    uow: FakeTransferUnitOfWork,
) -> None:
    sire = await add(uow, code="S", sex=AnimalSex.MALE)
    animal = await add(uow, code="K1", sire_id=sire.id)
    uow.forget_staged()
    await transfer_animal(uow, ACTOR, animal.id, BUYER, share_lineage=False)
    assert uow.animals.rows[sire.id].visibility is Visibility.PRIVATE
    assert [r.action for r in uow.audits] == ["transferred", "transferred"]


async def test_the_move_is_audited_for_the_seller_and_for_the_buyer(
    uow: FakeTransferUnitOfWork,
) -> None:
    await add(uow, BUYER_ACTOR, code="K1")
    animal = await add(uow, code="K1", status=Status.FOR_SALE)
    uow.forget_staged()
    await transfer_animal(uow, ACTOR, animal.id, BUYER)
    records = uow.audits
    assert [r.organisation_id for r in records] == [SELLER, BUYER]
    for record in records:
        assert (record.service, record.resource_kind, record.resource_id, record.action) == (
            "animal",
            "animal",
            str(animal.id),
            "transferred",
        )
        assert record.actor_id == ACTOR.user_id
        assert record.before == {
            "code": "K1",
            "organisation_id": str(SELLER),
            "status": "for_sale",
        }
        assert record.after == {
            "code": "K1-T2",
            "organisation_id": str(BUYER),
            "status": "active",
        }
        assert record.withheld == []


async def test_the_transfer_stages_animal_transferred_for_the_seller(
    uow: FakeTransferUnitOfWork,
) -> None:
    await add(uow, BUYER_ACTOR, code="K1")
    animal = await add(uow, code="K1")
    uow.forget_staged()
    await transfer_animal(uow, ACTOR, animal.id, BUYER)
    (event,) = uow.staged
    assert (event.type, event.producer, event.version) == ("animal.transferred", "animal", 1)
    assert event.payload == {
        "animal_id": str(animal.id),
        "code": "K1-T2",
        "from_organisation_id": str(SELLER),
        "to_organisation_id": str(BUYER),
    }
    assert (event.organisation_id, event.actor_id) == (SELLER, ACTOR.user_id)
    assert uow.commits == 1
