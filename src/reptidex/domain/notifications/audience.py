"""Who the platform's events notify: organisations' members (community's copy of repti-core's
memberships), the users who saved a listing, and the notifications a trigger sends them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Mapping
from typing import Any

from reptidex.domain.audit import record_change
from reptidex.domain.errors import Conflict, NotFound
from reptidex.domain.events import new_event
from reptidex.domain.notifications.events import PRODUCER
from reptidex.domain.notifications.model import Channel
from reptidex.domain.notifications.ports import AudienceUnitOfWork
from reptidex.domain.notifications.sending import PLATFORM, notify
from reptidex.domain.notifications.triggers import ForOrganisation, ForSavers, Trigger

ACTING_ROLES = ("member", "admin", "owner")
"""The members an organisation's notifications reach (viewers only look)."""
MAX_SAVED = 500
"""Listings one user may keep saved."""


async def recipients_of(uow: AudienceUnitOfWork, trigger: Trigger) -> list[uuid.UUID]:
    """The users ``trigger`` notifies."""
    if isinstance(trigger, ForOrganisation):
        return await uow.members.of(trigger.organisation_id, ACTING_ROLES)
    if isinstance(trigger, ForSavers):
        return await uow.saved_listings.savers(trigger.listing_id)
    return list(trigger.user_ids)


async def fire(
    uow: AudienceUnitOfWork, trigger: Trigger, channels: Collection[Channel], now: dt.datetime
) -> int:
    """Notify everyone ``trigger`` names (each once per event); how many were new. Does not
    commit (the event consumer's transaction does)."""
    created = 0
    for user_id in await recipients_of(uow, trigger):
        _, new = await notify(uow, PLATFORM, user_id, trigger.request, channels, now)
        created += new
    return created


async def save_listing(
    uow: AudienceUnitOfWork, user_id: uuid.UUID, listing_id: uuid.UUID, now: dt.datetime
) -> bool:
    """Save a listing (its price drops then notify the user); commit. ``False`` when it was
    saved already; :class:`Conflict` past :data:`MAX_SAVED`."""
    if await uow.saved_listings.count(user_id) >= MAX_SAVED:
        raise Conflict(f"At most {MAX_SAVED} listings can be saved; remove some first.")
    if not await uow.saved_listings.add(user_id, listing_id, now):
        return False
    _stage(uow, user_id, listing_id, "saved", now)
    await uow.commit()
    return True


async def unsave_listing(
    uow: AudienceUnitOfWork, user_id: uuid.UUID, listing_id: uuid.UUID, now: dt.datetime
) -> None:
    """Forget a saved listing; commit. :class:`NotFound` when it was not saved."""
    if not await uow.saved_listings.remove(user_id, listing_id):
        raise NotFound("This listing is not among your saved ones.")
    _stage(uow, user_id, listing_id, "unsaved", now)
    await uow.commit()


def _stage(
    uow: AudienceUnitOfWork,
    user_id: uuid.UUID,
    listing_id: uuid.UUID,
    action: str,
    now: dt.datetime,
) -> None:
    uow.outbox.add(
        new_event(
            f"community.listing_{action}",
            producer=PRODUCER,
            payload={"user_id": str(user_id), "listing_id": str(listing_id)},
            actor_id=user_id,
            occurred_at=now,
        )
    )
    saved = {"listing_id": listing_id}
    record_change(
        uow.outbox,
        service=PRODUCER,
        resource_kind="saved_listing",
        resource_id=f"{user_id}:{listing_id}",
        action=action,
        actor_id=user_id,
        organisation_id=None,
        before=saved if action == "unsaved" else None,
        after=saved if action == "saved" else None,
        occurred_at=now,
    )


MEMBERSHIP_EVENTS = (
    "user.organisation_created",
    "user.joined_organisation",
    "user.role_changed",
    "user.removed_from_organisation",
    "user.left_organisation",
)
"""repti-core's events that community's copy of the memberships follows."""


async def follow_membership(
    uow: AudienceUnitOfWork, event_type: str, payload: Mapping[str, Any]
) -> None:
    """Apply one of :data:`MEMBERSHIP_EVENTS` to the copy (a replica of repti-core's records,
    whose changes core audits). Does not commit."""
    organisation = uuid.UUID(str(payload["organisation_id"]))
    if event_type == "user.organisation_created":
        await uow.members.set(organisation, uuid.UUID(str(payload["owner_id"])), "owner")
        return
    user = uuid.UUID(str(payload["user_id"]))
    if event_type == "user.joined_organisation":
        await uow.members.set(organisation, user, str(payload["role"]))
    elif event_type == "user.role_changed":
        await uow.members.set(organisation, user, str(payload["new_role"]))
    elif event_type in ("user.removed_from_organisation", "user.left_organisation"):
        await uow.members.remove(organisation, user)
