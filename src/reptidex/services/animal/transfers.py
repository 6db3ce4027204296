"""Transfers between organisations: ``POST /animals/{id}/transfer`` offers an animal,
``/animals/transfer-offers`` lists the offers sent and received and answers them,
``GET /animals/transfers`` lists the transfers made."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from reptidex.domain.animals.model import Animal
from reptidex.domain.animals.transfer import Transfer, transfer_history
from reptidex.domain.animals.transfer_offers import (
    MAX_OFFER_DAYS,
    OFFER_DAYS,
    OfferStatus,
    TransferOffer,
    accept_offer,
    decline_offer,
    get_offer,
    list_offers,
    offer_transfer,
    withdraw_offer,
)
from reptidex.services.animal.access import (
    READ,
    SECURITY,
    WRITE,
    CallerActor,
    Organisations,
    UnitOfWork,
)
from reptidex.services.animal.schemas import animal_view
from reptidex.services.kernel.problems import Problem

OfferStatusName = Literal["pending", "accepted", "declined", "withdrawn", "expired"]

_PROBLEMS = {
    403: "A viewer, or the other party of the offer.",
    404: "No such animal or offer in this organisation.",
    409: "The animal is already offered or the offer is no longer open.",
    422: "No such organisation, the caller's own, or a bad field.",
    503: "repti-core could not confirm the organisation; try again shortly.",
}


def _problems(*statuses: int) -> dict[int, ResponseSpec]:
    """The problem+json answers of an operation, each with what it means there."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_PROBLEMS[status],
            media_type="application/problem+json",
        )
        for status in statuses
    }


class TransferRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The receiving organisation, whether to share the animal's ancestry with it, and how
    long the offer stays open."""

    organisation_id: uuid.UUID
    share_lineage: bool = True
    expires_in_days: Annotated[
        int,
        msgspec.Meta(
            ge=1,
            le=MAX_OFFER_DAYS,
            description=f"Days the offer stays open (1 to {MAX_OFFER_DAYS}); it then expires "
            "and the animal stays with the sender.",
        ),
    ] = OFFER_DAYS


class TransferView(msgspec.Struct, frozen=True):
    """A transfer, with the seller's snapshot of the animal and its logs at the time."""

    id: uuid.UUID
    animal_id: uuid.UUID
    from_organisation_id: uuid.UUID
    to_organisation_id: uuid.UUID
    transferred_at: dt.datetime
    snapshot: dict[str, Any]
    reference: str | None = None
    """What it carried out: ``offer:<id>`` (an accepted offer), ``order:<id>`` (a sale)."""


def transfer_view(transfer: Transfer) -> TransferView:
    """The view of a transfer."""
    return TransferView(
        transfer.id,
        transfer.animal_id,
        transfer.from_organisation_id,
        transfer.to_organisation_id,
        transfer.transferred_at,
        transfer.snapshot,
        transfer.reference,
    )


class OfferedAnimalView(msgspec.Struct, frozen=True):
    """What the receiver is shown of the offered animal, as it was when offered."""

    code: str
    name: str | None
    species: str
    sex: str
    morph: str
    hatch_date: dt.date | None


class TransferOfferView(msgspec.Struct, frozen=True):
    """An offer of an animal to another organisation."""

    id: uuid.UUID
    animal_id: uuid.UUID
    from_organisation_id: uuid.UUID
    to_organisation_id: uuid.UUID
    animal: OfferedAnimalView
    share_lineage: bool
    status: OfferStatusName
    offered_at: dt.datetime
    expires_at: dt.datetime
    decided_at: dt.datetime | None


def offer_view(offer: TransferOffer) -> TransferOfferView:
    """The view of an offer."""
    shown = offer.animal
    return TransferOfferView(
        offer.id,
        offer.animal_id,
        offer.from_organisation_id,
        offer.to_organisation_id,
        OfferedAnimalView(
            shown.code, shown.name, shown.species, shown.sex, shown.morph, shown.hatch_date
        ),
        offer.share_lineage,
        offer.status.value,
        offer.offered_at,
        offer.expires_at,
        offer.decided_at,
    )


def _snapshot(animal: Animal) -> dict[str, Any]:
    built: dict[str, Any] = msgspec.to_builtins(animal_view(animal))
    return built


class TransferController(Controller):
    """Offers of animals to other organisations, their answers, and the transfers made."""

    path = "/animals"
    tags = ("animals",)
    security = SECURITY

    @post(
        "/{animal_id:uuid}/transfer",
        guards=WRITE,
        summary="Offer an animal to another organisation",
        description="Offers the animal to the organisation `organisation_id`, which must "
        "exist (repti-core is asked: 422 naming `organisation_id` when it does not, 503 when "
        "core cannot answer; nothing is written either way). The animal stays with the "
        "sender until a member of the receiving organisation accepts "
        "(`POST /animals/transfer-offers/{id}/accept`); it is declined, withdrawn, or expires "
        f"after `expires_in_days` (default {OFFER_DAYS}, at most {MAX_OFFER_DAYS}), and the "
        "animal stays where it is. An animal has one pending offer at a time (409 while it "
        "has one) and cannot be deleted while offered. On acceptance the animal and its logs "
        "move as a sale moves them: its code is kept unless taken there, parent links stay; "
        "with `share_lineage` (default) the sender's private ancestors of it become "
        "lineage-only. Emits `animal.transfer_offered`.",
        responses=_problems(403, 404, 409, 422, 503),
    )
    async def offer(
        self,
        actor: CallerActor,
        uow: UnitOfWork,
        organisations: Organisations,
        animal_id: FromPath[uuid.UUID],
        data: JSONBody[TransferRequest],
    ) -> TransferOfferView:
        """Offer an animal."""
        made = await offer_transfer(
            uow,
            actor,
            organisations,
            animal_id,
            data.organisation_id,
            share_lineage=data.share_lineage,
            days=data.expires_in_days,
        )
        return offer_view(made)

    @get(
        "/transfer-offers",
        guards=READ,
        summary="List transfer offers",
        description="The offers the organisation received (`direction=incoming`) or sent "
        "(`outgoing`), or both (default), optionally of one `status`, newest first. A "
        "pending offer past its `expires_at` is expired by a worker within a minute and can "
        "no longer be answered.",
    )
    async def offers(
        self,
        actor: CallerActor,
        uow: UnitOfWork,
        direction: Annotated[
            Literal["incoming", "outgoing"] | None,
            QueryParameter(description="Only the offers received, or only those sent"),
        ] = None,
        status: Annotated[OfferStatusName | None, QueryParameter()] = None,
    ) -> list[TransferOfferView]:
        """The organisation's offers."""
        found = await list_offers(
            uow,
            actor,
            incoming=None if direction is None else direction == "incoming",
            status=None if status is None else OfferStatus(status),
        )
        return [offer_view(o) for o in found]

    @get(
        "/transfer-offers/{offer_id:uuid}",
        guards=READ,
        summary="Show a transfer offer",
        description="An offer the organisation sent or received (404 otherwise).",
        responses=_problems(404),
    )
    async def show_offer(
        self, actor: CallerActor, uow: UnitOfWork, offer_id: FromPath[uuid.UUID]
    ) -> TransferOfferView:
        """One offer."""
        return offer_view(await get_offer(uow, actor, offer_id))

    @post(
        "/transfer-offers/{offer_id:uuid}/accept",
        guards=WRITE,
        summary="Accept a transfer offer",
        description="The receiving organisation takes the animal: it moves with its logs, "
        "photos and parent links; the sender keeps a read-only snapshot "
        "(`GET /animals/transfers`, the transfer's `reference` is `offer:<id>`). 403 for "
        "the sender, 404 for anyone else; 409 when the offer is no longer pending or is past "
        "its end. Emits `animal.transfer_accepted` and `animal.transferred`.",
        responses=_problems(403, 404, 409),
    )
    async def accept(
        self, actor: CallerActor, uow: UnitOfWork, offer_id: FromPath[uuid.UUID]
    ) -> TransferView:
        """Accept an offer."""
        return transfer_view(await accept_offer(uow, actor, offer_id, snapshot=_snapshot))

    @post(
        "/transfer-offers/{offer_id:uuid}/decline",
        guards=WRITE,
        status_code=200,
        summary="Decline a transfer offer",
        description="The receiving organisation refuses the animal, which stays with the "
        "sender. 403 for the sender, 404 for anyone else; 409 when the offer is no longer "
        "pending or is past its end. Emits `animal.transfer_declined`.",
        responses=_problems(403, 404, 409),
    )
    async def decline(
        self, actor: CallerActor, uow: UnitOfWork, offer_id: FromPath[uuid.UUID]
    ) -> TransferOfferView:
        """Decline an offer."""
        return offer_view(await decline_offer(uow, actor, offer_id))

    @post(
        "/transfer-offers/{offer_id:uuid}/withdraw",
        guards=WRITE,
        status_code=200,
        summary="Withdraw a transfer offer",
        description="The sender takes its offer back. 403 for the receiver, 404 for anyone "
        "else; 409 when the offer is no longer pending or is past its end. Emits "
        "`animal.transfer_withdrawn`.",
        responses=_problems(403, 404, 409),
    )
    async def withdraw(
        self, actor: CallerActor, uow: UnitOfWork, offer_id: FromPath[uuid.UUID]
    ) -> TransferOfferView:
        """Withdraw an offer."""
        return offer_view(await withdraw_offer(uow, actor, offer_id))

    @get(
        "/transfers",
        guards=READ,
        summary="List transfers",
        description="Animals transferred from or to the organisation (accepted offers and "
        "marketplace sales), newest first, with the sender's read-only snapshot of each "
        "animal and its logs at the time.",
    )
    async def transfers(self, actor: CallerActor, uow: UnitOfWork) -> list[TransferView]:
        """The organisation's transfers."""
        return [transfer_view(t) for t in await transfer_history(uow, actor)]
