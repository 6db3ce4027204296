"""The repti-community app: notifications on every channel (``docs/community-notifications.md``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from litestar import Litestar

from reptidex.domain.notifications.model import Channel, DeliveryPolicy
from reptidex.domain.notifications.ports import ChannelSender
from reptidex.domain.notifications.push import PUSH_SERVICES
from reptidex.services.community.notification_wiring import build_notifications
from reptidex.services.community.notifications import NotificationController
from reptidex.services.community.push_subscriptions import PushSubscriptionController
from reptidex.services.community.saved_listings import SavedListingController
from reptidex.services.kernel.app import build_kernel, create_service_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.settings import Settings, load_settings

CONTROLLERS = [NotificationController, PushSubscriptionController, SavedListingController]


def create_app(
    settings: Settings | None = None,
    *,
    authenticator: Authenticator | None = None,
    notification_senders: Mapping[Channel, ChannelSender] | None = None,
    notification_policy: DeliveryPolicy | None = None,
    notification_clock: Callable[[], dt.datetime] | None = None,
    stream_lifetime: float = 600.0,
    push_services: Sequence[str] = PUSH_SERVICES,
    metrics_interval: float = 30.0,
) -> Litestar:
    """Build repti-community from settings (default: the environment).

    ``authenticator`` verifies tokens (default: against repti-core's JWKS);
    ``notification_senders`` replace the notification channels' senders,
    ``notification_policy`` their retries and ``notification_clock`` their time;
    ``stream_lifetime`` is how many seconds a live stream lasts before the client reconnects;
    ``push_services`` are the origins web push subscriptions may name (default: the
    browsers'); ``metrics_interval`` how often the notification figures are read.
    """
    kernel = build_kernel(service_spec("community"), settings or load_settings())
    notifications = build_notifications(
        kernel,
        senders=notification_senders,
        policy=notification_policy,
        clock=notification_clock,
        stream_lifetime=stream_lifetime,
        push_services=push_services,
        metrics_interval=metrics_interval,
    )
    return create_service_app(
        kernel,
        CONTROLLERS,
        components=notifications,
        dependencies=notifications.dependencies(),
        lifespan=notifications.lifespans(),
        authenticator=authenticator,
        collectors=notifications.collectors(),
    )
