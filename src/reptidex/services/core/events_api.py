"""``POST /events/publish``: a trusted service or integration puts an event on the bus.

The event is checked against the registry of event names, stored in repti-core's outbox (so it is
durable once the response says 202) and relayed to the bus like every other event.

Who may publish:
- a service (service token): any registered event type, for any organisation; the producer is
  the calling service;
- an admin or owner of an organisation (user token): ``integration.*`` events only, always for
  their active organisation; the producer is ``integration`` and the actor is the user. Domain
  events (``user.*``, ``billing.*``, ``animal.*`` …) are the services' to tell, so that the audit
  log can trust them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import post
from litestar.params import JSONBody

from reptidex.domain.errors import InvalidInput, PermissionDenied
from reptidex.domain.events import DomainEvent, UnknownEventType, event_family
from reptidex.domain.events.intake import EventIntake
from reptidex.domain.identity.model import Role
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import BEARER, CurrentPrincipal, requires_role
from reptidex.services.kernel.plausible_dates import PlausibleDateTime

INTEGRATION_FAMILY = "integration"
MAX_BODY_BYTES = 64 * 1024


class PublishEvent(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An event to publish: its type from the registry and a payload of that type's version."""

    type: Annotated[str, msgspec.Meta(min_length=3, max_length=100, examples=["animal.created"])]
    payload: dict[str, Any] = msgspec.field(default_factory=dict)
    version: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 1
    id: uuid.UUID | None = None
    """Give an id to make retries safe: the same id is accepted once (409 afterwards)."""
    organisation_id: uuid.UUID | None = None
    occurred_at: PlausibleDateTime | None = None
    """With its zone (422 without)."""


class PublishedEvent(msgspec.Struct, frozen=True):
    """The event as stored in the outbox, to be relayed to the bus."""

    id: uuid.UUID
    type: str
    version: int
    producer: str
    occurred_at: dt.datetime
    organisation_id: uuid.UUID | None = None
    status: str = "accepted"


@post(
    "/events/publish",
    tags=["events"],
    summary="Publish an event",
    description=(
        "Validates the event against the registry of event names, stores it in the outbox and "
        "relays it to the bus (at least once). Services may publish any registered type; "
        "organisation admins may publish `integration.*` events for their organisation."
    ),
    guards=[requires_role(Role.ADMIN, allow_services=True)],
    security=BEARER,
    status_code=202,
    request_max_body_size=MAX_BODY_BYTES,
)
async def publish_event(
    data: JSONBody[PublishEvent],
    principal: CurrentPrincipal,
    event_intake: Injected[EventIntake],
) -> PublishedEvent:
    """Accept one event for publication."""
    if data.occurred_at is not None and data.occurred_at.utcoffset() is None:
        message = "a date-time with its zone (e.g. 2026-05-01T10:00:00Z)"
        raise InvalidInput(f"occurred_at: {message}", field_errors={"occurred_at": message})
    try:
        family = event_family(data.type)
    except UnknownEventType as exc:
        raise InvalidInput(
            "The event type is not in the registry.", field_errors={"type": str(exc)}
        ) from None
    if principal.is_service:
        producer = str(principal.service)
        organisation_id = data.organisation_id
        actor_id = None
    else:
        if family != INTEGRATION_FAMILY:
            raise PermissionDenied(
                f"Users may publish {INTEGRATION_FAMILY}.* events only; "
                f"{family}.* events come from the services."
            )
        organisation = principal.require_organisation()
        if data.organisation_id not in (None, organisation):
            raise PermissionDenied("Events may be published for the active organisation only.")
        producer, organisation_id, actor_id = INTEGRATION_FAMILY, organisation, principal.user_id
    event = DomainEvent(
        id=data.id or uuid.uuid4(),
        type=data.type,
        version=data.version,
        occurred_at=data.occurred_at or dt.datetime.now(dt.UTC),
        producer=producer,
        organisation_id=organisation_id,
        actor_id=actor_id,
        payload=data.payload,
    )
    await event_intake.accept(event)
    return PublishedEvent(
        id=event.id,
        type=event.type,
        version=event.version,
        producer=event.producer,
        occurred_at=event.occurred_at,
        organisation_id=event.organisation_id,
    )


EVENT_ROUTES = [publish_event]
"""repti-core's event routes."""
