"""``/integrations/webhooks``: an organisation's outgoing webhooks, their signing secrets and
their delivery logs, for its owners and admins."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from litestar import Controller, delete, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from reptidex.domain.identity.model import Role
from reptidex.domain.integrations.kinds import WEBHOOK_EVENT_KINDS, WEBHOOK_FAMILIES
from reptidex.domain.integrations.model import DeliveryStatus
from reptidex.domain.integrations.subscriptions import (
    delete_webhook,
    delivery_log,
    list_webhooks,
    read_webhook,
    redeliver,
    rotate_secret,
    subscribe,
)
from reptidex.services.kernel.auth import BEARER, CurrentPrincipal, requires_role
from reptidex.services.kernel.problems import PROBLEM_MEDIA_TYPE, Problem
from reptidex.services.ops.access import Integrations, manager_of
from reptidex.services.ops.webhook_schemas import (
    DeliveryPage,
    DeliveryView,
    EventKinds,
    WebhookList,
    WebhookRequest,
    WebhookView,
    WebhookWithSecret,
    delivery_view,
    webhook_view,
)

MAX_DELIVERY_PAGE = 100
Limit = Annotated[
    int,
    QueryParameter(
        ge=1, le=MAX_DELIVERY_PAGE, description=f"Items per page (1-{MAX_DELIVERY_PAGE})."
    ),
]
Offset = Annotated[int, QueryParameter(ge=0, le=10_000_000, description="Items to skip.")]
Status = Annotated[
    Literal["pending", "delivered", "failed"] | None,
    QueryParameter(description="Only deliveries in this state."),
]


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=description, media_type=PROBLEM_MEDIA_TYPE
    )


_ACCESS = {
    401: _problem("No valid access token."),
    403: _problem("Not an owner or admin of the active organisation."),
}
_ONE = {**_ACCESS, 404: _problem("No such webhook in the organisation.")}


class WebhookController(Controller):
    """Outgoing webhooks of the caller's active organisation."""

    path = "/integrations/webhooks"
    tags = ("integrations",)
    security = BEARER
    guards = [requires_role(Role.ADMIN)]  # noqa: RUF012 (Litestar's declaration)

    @get(
        "/event-kinds",
        summary="The event kinds webhooks deliver",
        description="Every kind a webhook may subscribe to, and the families it may subscribe "
        "to whole (`listing.*`).",
        responses=_ACCESS,
    )
    async def event_kinds(self) -> EventKinds:
        """The allow-list."""
        return EventKinds(list(WEBHOOK_EVENT_KINDS), sorted(f"{f}.*" for f in WEBHOOK_FAMILIES))

    @post(
        "/",
        status_code=201,
        summary="Subscribe a URL to event kinds",
        description="The URL must be `https` and resolve to public addresses only. The answer "
        "holds the signing secret: it is shown this once. Each delivery is a JSON `POST` "
        "signed with it (`X-ReptiDex-Signature`, see docs/ops.md).",
        responses={
            **_ACCESS,
            409: _problem("The organisation has the most webhooks it may have."),
            422: _problem("A refused URL or an event kind webhooks do not deliver."),
        },
    )
    async def create(
        self,
        principal: CurrentPrincipal,
        integrations: Integrations,
        data: JSONBody[WebhookRequest],
    ) -> WebhookWithSecret:
        """Subscribe."""
        manager = manager_of(principal)
        now = integrations.clock()
        async with integrations.unit_of_work(manager.organisation_id) as uow:
            webhook, secret = await subscribe(
                uow,
                integrations.keys,
                integrations.destinations,
                manager,
                data.url,
                list(data.event_kinds),
                data.description,
                now,
            )
        return WebhookWithSecret(webhook_view(webhook, now), secret)

    @get("/", summary="The organisation's webhooks", responses=_ACCESS)
    async def list_all(
        self, principal: CurrentPrincipal, integrations: Integrations
    ) -> WebhookList:
        """Every webhook, oldest first (never a secret)."""
        manager = manager_of(principal)
        async with integrations.unit_of_work(manager.organisation_id) as uow:
            found = await list_webhooks(uow, manager)
        now = integrations.clock()
        return WebhookList([webhook_view(webhook, now) for webhook in found])

    @get("/{webhook_id:uuid}", summary="A webhook", responses=_ONE)
    async def read(
        self,
        principal: CurrentPrincipal,
        integrations: Integrations,
        webhook_id: FromPath[uuid.UUID],
    ) -> WebhookView:
        """One webhook (never its secret)."""
        manager = manager_of(principal)
        async with integrations.unit_of_work(manager.organisation_id) as uow:
            webhook = await read_webhook(uow, manager, webhook_id)
        return webhook_view(webhook, integrations.clock())

    @delete(
        "/{webhook_id:uuid}",
        status_code=204,
        summary="Delete a webhook",
        description="Nothing more is sent to it; its delivery log goes with it.",
        responses=_ONE,
    )
    async def remove(
        self,
        principal: CurrentPrincipal,
        integrations: Integrations,
        webhook_id: FromPath[uuid.UUID],
    ) -> None:
        """Delete."""
        manager = manager_of(principal)
        async with integrations.unit_of_work(manager.organisation_id) as uow:
            await delete_webhook(uow, manager, webhook_id, integrations.clock())

    @post(
        "/{webhook_id:uuid}/rotate-secret",
        status_code=200,
        summary="Rotate a webhook's signing secret",
        description="A new secret, shown this once. For 24 hours deliveries carry a signature "
        "with the previous secret as well, so a receiver can switch without losing any.",
        responses=_ONE,
    )
    async def rotate(
        self,
        principal: CurrentPrincipal,
        integrations: Integrations,
        webhook_id: FromPath[uuid.UUID],
    ) -> WebhookWithSecret:
        """Rotate the secret."""
        manager = manager_of(principal)
        now = integrations.clock()
        async with integrations.unit_of_work(manager.organisation_id) as uow:
            webhook, secret = await rotate_secret(uow, integrations.keys, manager, webhook_id, now)
        return WebhookWithSecret(webhook_view(webhook, now), secret)

    @get(
        "/{webhook_id:uuid}/deliveries",
        summary="A webhook's delivery log",
        description="Deliveries newest first: the event, the attempts so far, the last "
        "attempt's status code, response time and error, and when the next attempt is due.",
        responses=_ONE,
    )
    async def deliveries(
        self,
        principal: CurrentPrincipal,
        integrations: Integrations,
        webhook_id: FromPath[uuid.UUID],
        status: Status = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> DeliveryPage:
        """A page of the log."""
        manager = manager_of(principal)
        state = None if status is None else DeliveryStatus(status)
        async with integrations.unit_of_work(manager.organisation_id) as uow:
            found, total = await delivery_log(uow, manager, webhook_id, state, limit, offset)
        return DeliveryPage([delivery_view(d) for d in found], total, limit, offset)

    @post(
        "/{webhook_id:uuid}/deliveries/{delivery_id:uuid}/redeliver",
        status_code=202,
        summary="Send a delivery again",
        description="A new delivery of the same event with the same body (a receiver "
        "deduplicating on the event's `id` sees the same event), due at once.",
        responses={
            **_ACCESS,
            404: _problem("No such webhook or delivery in the organisation."),
            409: _problem("The delivery is still being attempted."),
        },
    )
    async def redeliver(
        self,
        principal: CurrentPrincipal,
        integrations: Integrations,
        webhook_id: FromPath[uuid.UUID],
        delivery_id: FromPath[uuid.UUID],
    ) -> DeliveryView:
        """Redeliver."""
        manager = manager_of(principal)
        async with integrations.unit_of_work(manager.organisation_id) as uow:
            again = await redeliver(uow, manager, webhook_id, delivery_id, integrations.clock())
        return delivery_view(again)
