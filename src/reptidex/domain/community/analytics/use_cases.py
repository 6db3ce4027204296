"""Reading the reports and keeping the figures."""

from __future__ import annotations

import datetime as dt
import uuid

from reptidex.domain.community.analytics.ports import EngagementStore
from reptidex.domain.community.analytics.reports import (
    MIN_SHOWN_SEARCHES,
    RETENTION_DAYS,
    DayRange,
    OrganisationReport,
    PlatformReport,
    check_top,
)
from reptidex.domain.community.analytics.tally import SearchTally

MAX_QUERIES_PER_DAY = 10_000
"""Distinct queries a day keeps in the store."""


async def platform_report(store: EngagementStore, days: DayRange, top: int) -> PlatformReport:
    """Platform-wide engagement over ``days``, the ``top`` queries of each list."""
    check_top(top)
    return PlatformReport(
        range=days,
        searches=await store.search_days(days),
        popular=await store.top_queries(days, top, without_results=False),
        without_results=await store.top_queries(days, top, without_results=True),
        open_rates=await store.open_rates(days),
        forums=await store.forum_activity(days),
    )


async def organisation_report(
    store: EngagementStore, organisation_id: uuid.UUID, days: DayRange, top: int
) -> OrganisationReport:
    """``organisation_id``'s engagement over ``days``."""
    check_top(top)
    return OrganisationReport(
        organisation_id=organisation_id,
        range=days,
        shown=await store.showing_days(organisation_id, days),
        queries=await store.showing_queries(organisation_id, days, top, MIN_SHOWN_SEARCHES),
        open_rates=await store.open_rates(days, organisation_id),
    )


async def keep_searches(store: EngagementStore, tally: SearchTally, today: dt.date) -> int:
    """Write what ``tally`` counted (draining it; a failed write gives the counts back to
    ``tally`` for the next) and forget days older than the retention; how many searches were
    written."""
    counted = tally.drain()
    if counted:
        try:
            await store.add(counted, max_queries_per_day=MAX_QUERIES_PER_DAY)
        except Exception:
            tally.absorb(counted)
            raise
    await store.forget_before(today - dt.timedelta(days=RETENTION_DAYS))
    return sum(d.searches for d in counted.days.values())
