"""Payloads of the events search stages in repti-community's outbox (version 1)."""

from __future__ import annotations

import datetime as dt

import msgspec

PRODUCER = "community"
REINDEXED = "search.reindexed"


class SearchReindexed(msgspec.Struct, frozen=True):
    """``search.reindexed``: the index was rebuilt from the owning services: how many
    documents of each kind were read, how many were taken out (gone from their service), and
    when the rebuild started and ended."""

    documents: dict[str, int]
    removed: int
    started_at: dt.datetime
    finished_at: dt.datetime
