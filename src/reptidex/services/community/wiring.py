"""repti-community's adapters, chosen in one place (the composition root,
:func:`~reptidex.services.community.app.create_app`, calls :func:`build_community`).

The service is made of areas (search, notifications, forums, advertising, engagement
analytics), each built by its own ``build_<area>(kernel, ...)`` in ``<area>_wiring.py``: an area is
anything with ``dependencies()`` (Litestar ``Provide``s by name) and ``lifespans()``.
:class:`CommunityComponents` hands the app all of them, and refuses two areas providing one
name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from litestar import Litestar
from litestar.di import Provide
from prometheus_client.registry import Collector

from reptidex.domain.ads.ports import ListingOwners
from reptidex.domain.community.search.ports import SearchIndex
from reptidex.domain.forums.posting import ForumRules
from reptidex.domain.notifications.model import Channel, DeliveryPolicy
from reptidex.domain.notifications.ports import ChannelSender
from reptidex.domain.notifications.push import PUSH_SERVICES
from reptidex.domain.privacy.areas import AreasPersonalData
from reptidex.domain.rate_limits import RateLimiter
from reptidex.services.community.access import provide_actor
from reptidex.services.community.ad_wiring import AdComponents, build_ads
from reptidex.services.community.engagement_wiring import (
    EngagementComponents,
    build_engagement,
)
from reptidex.services.community.forum_wiring import ForumComponents, build_forums
from reptidex.services.community.notification_wiring import (
    NotificationComponents,
    build_notifications,
)
from reptidex.services.community.search_wiring import SearchComponents, build_search
from reptidex.services.kernel.app import Kernel, provide_value

Lifespan = Callable[[Litestar], AbstractAsyncContextManager[None]]


class Area(Protocol):
    """A part of repti-community as its wiring builds it."""

    def dependencies(self) -> Mapping[str, Provide]:
        """The controllers' dependencies it provides, by name."""
        ...

    def lifespans(self) -> Sequence[Lifespan]:
        """What runs while the app does (workers, start-up work)."""
        ...


@dataclass(frozen=True, slots=True)
class CommunityComponents:
    """What repti-community's composition root builds: each area, by name."""

    search: SearchComponents
    notifications: NotificationComponents
    forums: ForumComponents
    ads: AdComponents
    engagement: EngagementComponents

    def areas(self) -> tuple[Area, ...]:
        """Every area."""
        return (self.search, self.notifications, self.forums, self.ads, self.engagement)

    def dependencies(self) -> Mapping[str, Provide]:
        """``actor`` (the caller), ``personal_data`` (the answer to repti-ops' GDPR requests:
        :meth:`personal_data`) and every area's dependencies."""
        provided: dict[str, Provide] = {
            "actor": Provide(provide_actor),
            "personal_data": provide_value(self.personal_data()),
        }
        for area in self.areas():
            for name, dependency in area.dependencies().items():
                if name in provided:
                    raise ValueError(f"two areas of repti-community provide {name!r}")
                provided[name] = dependency
        return provided

    def personal_data(self) -> AreasPersonalData:
        """The one holder of the service's personal data: the forums', the notifications'
        and advertising's, by area (the search index and the engagement figures hold none:
        public documents, and words and counts without users)."""
        return AreasPersonalData(
            {
                "forums": self.forums.personal_data,
                "notifications": self.notifications.personal_data,
                "advertising": self.ads.personal_data,
            }
        )

    def lifespans(self) -> list[Lifespan]:
        """Every area's lifespans, in the order of :meth:`areas`."""
        return [lifespan for area in self.areas() for lifespan in area.lifespans()]

    def collectors(self) -> list[Collector]:
        """The metrics the areas add to ``/metrics``."""
        return [
            *self.search.collectors(),
            *self.notifications.collectors(),
            *self.ads.collectors(),
            *self.engagement.collectors(),
        ]


def build_community(
    kernel: Kernel,
    *,
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
) -> CommunityComponents:
    """repti-community's areas on ``kernel`` (a keyword argument replaces what the settings
    choose: see :func:`~reptidex.services.community.app.create_app`)."""
    limits = {
        name: value
        for name, value in (
            ("serve_per_minute", ad_serve_per_minute),
            ("record_per_minute", ad_record_per_minute),
        )
        if value is not None
    }
    ads = build_ads(kernel, listings=ad_listings, clock=ad_clock, **limits)
    return CommunityComponents(
        search=build_search(kernel, index=search_index, sponsors=ads.search_sponsors),
        notifications=build_notifications(
            kernel,
            senders=notification_senders,
            policy=notification_policy,
            clock=notification_clock,
            stream_lifetime=stream_lifetime,
            push_services=push_services,
            metrics_interval=metrics_interval,
        ),
        forums=build_forums(kernel, rules=forum_rules, rate_limiter=rate_limiter),
        ads=ads,
        engagement=build_engagement(kernel, clock=engagement_clock, interval=engagement_interval),
    )
