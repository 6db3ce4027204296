"""The repti-community app: the composition root of search across the platform (``/search``),
notifications on every channel (``/notifications``, ``/community/saved-listings``), the forums
(``/community/forums``), advertising (``/ads``) and the forums' answer to repti-ops' GDPR requests
(``/internal/personal-data``); see ``docs/community.md``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from litestar import Litestar
from opentelemetry.sdk.trace.export import SpanExporter

from reptidex.domain.ads.ports import ListingOwners
from reptidex.domain.community.search.ports import SearchIndex
from reptidex.domain.forums.posting import ForumRules
from reptidex.domain.notifications.model import Channel, DeliveryPolicy
from reptidex.domain.notifications.ports import ChannelSender
from reptidex.domain.notifications.push import PUSH_SERVICES
from reptidex.domain.rate_limits import RateLimiter
from reptidex.services.community.ads import AD_CONTROLLERS
from reptidex.services.community.engagement import EngagementController
from reptidex.services.community.forum_moderation import ForumModerationController
from reptidex.services.community.forums import ForumController
from reptidex.services.community.notifications import NotificationController
from reptidex.services.community.push_subscriptions import PushSubscriptionController
from reptidex.services.community.saved_listings import SavedListingController
from reptidex.services.community.search import SearchController
from reptidex.services.community.wiring import build_community
from reptidex.services.kernel.app import build_kernel, create_service_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.personal_data import PERSONAL_DATA_ROUTES
from reptidex.services.kernel.settings import Settings, load_settings

DESCRIPTION = (
    "The community: one search across public animals, marketplace listings, breeders and "
    "knowledge articles; notifications in the app (with a live stream), by email, SMS and web "
    "push, with preferences, quiet hours and one-click unsubscribe; saved listings; forums "
    "with categories, threads and posts in Markdown (kept as sanitised HTML), mentions, "
    "reactions, following and moderation; advertising campaigns that boost listings and "
    "breeder profiles, paid with ad credits; engagement analytics (searches, notification open "
    "rates, forum activity) for platform administrators and for each organisation. Searching and reading public forums need no token; "
    "the rest takes a user's bearer token from repti-core; moderating, a platform "
    "administrator's. Errors are RFC 9457 problem+json."
)

CONTROLLERS = [
    SearchController,
    EngagementController,
    NotificationController,
    PushSubscriptionController,
    SavedListingController,
    ForumController,
    ForumModerationController,
    *AD_CONTROLLERS,
    *PERSONAL_DATA_ROUTES,
]


def create_app(
    settings: Settings | None = None,
    *,
    authenticator: Authenticator | None = None,
    search_index: SearchIndex | None = None,
    forum_rules: ForumRules | None = None,
    rate_limiter: RateLimiter | None = None,
    notification_senders: Mapping[Channel, ChannelSender] | None = None,
    notification_policy: DeliveryPolicy | None = None,
    notification_clock: Callable[[], dt.datetime] | None = None,
    stream_lifetime: float = 600.0,
    push_services: Sequence[str] = PUSH_SERVICES,
    metrics_interval: float = 30.0,
    ad_listings: ListingOwners | None = None,
    ad_clock: Callable[[], dt.datetime] | None = None,
    ad_serve_per_minute: int | None = None,
    ad_record_per_minute: int | None = None,
    engagement_clock: Callable[[], dt.datetime] | None = None,
    engagement_interval: float = 10.0,
    span_exporter: SpanExporter | None = None,
) -> Litestar:
    """Build repti-community from settings (default: the environment).

    ``authenticator`` verifies tokens (default: against repti-core's JWKS); ``search_index``
    replaces the search index; ``forum_rules`` the forums' posting limits and
    ``rate_limiter`` the kernel's counters (tests); ``notification_senders`` replace the
    notification channels' senders, ``notification_policy`` their retries and
    ``notification_clock`` their time; ``stream_lifetime`` is how many seconds a live stream
    lasts before the client reconnects; ``push_services`` are the origins web push
    subscriptions may name (default: the browsers'); ``metrics_interval`` how often the
    notification figures are read; ``ad_listings`` replaces repti-commerce's listings for
    advertising, ``ad_clock`` its time, and the two ``ad_*_per_minute`` limits its public
    endpoints' requests per address and minute; ``engagement_clock`` is the analytics' time
    and ``engagement_interval`` how often their searches are written.
    ``span_exporter`` turns tracing on with spans going there (tests); otherwise
    ``REPTIDEX_OTLP_ENDPOINT`` decides.
    """
    kernel = build_kernel(
        service_spec("community"), settings or load_settings(), span_exporter=span_exporter
    )
    community = build_community(
        kernel,
        search_index=search_index,
        forum_rules=forum_rules,
        rate_limiter=rate_limiter,
        notification_senders=notification_senders,
        notification_policy=notification_policy,
        notification_clock=notification_clock,
        stream_lifetime=stream_lifetime,
        push_services=push_services,
        metrics_interval=metrics_interval,
        ad_listings=ad_listings,
        ad_clock=ad_clock,
        ad_serve_per_minute=ad_serve_per_minute,
        ad_record_per_minute=ad_record_per_minute,
        engagement_clock=engagement_clock,
        engagement_interval=engagement_interval,
    )
    return create_service_app(
        kernel,
        CONTROLLERS,
        components=community,
        description=DESCRIPTION,
        dependencies=community.dependencies(),
        lifespan=community.lifespans(),
        authenticator=authenticator,
        collectors=community.collectors(),
    )
