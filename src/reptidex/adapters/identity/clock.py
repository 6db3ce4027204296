"""The system clock."""

from __future__ import annotations

import datetime as dt


class SystemClock:
    """A :class:`~reptidex.domain.identity.ports.Clock` reading the system's UTC time."""

    def now(self) -> dt.datetime:
        """Now, timezone-aware UTC."""
        return dt.datetime.now(dt.UTC)
