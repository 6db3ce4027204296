"""``/notifications/push``: the application server key browsers subscribe with, and the
caller's web push subscriptions."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec
from litestar import Controller, delete, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from reptidex.domain.notifications.model import PushSubscription
from reptidex.domain.notifications.push import origin_of, subscribe_push, unsubscribe_push
from reptidex.services.community.notification_access import NotificationsDependency
from reptidex.services.kernel.auth import BEARER, CurrentPrincipal, requires_user
from reptidex.services.kernel.problems import PROBLEM_MEDIA_TYPE, Problem

Key = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+=*$")]


class PushKeys(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The subscription's keys, as the browser gives them (base64url)."""

    p256dh: Key
    auth: Key


class PushSubscriptionRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A browser's ``PushSubscription.toJSON()``."""

    endpoint: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
    keys: PushKeys
    expirationTime: int | None = None


class PushSubscriptionView(msgspec.Struct, frozen=True):
    """A subscription (its endpoint and keys are not shown back)."""

    id: uuid.UUID
    push_service: str
    created_at: dt.datetime


class PushSubscriptionList(msgspec.Struct, frozen=True):
    """The caller's subscriptions, oldest first."""

    items: list[PushSubscriptionView]


class ApplicationServerKey(msgspec.Struct, frozen=True):
    """The VAPID public key: ``pushManager.subscribe({applicationServerKey})``."""

    public_key: str


def _view(subscription: PushSubscription) -> PushSubscriptionView:
    return PushSubscriptionView(
        subscription.id, origin_of(subscription.endpoint), subscription.created_at
    )


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=description, media_type=PROBLEM_MEDIA_TYPE
    )


_USER = {401: _problem("No valid access token."), 403: _problem("Not a user's token.")}


class PushSubscriptionController(Controller):
    """Web push for the caller's browsers."""

    path = "/notifications/push"
    tags = ("notifications",)

    @get("/key", summary="The application server key (VAPID) browsers subscribe with")
    async def key(self, notifications: NotificationsDependency) -> ApplicationServerKey:
        """The public key."""
        return ApplicationServerKey(notifications.vapid_public_key)

    @post(
        "/subscriptions",
        status_code=201,
        security=BEARER,
        guards=[requires_user],
        summary="Receive web push in this browser",
        description="The browser's subscription (`PushSubscription.toJSON()`): its endpoint "
        "must be a browser's push service. The same endpoint again updates its keys. Push "
        "is then on for the kinds the caller turns it on for (`PUT /notifications/preferences`).",
        responses={
            **_USER,
            422: _problem("Not a push service's endpoint, malformed keys, or ten browsers."),
        },
    )
    async def subscribe(
        self,
        principal: CurrentPrincipal,
        notifications: NotificationsDependency,
        data: JSONBody[PushSubscriptionRequest],
    ) -> PushSubscriptionView:
        """Subscribe."""
        user_id = principal.require_user()
        async with notifications.unit_of_work(user_id) as uow:
            stored = await subscribe_push(
                uow,
                user_id,
                data.endpoint,
                data.keys.p256dh.rstrip("="),
                data.keys.auth.rstrip("="),
                notifications.clock(),
                notifications.push_services,
            )
        return _view(stored)

    @get(
        "/subscriptions",
        security=BEARER,
        guards=[requires_user],
        summary="The caller's web push subscriptions",
        responses=_USER,
    )
    async def list_subscriptions(
        self, principal: CurrentPrincipal, notifications: NotificationsDependency
    ) -> PushSubscriptionList:
        """The subscriptions."""
        user_id = principal.require_user()
        async with notifications.unit_of_work(user_id) as uow:
            found = await uow.push_subscriptions.of(user_id)
        return PushSubscriptionList([_view(s) for s in found])

    @delete(
        "/subscriptions/{subscription_id:uuid}",
        status_code=204,
        security=BEARER,
        guards=[requires_user],
        summary="Stop web push in a browser",
        responses={**_USER, 404: _problem("No such subscription of the caller's.")},
    )
    async def unsubscribe(
        self,
        principal: CurrentPrincipal,
        notifications: NotificationsDependency,
        subscription_id: FromPath[uuid.UUID],
    ) -> None:
        """Unsubscribe."""
        user_id = principal.require_user()
        async with notifications.unit_of_work(user_id) as uow:
            await unsubscribe_push(uow, user_id, subscription_id, notifications.clock())
