"""Who may read the engagement analytics, and what the analytics controllers are given.

Platform administrators (and repti-ops' dashboard, with a service token) read the
platform-wide report; an organisation's admins and owners read their organisation's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from reptidex.domain.community.analytics.ports import EngagementStore
from reptidex.domain.community.analytics.tally import SearchTally
from reptidex.domain.community.search.use_cases import SearchResults
from reptidex.domain.identity.model import Role
from reptidex.services.community.engagement_metrics import EngagementMetrics
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import requires_platform_admin, requires_role

PLATFORM = [requires_platform_admin("ops")]
"""Guards of the platform-wide report."""
ORGANISATION = [requires_role(Role.ADMIN)]
"""Guards of an organisation's report (admin or owner)."""


@dataclass(frozen=True, slots=True)
class EngagementDesk:
    """What the analytics need: the store, this process's tally of searches, its figures on
    ``/metrics`` and the clock."""

    store: EngagementStore
    tally: SearchTally
    metrics: EngagementMetrics
    clock: Callable[[], dt.datetime]

    def today(self) -> dt.date:
        """Today (UTC)."""
        return self.clock().astimezone(dt.UTC).date()

    def searched(self, results: SearchResults, text: str) -> None:
        """Count a search's first page: its normalised query, whether it found anything, and
        the organisations whose public things the page showed."""
        if results.offset:
            return
        shown = {h.organisation_id for h in results.hits if h.organisation_id is not None}
        kept = self.tally.record(self.today(), text, results.total, shown)
        self.metrics.searched(results.total, kept=kept)


Engagement: TypeAlias = Injected[EngagementDesk]
"""A handler parameter ``engagement``: the analytics desk."""
