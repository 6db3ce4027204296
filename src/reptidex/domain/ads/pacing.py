"""Pacing: how much of a day's budget a campaign may have spent by a moment of that day.

The budget is spread evenly over the UTC day, with a small burst allowance so that a campaign
does not stall for want of a fraction of an impression::

    allowed(t) = min(daily, daily * elapsed(t) / 86400 + burst),  burst = max(daily / 20, cost)

All in millis (thousandths of a minor unit), integers.

>>> noon = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)
>>> allowed_by(1_000_000, 250, noon)   # half the day gone: half the budget and 5 %
550000
>>> allowed_by(1_000_000, 250, noon.replace(hour=23, minute=59))
1000000
"""

from __future__ import annotations

import datetime as dt

DAY_SECONDS = 86_400
BURST_DIVISOR = 20
"""The burst allowance is a twentieth (5 %) of the daily budget."""


def allowed_by(daily: int, cost: int, now: dt.datetime) -> int:
    """The millis of a ``daily`` budget (millis) a campaign whose impressions cost ``cost``
    may have spent on ``now``'s UTC day by ``now``."""
    utc = now.astimezone(dt.UTC)
    elapsed = utc.hour * 3600 + utc.minute * 60 + utc.second
    burst = max(daily // BURST_DIVISOR, cost)
    return min(daily, daily * elapsed // DAY_SECONDS + burst)
