"""Webhooks on repti-ops' database without the app: subscriptions made and events fanned out
as the use cases and the consumer do, and a worker on a clock the test moves."""

from __future__ import annotations

import datetime as dt
import ipaddress
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.keys.local import LocalKeyManagement
from reptidex.adapters.sql.ops.webhook_models import DeliveryRow
from reptidex.adapters.sql.ops.webhook_worker import WebhookWorker
from reptidex.adapters.sql.ops.webhooks import (
    SqlWebhookStore,
    SqlWebhookUnitOfWork,
    bind_worker,
    delivery_of,
)
from reptidex.adapters.sql.outbox import OUTBOX_MODELS
from reptidex.adapters.webhooks.http_sender import HttpWebhookSender
from reptidex.domain.events import DomainEvent
from reptidex.domain.integrations.delivery import fan_out
from reptidex.domain.integrations.destinations import Address, AddressResolver
from reptidex.domain.integrations.keys import KeyManagement
from reptidex.domain.integrations.model import Delivery, DeliveryPolicy, Webhook
from reptidex.domain.integrations.subscriptions import Destinations, Manager, subscribe

KEY = bytes(range(32))


class Names:
    """A resolver answering from a table (a name it lacks does not resolve)."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    async def resolve(self, host: str, port: int) -> Sequence[Address]:
        return [ipaddress.ip_address(self.table[host])] if host in self.table else []


@dataclass
class Clock:
    """A clock the test moves."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move on by ``seconds``."""
        self.now += dt.timedelta(seconds=seconds)


@dataclass
class Hooks:
    """Webhooks on one database, with the local key and a clock."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock = field(default_factory=Clock)
    keys: KeyManagement = field(default_factory=lambda: LocalKeyManagement(KEY))

    async def subscribe(
        self,
        organisation_id: uuid.UUID,
        url: str,
        kinds: list[str],
        resolver: AddressResolver,
    ) -> tuple[Webhook, str]:
        """Subscribe as an admin of ``organisation_id`` (local destinations allowed)."""
        manager = Manager(organisation_id, uuid.uuid4(), may_manage=True)
        async with SqlWebhookUnitOfWork(self.sessions, organisation_id) as uow:
            return await subscribe(
                uow, self.keys, Destinations(resolver, True), manager, url, kinds, "", self.clock()
            )

    async def publish(self, event: DomainEvent) -> list[Delivery]:
        """Fan ``event`` out as the consumer does, in one transaction."""
        async with self.sessions() as session, session.begin():
            return await fan_out(SqlWebhookStore(session), event, self.clock())

    def worker(
        self,
        resolver: AddressResolver,
        *,
        policy: DeliveryPolicy | None = None,
        allow_local: bool = True,
        timeout: float = 5.0,
        keys: KeyManagement | None = None,
    ) -> WebhookWorker:
        """A worker on this database and clock, sending with the real HTTP sender."""
        sender = HttpWebhookSender(resolver, allow_local=allow_local, timeout=timeout)
        return WebhookWorker(
            self.sessions, keys or self.keys, sender, policy=policy, clock=self.clock
        )

    async def deliveries(self) -> list[Delivery]:
        """Every delivery, oldest first (as the worker sees them)."""
        async with self.sessions() as session, session.begin():
            await bind_worker(session)
            rows = await session.scalars(
                select(DeliveryRow).order_by(DeliveryRow.created_at, DeliveryRow.id)
            )
            return [delivery_of(row) for row in rows]

    async def published(self, event_type: str) -> list[dict[str, object]]:
        """The payloads of the events of ``event_type`` in repti-ops' outbox."""
        model = OUTBOX_MODELS["ops"]
        async with self.sessions() as session:
            rows = await session.scalars(
                select(model).where(model.event_type == event_type)  # type: ignore[attr-defined]
            )
            return [row.payload for row in rows]  # type: ignore[attr-defined]
