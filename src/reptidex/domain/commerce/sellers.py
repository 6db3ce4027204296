"""Seller profiles: what an organisation shows buyers about itself (name, about, where it
is) and its store policy (shipping, returns, payment terms), with the ratings it received.

Anyone reads a profile; a member of the organisation writes it, which stages
``seller.profile_updated`` (for a search index of sellers) beside its audit record. An
organisation that never wrote a profile and was never rated has none (404).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Protocol

from reptidex.domain.audit import snapshot
from reptidex.domain.commerce.audit import audit
from reptidex.domain.commerce.events import PRODUCER, SellerProfileUpdated
from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.ratings import Ratings, RatingSummary
from reptidex.domain.errors import NotFound, PermissionDenied
from reptidex.domain.events import Outbox, new_event


@dataclass(frozen=True, slots=True)
class StorePolicy:
    """How the seller trades."""

    shipping: str | None = None
    returns: str | None = None
    payment: str | None = None


@dataclass(frozen=True, slots=True)
class SellerProfile:
    """An organisation's public profile as a trader."""

    organisation_id: uuid.UUID
    display_name: str
    about: str | None = None
    country: str | None = None
    region: str | None = None
    policy: StorePolicy = StorePolicy()
    updated_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class PublicProfile:
    """A profile (``None`` when never written) with the ratings the organisation received as a
    seller and as a buyer."""

    organisation_id: uuid.UUID
    profile: SellerProfile | None
    as_seller: RatingSummary
    as_buyer: RatingSummary


class SellerProfiles(Protocol):
    """The profiles, one per organisation."""

    async def get(self, organisation_id: uuid.UUID) -> SellerProfile | None:
        """The organisation's profile, if written."""

    async def save(self, profile: SellerProfile) -> SellerProfile:
        """Write (create or replace) the organisation's profile."""


class ProfileUnitOfWork(Protocol):
    """What the profile use cases work with, in one transaction."""

    @property
    def profiles(self) -> SellerProfiles:
        """The profiles."""

    @property
    def ratings(self) -> Ratings:
        """The ratings."""

    @property
    def outbox(self) -> Outbox:
        """Where the change's event and audit record are staged."""

    async def commit(self) -> None:
        """Make the changes durable."""


async def show_profile(uow: ProfileUnitOfWork, organisation_id: uuid.UUID) -> PublicProfile:
    """An organisation's public profile; :class:`NotFound` when it has neither a profile nor
    a rating."""
    profile = await uow.profiles.get(organisation_id)
    as_seller = await uow.ratings.summary(organisation_id, as_seller=True)
    as_buyer = await uow.ratings.summary(organisation_id, as_seller=False)
    if profile is None and as_seller.count == 0 and as_buyer.count == 0:
        raise NotFound(f"No seller profile of organisation {organisation_id}.")
    return PublicProfile(organisation_id, profile, as_seller, as_buyer)


async def save_profile(
    uow: ProfileUnitOfWork, actor: Member, profile: SellerProfile, now: dt.datetime
) -> SellerProfile:
    """Write the actor's organisation's profile; :class:`PermissionDenied` for another
    organisation's, or for a viewer. Emits ``seller.profile_updated``."""
    actor.require_writer()
    if profile.organisation_id != actor.organisation_id:
        raise PermissionDenied("You may only write your own organisation's profile.")
    before = await uow.profiles.get(actor.organisation_id)
    saved = await uow.profiles.save(
        SellerProfile(
            profile.organisation_id,
            profile.display_name,
            profile.about,
            profile.country,
            profile.region,
            profile.policy,
            now,
        )
    )
    audit(
        uow.outbox,
        "seller_profile",
        saved.organisation_id,
        "updated" if before else "created",
        organisation_id=actor.organisation_id,
        actor_id=actor.user_id,
        before=snapshot(before, drop={"updated_at"}) if before else None,
        after=snapshot(saved, drop={"updated_at"}),
    )
    uow.outbox.add(
        new_event(
            "seller.profile_updated",
            producer=PRODUCER,
            payload=SellerProfileUpdated(
                str(saved.organisation_id),
                saved.display_name,
                saved.country,
                saved.region,
                saved.about or "",
            ),
            organisation_id=actor.organisation_id,
            actor_id=actor.user_id,
            occurred_at=now,
        )
    )
    await uow.commit()
    return saved
