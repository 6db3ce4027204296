"""A clutch's hatch reminder through the app: scheduled from repti-animal's
``breeding.clutch_recorded`` (laid date, species, incubation temperature), fired two days
before the clutch is due to the organisation's members by the delivery worker on a clock
the test moves, cancelled by ``breeding.hatched``; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

from notification_testkit import Clock, client_factory, community_database, user_token

from reptidex.domain.events import DomainEvent, new_event
from reptidex.domain.notifications.incubation import due_date
from reptidex.services.kernel.app import kernel_of

__all__ = ["client_factory", "community_database"]


def _publish(client: Any, *events: DomainEvent) -> None:
    bus = kernel_of(client.app).events.bus
    with client.portal() as portal:
        for event in events:
            portal.call(bus.publish, event)


def _clutch(
    organisation: uuid.UUID, clutch: uuid.UUID, laid_on: dt.date, **extra: Any
) -> DomainEvent:
    return new_event(
        "breeding.clutch_recorded",
        producer="animal",
        organisation_id=organisation,
        payload={
            "clutch_id": str(clutch),
            "dam_id": str(uuid.uuid4()),
            "sire_ids": [str(uuid.uuid4())],
            "pair_id": None,
            "laid_on": laid_on.isoformat(),
            "eggs": 6,
            **extra,
        },
    )


def _bodies(client: Any, user: uuid.UUID, count: int, seconds: float = 5.0) -> list[str]:
    deadline = time.monotonic() + seconds
    while True:
        items = client.get("/notifications", headers=user_token(user)).json()["items"]
        if len(items) >= count or time.monotonic() > deadline:
            return [item["body"] for item in items]
        time.sleep(0.05)


def test_a_clutch_reminds_its_breeders_before_it_is_due(client_factory: Any) -> None:
    clock = Clock(dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC))
    client = client_factory(notification_clock=clock)
    farm, sam = uuid.uuid4(), uuid.uuid4()
    _publish(
        client,
        new_event(
            "user.organisation_created",
            producer="core",
            payload={"organisation_id": str(farm), "name": "Farm", "owner_id": str(sam)},
        ),
    )
    today = clock.now.date()
    late, soon, hatched, boa = (uuid.uuid4() for _ in range(4))
    overdue = _clutch(farm, late, today - dt.timedelta(days=60), species="ball_python")
    _publish(
        client,
        overdue,
        overdue,
        _clutch(farm, soon, today, species="ball_python", incubation_temperature=29.0),
        _clutch(farm, hatched, today, species="leopard_gecko"),
        _clutch(farm, boa, today, species="boa_constrictor"),
        new_event(
            "breeding.hatched",
            producer="animal",
            organisation_id=farm,
            payload={"clutch_id": str(hatched), "hatchling_ids": [], "hatched": 5},
        ),
    )
    # the overdue clutch's reminder fires at once, and only once
    [body] = _bodies(client, sam, 1)
    due = today - dt.timedelta(days=60) + dt.timedelta(days=55)
    assert body == (
        f"Clutch {str(late)[:8]}, laid {(today - dt.timedelta(days=60)).isoformat()}, "
        f"is due to hatch around {due.isoformat()}."
    )
    # the other ball python at 29 °C: 72 days; its reminder two days before
    expected = due_date(today, "ball_python", 29.0)
    assert expected == today + dt.timedelta(days=72)
    clock.advance(dt.timedelta(days=69, hours=15).total_seconds())  # one hour early
    assert len(_bodies(client, sam, 2, seconds=2.5)) == 1
    clock.advance(3600)
    bodies = _bodies(client, sam, 2)
    assert bodies[0].endswith(f"is due to hatch around {expected.isoformat()}.")
    # the hatched gecko clutch and the live-bearing boa never remind
    clock.advance(dt.timedelta(days=200).total_seconds())
    assert len(_bodies(client, sam, 3, seconds=2.5)) == 2
