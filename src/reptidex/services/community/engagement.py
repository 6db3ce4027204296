"""``GET /community/analytics``: platform-wide engagement for platform administrators;
``GET /community/analytics/organisation``: the caller's organisation's, for its admins and
owners. Both cover a bounded range of UTC days."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from reptidex.domain.community.analytics import use_cases
from reptidex.domain.community.analytics.reports import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MAX_TOP,
    MIN_SHOWN_SEARCHES,
    DayRange,
)
from reptidex.services.community.access import SECURITY
from reptidex.services.community.engagement_access import ORGANISATION, PLATFORM, Engagement
from reptidex.services.community.engagement_schemas import (
    OrganisationAnalyticsView,
    PlatformAnalyticsView,
    organisation_view,
    platform_view,
)
from reptidex.services.kernel.auth import CurrentPrincipal
from reptidex.services.kernel.plausible_dates import PlausibleDate

SINCE = f"First UTC day (default: the {DEFAULT_DAYS} days up to `until`)"
Since = Annotated[PlausibleDate | None, QueryParameter(description=SINCE)]
Until = Annotated[
    PlausibleDate | None, QueryParameter(description="Last UTC day, included (default: today)")
]
Top = Annotated[
    int, QueryParameter(ge=1, le=MAX_TOP, description="Queries listed per list, most first")
]
RANGE = f"from `since` to `until` (UTC days, both included, at most {MAX_DAYS})"


class EngagementController(Controller):
    """Engagement analytics: searches, notification open rates and forum activity."""

    path = "/community/analytics"
    tags = ("analytics",)
    security = SECURITY

    @get(
        "/",
        guards=PLATFORM,
        summary="Platform-wide engagement",
        description=f"For platform administrators (and repti-ops), {RANGE}: searches per day "
        "(first pages: all, without results, not kept), the most popular queries and those "
        "most often without results (normalised words, no user), notification open rates per "
        "kind (notifications created in the range, those read), and forum threads, posts, "
        "replies and writing members per day.",
    )
    async def platform(
        self, engagement: Engagement, since: Since = None, until: Until = None, top: Top = 20
    ) -> PlatformAnalyticsView:
        """The platform's report."""
        days = DayRange.of(since, until, engagement.today())
        return platform_view(await use_cases.platform_report(engagement.store, days, top))

    @get(
        "/organisation",
        guards=ORGANISATION,
        summary="The organisation's engagement",
        description=f"For the admins and owners of the caller's organisation, {RANGE}: the "
        "searches per day whose first page showed its public animals, listings or profile, "
        f"the queries that showed them most (each searched at least {MIN_SHOWN_SEARCHES} "
        "times in the range), and the open rates per kind of its members' notifications.",
    )
    async def organisation(
        self,
        engagement: Engagement,
        principal: CurrentPrincipal,
        since: Since = None,
        until: Until = None,
        top: Top = 20,
    ) -> OrganisationAnalyticsView:
        """The caller's organisation's report."""
        days = DayRange.of(since, until, engagement.today())
        report = await use_cases.organisation_report(
            engagement.store, principal.require_organisation(), days, top
        )
        return organisation_view(report)
