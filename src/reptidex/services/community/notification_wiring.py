"""repti-community's notifications, chosen in one place (the composition root calls
:func:`build_notifications`): the units of work on the kernel's sessions, the channels the
settings give (email through SMTP or the local mail folder), the delivery worker, the live
feed, and the event consumers that keep recipients' addresses."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import quote

from litestar import Litestar
from litestar.di import Provide
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.identity.mail import MailOutboxNotifier, SmtpNotifier
from reptidex.adapters.notifications.email import EmailChannel
from reptidex.adapters.notifications.twilio_sms import TwilioSms
from reptidex.adapters.notifications.web_push import VapidKey, WebPushChannel
from reptidex.adapters.sql.community.notification_feed import SqlLiveFeed
from reptidex.adapters.sql.community.notification_figures import read_figures
from reptidex.adapters.sql.community.notification_personal_data import (
    SqlNotificationPersonalData,
)
from reptidex.adapters.sql.community.notification_worker import DeliveryWorker
from reptidex.adapters.sql.community.notifications import (
    DELIVERY_QUEUE,
    SqlNotificationStore,
    SqlNotificationUnitOfWork,
    SqlPushSubscriptions,
    bind_system,
)
from reptidex.adapters.sql.community.reminders import SqlReminders
from reptidex.adapters.sql.idempotent_consumer import TransactionalHandler
from reptidex.adapters.sql.outbox_store import on_outbox_commit
from reptidex.domain.events import DomainEvent
from reptidex.domain.identity.ports import Notifier
from reptidex.domain.notifications.audience import MEMBERSHIP_EVENTS, fire, follow_membership
from reptidex.domain.notifications.model import (
    Channel,
    Delivery,
    DeliveryPolicy,
    PushSubscription,
)
from reptidex.domain.notifications.ports import ChannelSender, OutgoingMessage
from reptidex.domain.notifications.push import PUSH_SERVICES
from reptidex.domain.notifications.reminders import schedule_hatch
from reptidex.domain.notifications.settings import remember_email
from reptidex.domain.notifications.triggers import (
    Trigger,
    inquiry_trigger,
    order_trigger,
    price_drop_trigger,
    reply_trigger,
)
from reptidex.domain.notifications.unsubscribe import Unsubscription, sign
from reptidex.domain.privacy.ports import PersonalDataHolder
from reptidex.services.community.notification_access import NotificationDesk
from reptidex.services.community.notification_metrics import NotificationMetrics
from reptidex.services.kernel.app import Kernel, provide_value
from reptidex.services.kernel.auth import service_secret
from reptidex.services.kernel.settings import Settings

MAIL_OUTBOX_FOLDER = "mail-outbox"
"""Where the embedded platform's mail goes without SMTP (core's folder: one place to look)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def unsubscribe_key(settings: Settings) -> bytes:
    """The key that signs unsubscribe links: derived from community's service secret, which
    every replica shares (``REPTIDEX_COMMUNITY_SERVICE_SECRET``)."""
    secret = service_secret(settings, "community") or ""
    return hmac.new(secret.encode(), b"notification-unsubscribe", hashlib.sha256).digest()


def mail_notifier(settings: Settings) -> Notifier:
    """SMTP when ``REPTIDEX_SMTP_URL`` is set, else the local mail outbox folder (the same
    adapters and settings as repti-core's mail)."""
    if settings.smtp_url:
        return SmtpNotifier(settings.smtp_url, settings.mail_from, timeout=settings.http_timeout)
    return MailOutboxNotifier(settings.data_dir / MAIL_OUTBOX_FOLDER, settings.mail_from)


def vapid_key(settings: Settings) -> VapidKey:
    """The web push key pair, derived from community's service secret (every replica's the
    same), with the platform's sender address as its contact."""
    secret = (service_secret(settings, "community") or "").encode()
    address = parseaddr(settings.mail_from)[1] or "no-reply@reptidex.invalid"
    return VapidKey.derived(secret, f"mailto:{address}")


def web_push(
    sessions: async_sessionmaker[AsyncSession], vapid: VapidKey, timeout: float
) -> WebPushChannel:
    """The web push channel, reading and forgetting subscriptions as the platform."""

    async def subscriptions_of(message: OutgoingMessage) -> list[PushSubscription]:
        async with sessions() as session, session.begin():
            await bind_system(session)
            return await SqlPushSubscriptions(session).of(message.recipient.user_id)

    async def forget(subscription: PushSubscription) -> None:
        async with sessions() as session, session.begin():
            await bind_system(session)
            await SqlPushSubscriptions(session).remove(subscription.user_id, subscription.id)

    return WebPushChannel(vapid, subscriptions_of, forget, timeout=timeout)


def channel_senders(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], vapid: VapidKey
) -> dict[Channel, ChannelSender]:
    """The channels the settings give: email always (SMTP or the mail folder), web push
    always, SMS through Twilio when its account, token and number are set."""
    senders: dict[Channel, ChannelSender] = {
        Channel.EMAIL: EmailChannel(mail_notifier(settings)),
        Channel.PUSH: web_push(sessions, vapid, settings.http_timeout),
    }
    if settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from_number:
        senders[Channel.SMS] = TwilioSms(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_from_number,
            api_base=settings.twilio_api_base,
            timeout=settings.http_timeout,
        )
    return senders


@dataclass(frozen=True, slots=True)
class NotificationComponents:
    """What the notifications' composition root builds."""

    desk: NotificationDesk
    worker: DeliveryWorker
    feed: SqlLiveFeed
    metrics: NotificationMetrics
    personal_data: PersonalDataHolder

    def dependencies(self) -> Mapping[str, Provide]:
        """The controllers' dependency: ``notifications``."""
        return {"notifications": provide_value(self.desk)}

    def lifespans(self) -> Sequence[Callable[[Litestar], AbstractAsyncContextManager[None]]]:
        """The delivery worker, the live feed's end and the figures' refresh."""
        return [self.run_deliveries, self.run_metrics]

    def collectors(self) -> list[Collector]:
        """The notification figures on ``/metrics``."""
        return [self.metrics]

    @asynccontextmanager
    async def run_metrics(self, app: Litestar) -> AsyncIterator[None]:
        """Refresh the notification figures while the app runs."""
        stop = asyncio.Event()
        task = asyncio.create_task(self.metrics.run(stop), name="reptidex-notification-figures")
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(task, return_exceptions=True)

    @asynccontextmanager
    async def run_deliveries(self, app: Litestar) -> AsyncIterator[None]:
        """Send deliveries while the app runs, woken by every commit of new ones; end the
        live streams when it stops."""
        worker = self.worker
        unwake = on_outbox_commit(DELIVERY_QUEUE, worker.wake)
        task = asyncio.create_task(worker.run(), name="reptidex-community-notifications")
        try:
            yield
        finally:
            self.feed.close()
            unwake()
            worker.stop()
            await asyncio.gather(task, return_exceptions=True)
            for sender in worker.senders.values():
                if isinstance(sender, TwilioSms | WebPushChannel):
                    await sender.aclose()


def _triggered(
    channels: frozenset[Channel],
    clock: Callable[[], dt.datetime],
    trigger_of: Callable[[DomainEvent], Trigger | None],
) -> TransactionalHandler:
    async def handle(event: DomainEvent, session: AsyncSession) -> None:
        trigger = trigger_of(event)
        if trigger is not None:
            await bind_system(session)
            await fire(SqlNotificationStore(session), trigger, channels, clock())

    return handle


def _hatch_reminders(clock: Callable[[], dt.datetime]) -> TransactionalHandler:
    async def handle(event: DomainEvent, session: AsyncSession) -> None:
        await bind_system(session)
        reminders = SqlReminders(session)
        if event.type == "breeding.hatched":
            await reminders.cancel(str(event.payload["clutch_id"]), "clutch.due")
        elif event.organisation_id is not None:
            await schedule_hatch(reminders, event.id, event.organisation_id, event.payload, clock())

    return handle


async def keep_membership(event: DomainEvent, session: AsyncSession) -> None:
    """repti-core's membership events: who an organisation's notifications reach."""
    await bind_system(session)
    await follow_membership(SqlNotificationStore(session), event.type, event.payload)


def subscribe_triggers(
    kernel: Kernel, channels: frozenset[Channel], clock: Callable[[], dt.datetime]
) -> None:
    """Subscribe the consumers that notify on the platform's events (``triggers``) and keep
    the memberships and verified emails they need; each idempotent."""
    events = kernel.events
    events.subscribe(
        "user.email_verified", events.idempotent(keep_verified_email, purpose="recipients")
    )
    members = events.idempotent(keep_membership, purpose="members")
    for kind in MEMBERSHIP_EVENTS:
        events.subscribe(kind, members)
    handlers: dict[str, Callable[[DomainEvent], Trigger | None]] = {
        "order.paid": lambda e: order_trigger(e.type, e.id, e.payload),
        "order.handed_over": lambda e: order_trigger(e.type, e.id, e.payload),
        "listing.inquiry_received": lambda e: inquiry_trigger(e.type, e.id, e.payload),
        "listing.inquiry_answered": lambda e: inquiry_trigger(e.type, e.id, e.payload),
        "listing.updated": lambda e: price_drop_trigger(e.id, e.payload),
        "community.post_created": lambda e: reply_trigger(e.id, e.payload),
    }
    hatching = events.idempotent(_hatch_reminders(clock), purpose="hatch-reminders")
    events.subscribe("breeding.clutch_recorded", hatching)
    events.subscribe("breeding.hatched", hatching)
    for kind, trigger_of in handlers.items():
        handler = _triggered(channels, clock, trigger_of)
        events.subscribe(kind, events.idempotent(handler, purpose=f"notify:{kind}"))


async def keep_verified_email(event: DomainEvent, session: AsyncSession) -> None:
    """``user.email_verified``: the address notifications are mailed to."""
    await bind_system(session)
    payload = event.payload
    await remember_email(
        SqlNotificationStore(session),
        uuid.UUID(str(payload["user_id"])),
        str(payload["email"]),
        event.actor_id,
    )


def build_notifications(
    kernel: Kernel,
    *,
    senders: Mapping[Channel, ChannelSender] | None = None,
    policy: DeliveryPolicy | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    public_url: str | None = None,
    stream_lifetime: float = 600.0,
    push_services: Sequence[str] = PUSH_SERVICES,
    metrics_interval: float = 30.0,
) -> NotificationComponents:
    """Notifications on ``kernel``, and their event subscriptions (idempotent).

    ``senders`` replace the channels' senders (default: :func:`channel_senders`),
    ``policy`` the retries, ``clock`` the time, ``public_url`` the address unsubscribe links
    point at (default: community's URL); a live stream ends after ``stream_lifetime``
    seconds; ``push_services`` are the origins push subscriptions may name; the figures on
    ``/metrics`` are read every ``metrics_interval`` seconds."""
    settings, sessions = kernel.settings, kernel.sessions
    vapid = vapid_key(settings)
    chosen = dict(senders) if senders is not None else channel_senders(settings, sessions, vapid)
    key = unsubscribe_key(settings)
    base = (public_url or settings.peer_url("community")).rstrip("/")

    def unsubscribe_link(delivery: Delivery, kind: str) -> str | None:
        if delivery.channel is not Channel.EMAIL:
            return None
        token = sign(key, Unsubscription(delivery.user_id, kind, delivery.channel))
        return f"{base}/notifications/unsubscribe?token={quote(token)}"

    clock = clock or _now
    subscribe_triggers(kernel, frozenset(chosen), clock)
    worker = DeliveryWorker(
        sessions, chosen, unsubscribe_links=unsubscribe_link, policy=policy, clock=clock
    )
    feed = SqlLiveFeed(sessions, lifetime=stream_lifetime)
    desk = NotificationDesk(
        lambda user_id: SqlNotificationUnitOfWork(sessions, user_id),
        frozenset(chosen),
        feed,
        key,
        clock,
        tuple(push_services),
        vapid.public_key,
    )
    metrics = NotificationMetrics(
        lambda: read_figures(sessions),
        lambda: (worker.sent, worker.failed),
        kernel.spec.name,
        interval=metrics_interval,
    )
    return NotificationComponents(
        desk, worker, feed, metrics, SqlNotificationPersonalData(sessions)
    )
