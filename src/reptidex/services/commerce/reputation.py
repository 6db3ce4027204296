"""``/marketplace/sellers/{organisation_id}`` (public profiles and store policies, with the
ratings received) and ``POST /orders/{id}/rating`` (a party rates the other, once, after a
completed order)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal, Protocol

import msgspec
from litestar import Controller, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from reptidex.domain.commerce.listing_fields import Country, Region
from reptidex.domain.commerce.ratings import (
    MAX_COMMENT,
    Rating,
    RatingSummary,
    RatingUnitOfWork,
    rate_order,
)
from reptidex.domain.commerce.sellers import (
    ProfileUnitOfWork,
    PublicProfile,
    SellerProfile,
    StorePolicy,
    save_profile,
    show_profile,
)
from reptidex.services.commerce.access import SECURITY, WRITE, CallerMember
from reptidex.services.kernel.app import Injected

DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern=r"\S")]
Text = Annotated[str, msgspec.Meta(max_length=5000)]
Comment = Annotated[str, msgspec.Meta(max_length=MAX_COMMENT)]
Score = Annotated[int, msgspec.Meta(ge=1, le=5, description="1 (poor) to 5 (excellent)")]


class ReputationUnitOfWork(ProfileUnitOfWork, RatingUnitOfWork, Protocol):
    """The request's unit of work as profiles and ratings use it."""


ReputationUnit = Injected[ReputationUnitOfWork]


class PolicyBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How the seller trades."""

    shipping: Text | None = None
    returns: Text | None = None
    payment: Text | None = None


class ProfileBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The profile as the seller writes it (the whole of it: what is left out is cleared)."""

    display_name: DisplayName
    about: Text | None = None
    country: Country | None = None
    region: Region | None = None
    policy: PolicyBody = PolicyBody()


class RatingsView(msgspec.Struct, frozen=True):
    """Ratings received in one role: how many, and their mean rounded to two decimals."""

    count: int
    average: float | None


class ProfileView(msgspec.Struct, frozen=True):
    """A public profile; the fields are null while the organisation has not written one."""

    organisation_id: uuid.UUID
    display_name: str | None
    about: str | None
    country: str | None
    region: str | None
    policy: PolicyBody
    updated_at: dt.datetime | None
    as_seller: RatingsView
    as_buyer: RatingsView


class RatingBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A rating of the other party."""

    score: Score
    comment: Comment | None = None


class RatingView(msgspec.Struct, frozen=True):
    """A rating as kept."""

    order_id: uuid.UUID
    rater_organisation_id: uuid.UUID
    rated_organisation_id: uuid.UUID
    rater_party: Literal["buyer", "seller"]
    score: int
    comment: str | None
    rated_at: dt.datetime


def _ratings(summary: RatingSummary) -> RatingsView:
    average = summary.average
    return RatingsView(summary.count, None if average is None else round(float(average), 2))


def profile_view(public: PublicProfile) -> ProfileView:
    """The view of a public profile."""
    p = public.profile
    policy = StorePolicy() if p is None else p.policy
    return ProfileView(
        organisation_id=public.organisation_id,
        display_name=None if p is None else p.display_name,
        about=None if p is None else p.about,
        country=None if p is None else p.country,
        region=None if p is None else p.region,
        policy=PolicyBody(policy.shipping, policy.returns, policy.payment),
        updated_at=None if p is None else p.updated_at,
        as_seller=_ratings(public.as_seller),
        as_buyer=_ratings(public.as_buyer),
    )


def rating_view(rating: Rating) -> RatingView:
    """The view of a rating."""
    return RatingView(
        rating.order_id,
        rating.rater_organisation_id,
        rating.rated_organisation_id,
        rating.rater_party.value,
        rating.score,
        rating.comment,
        rating.rated_at,
    )


class SellerController(Controller):
    """Public seller profiles and store policies."""

    path = "/marketplace/sellers"
    tags = ("marketplace",)

    @get(
        "/{organisation_id:uuid}",
        summary="Show a seller's profile",
        description="Without a token: the organisation's profile and store policy, and the "
        "ratings it received as a seller (from its buyers) and as a buyer (from its sellers): "
        "count and mean. 404 when it has neither a profile nor a rating.",
    )
    async def show(self, uow: ReputationUnit, organisation_id: FromPath[uuid.UUID]) -> ProfileView:
        """A seller's public profile."""
        return profile_view(await show_profile(uow, organisation_id))

    @put(
        "/{organisation_id:uuid}",
        guards=WRITE,
        security=SECURITY,
        summary="Write your organisation's profile",
        description="Create or replace the caller's organisation's public profile and store "
        "policy (member or higher). 403 for another organisation's. Emits "
        "`seller.profile_updated`.",
        responses={403: ResponseSpec(None, description="Another organisation's profile")},
    )
    async def save(
        self,
        member: CallerMember,
        uow: ReputationUnit,
        organisation_id: FromPath[uuid.UUID],
        data: JSONBody[ProfileBody],
    ) -> ProfileView:
        """Write a profile."""
        policy = StorePolicy(data.policy.shipping, data.policy.returns, data.policy.payment)
        profile = SellerProfile(
            organisation_id,
            data.display_name,
            data.about,
            None if data.country is None else data.country.upper(),
            data.region,
            policy,
        )
        await save_profile(uow, member, profile, dt.datetime.now(dt.UTC))
        return profile_view(await show_profile(uow, organisation_id))


class OrderRatingController(Controller):
    """Ratings after completed orders."""

    path = "/orders"
    tags = ("orders",)
    security = SECURITY

    @post(
        "/{order_id:uuid}/rating",
        guards=WRITE,
        summary="Rate the other party of a completed order",
        description="The buyer rates the seller, the seller rates the buyer: once each, after "
        "the order is completed (1 to 5, with an optional comment). Emits `order.rated`. 404 "
        "for an order the caller is no party to, 409 before completion or for a second "
        "rating.",
        responses={
            404: ResponseSpec(None, description="No order of the caller's organisation"),
            409: ResponseSpec(None, description="Not completed, or already rated"),
        },
    )
    async def rate(
        self,
        member: CallerMember,
        uow: ReputationUnit,
        order_id: FromPath[uuid.UUID],
        data: JSONBody[RatingBody],
    ) -> RatingView:
        """Rate an order's other party."""
        rating = await rate_order(
            uow, member, order_id, data.score, data.comment, dt.datetime.now(dt.UTC)
        )
        return rating_view(rating)
