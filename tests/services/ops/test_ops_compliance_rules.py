"""The personal-data report's rules without a database: the period, the candidates it asks the
trail for, which records count, the per-actor and per-resource tally and its order, a subject
user and the page of records."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from reptidex.domain.audit import AuditRecord
from reptidex.domain.audit.chain import ChainedRecord
from reptidex.domain.audit.compliance import (
    PERSONAL_KINDS,
    ActorActivity,
    PersonalDataReport,
    ReportQuery,
    ResourceActivity,
    concerns,
    personal_data_report,
)
from reptidex.domain.audit.ports import AuditQuery
from reptidex.domain.audit.reading import AuditReader
from reptidex.domain.errors import InvalidInput

SINCE = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
UNTIL = SINCE + dt.timedelta(days=1)
ORG = uuid.UUID(int=100)
ANN, BOB, CAROL = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)
ADMIN = AuditReader(user_id=uuid.UUID(int=9), platform_admin=True)
OWNER = AuditReader(user_id=ANN, organisation_id=ORG, owner=True)


def at(hours: int) -> dt.datetime:
    return SINCE + dt.timedelta(hours=hours)


def entry(
    actor: uuid.UUID | None,
    kind: str,
    resource_id: str,
    hours: int,
    *,
    service: str = "core",
    action: str = "updated",
    after: dict[str, Any] | None = None,
) -> ChainedRecord:
    record = AuditRecord(
        id=uuid.uuid4(),
        occurred_at=at(hours),
        service=service,
        actor_id=actor,
        resource_kind=kind,
        resource_id=resource_id,
        action=action,
        after=after or {"display_name": "x"},
    )
    return ChainedRecord(seq=hours, record=record, previous_hash="p", hash=f"h{hours}")


class Trail:
    """The stored records (newest first, as given), and what the report asked for."""

    def __init__(self, entries: list[ChainedRecord]) -> None:
        self.entries = entries
        self.asked: list[tuple[AuditQuery, uuid.UUID | None]] = []

    async def search(
        self, query: AuditQuery, scope: uuid.UUID | None
    ) -> tuple[list[ChainedRecord], int]:
        raise AssertionError("the report reads with export")

    async def export(
        self, query: AuditQuery, scope: uuid.UUID | None
    ) -> AsyncIterator[ChainedRecord]:
        self.asked.append((query, scope))
        for item in self.entries:
            yield item


def report(trail: Trail, query: ReportQuery, reader: AuditReader = ADMIN) -> PersonalDataReport:
    return asyncio.run(personal_data_report(trail, reader, query))


def test_a_period_must_end_after_it_starts() -> None:
    for until in (SINCE, SINCE - dt.timedelta(seconds=1)):
        with pytest.raises(InvalidInput) as refused:
            report(Trail([]), ReportQuery(SINCE, until))
        assert refused.value.detail == "`until` must be later than `since`."
        assert refused.value.field_errors == {"until": "not after since"}
    shortest = report(Trail([]), ReportQuery(SINCE, SINCE + dt.timedelta(microseconds=1)))
    assert (shortest.actors, shortest.records, shortest.total) == ([], [], 0)


def test_the_trail_is_asked_for_the_periods_personal_candidates_in_the_readers_scope() -> None:
    trail = Trail([])
    report(trail, ReportQuery(SINCE, UNTIL, organisation_id=ORG, limit=5, offset=3))
    report(trail, ReportQuery(SINCE, UNTIL), reader=OWNER)
    assert trail.asked == [
        (
            AuditQuery(
                organisation_id=ORG, since=SINCE, until=UNTIL, kinds_or_access=PERSONAL_KINDS
            ),
            None,
        ),
        (AuditQuery(since=SINCE, until=UNTIL, kinds_or_access=PERSONAL_KINDS), ORG),
    ]


def test_actors_and_resources_are_tallied_and_ranked() -> None:
    user = str(CAROL)
    entries = [
        entry(None, "user", user, 20),
        entry(None, "user", user, 19),
        entry(None, "user", user, 18),
        entry(None, "user", user, 17),
        entry(None, "user", user, 16),
        entry(BOB, "user", user, 15, service="ops", action="accessed", after={"read": ["core"]}),
        entry(CAROL, "user", user, 14),
        entry(ANN, "user", user, 13, service="ops", action="accessed", after={"read": ["core"]}),
        entry(ANN, "organisation", "o2", 13, after={"name": "Sunny"}),  # not personal data
        entry(ANN, "user", user, 12),
        entry(ANN, "membership", "m1", 11, after={"role": "owner"}),
        entry(ANN, "user", user, 10),
        entry(ANN, "user", user, 14),
        entry(ANN, "organisation", "o1", 9, after={"name": "Sunny"}),  # not personal data
        entry(ANN, "animal", "a1", 8, service="animal", after={"morph": "Pastel"}),
        entry(ANN, "user", user, 7, service="ops", action="accessed", after={"read": ["core"]}),
    ]
    query = ReportQuery(SINCE, UNTIL, limit=100)
    got = report(Trail(entries), query)
    assert got.query == query
    assert got.total == 13
    assert got.records == entries[:8] + entries[9:13] + entries[-1:]
    assert got.actors == [
        ActorActivity(
            ANN,
            changed=4,
            accessed=2,
            resources=[
                ResourceActivity(
                    "core", "membership", "m1", changed=1, first_at=at(11), last_at=at(11)
                ),
                ResourceActivity("core", "user", user, changed=3, first_at=at(10), last_at=at(14)),
                ResourceActivity("ops", "user", user, accessed=2, first_at=at(7), last_at=at(13)),
            ],
        ),
        ActorActivity(
            BOB,
            accessed=1,
            resources=[
                ResourceActivity("ops", "user", user, accessed=1, first_at=at(15), last_at=at(15))
            ],
        ),
        ActorActivity(
            CAROL,
            changed=1,
            resources=[
                ResourceActivity("core", "user", user, changed=1, first_at=at(14), last_at=at(14))
            ],
        ),
        ActorActivity(
            None,
            changed=5,
            resources=[
                ResourceActivity("core", "user", user, changed=5, first_at=at(16), last_at=at(20))
            ],
        ),
    ]


def test_ties_are_ranked_by_actor_id() -> None:
    entries = [
        entry(CAROL, "user", "u1", 3),
        entry(ANN, "user", "u1", 2),
        entry(BOB, "user", "u1", 1),
    ]
    got = report(Trail(entries), ReportQuery(SINCE, UNTIL))
    assert [actor.actor_id for actor in got.actors] == [ANN, BOB, CAROL]


@pytest.mark.parametrize(
    ("limit", "offset", "seqs"),
    [
        (2, 0, [5, 4]),
        (2, 1, [4, 3]),
        (2, 3, [2, 1]),
        (2, 4, [1]),
        (3, 5, []),
        (50, 0, [5, 4, 3, 2, 1]),
    ],
)
def test_a_page_of_the_records_and_their_total(limit: int, offset: int, seqs: list[int]) -> None:
    entries = [entry(ANN, "user", "u1", hours) for hours in (5, 4, 3, 2, 1)]
    got = report(Trail(entries), ReportQuery(SINCE, UNTIL, limit=limit, offset=offset))
    assert [item.seq for item in got.records] == seqs
    assert got.total == 5
    assert got.actors[0].changed == 5


def test_a_subject_keeps_the_records_about_them() -> None:
    ann = str(ANN)
    entries = [
        entry(BOB, "user", ann, 4),
        entry(BOB, "user", str(CAROL), 3),
        entry(BOB, "saved_listing", f"{ann}:l1", 2, service="community", action="created"),
        entry(BOB, "membership", "m1", 1, after={"user_id": ann}),
        entry(BOB, "membership", "m2", 1, after={"user_id": str(CAROL)}),
    ]
    got = report(Trail(entries), ReportQuery(SINCE, UNTIL, subject_id=ANN))
    assert got.total == 3
    assert [item.record.resource_id for item in got.records] == [ann, f"{ann}:l1", "m1"]
    assert got.actors[0].changed == 3


def test_a_resource_keyed_by_the_subject_needs_the_separator() -> None:
    def about(resource_id: str) -> bool:
        return concerns(entry(BOB, "animal", resource_id, 1, service="animal").record, ANN)

    assert about(str(ANN))
    assert about(f"{ANN}:x")
    assert not about(f"{ANN}x")
    assert not about(f"x{ANN}")
