"""Webhook deliveries against a local receiver: signed and sent once, retried with backoff on
a clock the test moves (no sleeping), given up and published after the last attempt, never
following a redirect, within the timeout, and checked again before each attempt (SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping

import msgspec
import pytest
from webhook_receiver import Receiver, receiving
from webhook_testkit import Hooks, Names

from reptidex.adapters.keys.local import LocalKeyManagement
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.ops.webhook_worker import WebhookWorker
from reptidex.adapters.sql.ops.webhooks import SqlDeliveryQueue, SqlWebhookUnitOfWork, bind_worker
from reptidex.domain.events import DomainEvent, new_event
from reptidex.domain.integrations.delivery import delivery_body
from reptidex.domain.integrations.model import AttemptOutcome, DeliveryPolicy, DeliveryStatus
from reptidex.domain.integrations.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
)
from reptidex.domain.integrations.subscriptions import Manager, rotate_secret

ALPHA, BETA = uuid.uuid4(), uuid.uuid4()
LOCAL = Names({"receiver.test": "127.0.0.1"})


@pytest.fixture
async def hooks(ops_database: str) -> AsyncIterator[Hooks]:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    engine = create_engine(ops_database)
    try:
        yield Hooks(async_sessionmaker(engine, expire_on_commit=False))
    finally:
        await engine.dispose()


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def hook_url(receiver: Receiver) -> Iterator[str]:
    with receiving(receiver) as url:
        yield url.replace("127.0.0.1", "receiver.test")


def updated(organisation_id: uuid.UUID = ALPHA) -> DomainEvent:
    return new_event(
        "animal.updated",
        producer="animal",
        organisation_id=organisation_id,
        actor_id=uuid.uuid4(),
        payload={"animal_id": "a1", "changed": ["morph"]},
    )


async def test_a_delivery_is_signed_sent_once_and_logged(
    hooks: Hooks, receiver: Receiver, hook_url: str
) -> None:
    webhook, secret = await hooks.subscribe(ALPHA, hook_url, ["animal.*"], LOCAL)
    event = updated()
    (delivery,) = await hooks.publish(event)
    worker = hooks.worker(LOCAL)
    assert await worker.work_once() == 1
    (got,) = receiver.wait_for(1)
    assert got.body == delivery_body(event)
    assert msgspec.json.decode(got.body)["id"] == str(event.id)
    assert got.headers[EVENT_HEADER.lower()] == "animal.updated"
    assert got.headers[DELIVERY_HEADER.lower()] == str(delivery.id)
    assert got.headers[TIMESTAMP_HEADER.lower()] == str(int(hooks.clock().timestamp()))
    assert got.headers[SIGNATURE_HEADER.lower()].startswith("sha256=")
    assert got.headers["content-type"] == "application/json"
    assert got.headers["host"] == hook_url.split("/")[2]  # the name, though sent to its address
    assert got.signed_with(secret, hooks.clock().timestamp())
    assert not got.signed_with("whsec_other", hooks.clock().timestamp())
    (logged,) = await hooks.deliveries()
    assert logged.status is DeliveryStatus.DELIVERED
    assert (logged.attempts, logged.last_status_code, logged.last_error) == (1, 200, None)
    assert logged.last_response_ms is not None
    assert 0 <= logged.last_response_ms < 5000
    assert logged.delivered_at == logged.last_attempt_at == hooks.clock()
    assert logged.next_attempt_at is None
    assert logged.webhook_id == webhook.id
    hooks.clock.advance(3600)
    assert await worker.work_once() == 0
    assert len(receiver.received) == 1


async def test_failures_are_tried_again_with_backoff_until_one_succeeds(
    hooks: Hooks, receiver: Receiver, hook_url: str
) -> None:
    _, secret = await hooks.subscribe(ALPHA, hook_url, ["animal.updated"], LOCAL)
    (delivery,) = await hooks.publish(updated())
    receiver.answers = [500, 503]
    worker = hooks.worker(LOCAL, policy=DeliveryPolicy(first=30, longest=45, attempts=5))
    start = hooks.clock()
    assert await worker.work_once() == 1
    (first,) = await hooks.deliveries()
    assert (first.status, first.attempts, first.last_status_code) == (
        DeliveryStatus.PENDING,
        1,
        500,
    )
    assert first.next_attempt_at == start + dt.timedelta(seconds=30)
    hooks.clock.advance(29)
    assert await worker.work_once() == 0  # not due yet
    hooks.clock.advance(1)
    assert await worker.work_once() == 1
    (second,) = await hooks.deliveries()
    assert (second.attempts, second.last_status_code) == (2, 503)
    assert second.next_attempt_at == hooks.clock() + dt.timedelta(seconds=45)  # capped
    hooks.clock.advance(45)
    assert await worker.work_once() == 1
    (third,) = await hooks.deliveries()
    assert (third.status, third.attempts, third.last_status_code) == (
        DeliveryStatus.DELIVERED,
        3,
        200,
    )
    got = receiver.wait_for(3)
    assert {g.headers[DELIVERY_HEADER.lower()] for g in got} == {str(delivery.id)}
    assert len({g.body for g in got}) == 1
    stamps = [int(g.headers[TIMESTAMP_HEADER.lower()]) for g in got]
    assert [s - stamps[0] for s in stamps] == [0, 30, 75]
    assert got[2].signed_with(secret, hooks.clock().timestamp())


async def test_a_delivery_is_given_up_after_its_last_attempt_and_that_is_published(
    hooks: Hooks, receiver: Receiver, hook_url: str
) -> None:
    webhook, _ = await hooks.subscribe(ALPHA, hook_url, ["animal.updated"], LOCAL)
    event = updated()
    (delivery,) = await hooks.publish(event)
    receiver.answers = [500, 502, 404]
    worker = hooks.worker(LOCAL, policy=DeliveryPolicy(first=10, longest=10, attempts=3))
    for _ in range(3):
        assert await worker.work_once() == 1
        hooks.clock.advance(10)
    assert await worker.work_once() == 0
    (failed,) = await hooks.deliveries()
    assert (failed.status, failed.attempts, failed.last_status_code) == (
        DeliveryStatus.FAILED,
        3,
        404,
    )
    assert failed.next_attempt_at is None
    assert await hooks.published("integration.webhook_delivery_failed") == [
        {
            "webhook_id": str(webhook.id),
            "delivery_id": str(delivery.id),
            "event_id": str(event.id),
            "event_type": "animal.updated",
            "attempts": 3,
            "last_status_code": 404,
            "last_error": None,
        }
    ]


async def test_a_redirect_is_never_followed(
    hooks: Hooks, receiver: Receiver, hook_url: str
) -> None:
    await hooks.subscribe(ALPHA, hook_url, ["animal.updated"], LOCAL)
    await hooks.publish(updated())
    receiver.answers = [302]
    await hooks.worker(LOCAL).work_once()
    (redirected,) = await hooks.deliveries()
    assert redirected.status is DeliveryStatus.PENDING
    assert redirected.last_status_code == 302
    assert redirected.last_error == ("redirected to 'http://127.0.0.1:1/elsewhere': not followed")
    assert len(receiver.received) == 1


async def test_a_receiver_that_does_not_answer_in_time_is_tried_again(
    hooks: Hooks, receiver: Receiver, hook_url: str
) -> None:
    await hooks.subscribe(ALPHA, hook_url, ["animal.updated"], LOCAL)
    await hooks.publish(updated())
    receiver.delay = 1.0
    await hooks.worker(LOCAL, timeout=0.3).work_once()
    (slow,) = await hooks.deliveries()
    assert (slow.status, slow.last_status_code) == (DeliveryStatus.PENDING, None)
    assert slow.last_error == "no answer within 0.3 s"
    assert slow.last_response_ms is not None
    assert slow.last_response_ms >= 250


async def test_the_destination_is_checked_again_before_every_attempt(
    hooks: Hooks, receiver: Receiver, hook_url: str
) -> None:
    await hooks.subscribe(ALPHA, hook_url, ["animal.updated"], LOCAL)
    await hooks.publish(updated())
    # the name now points into the private network: nothing is sent
    rebound = Names({"receiver.test": "10.0.0.7"})
    await hooks.worker(rebound).work_once()
    (refused,) = await hooks.deliveries()
    assert refused.status is DeliveryStatus.PENDING
    assert refused.last_error == "refused: receiver.test resolves to 10.0.0.7, a private address"
    # and without the development setting, loopback is refused too
    hooks.clock.advance(3600)
    await hooks.worker(LOCAL, allow_local=False).work_once()
    (again,) = await hooks.deliveries()
    assert again.last_error == "refused: only https URLs are called"
    assert receiver.received == []


async def test_a_secret_that_cannot_be_read_fails_the_attempt(
    hooks: Hooks, receiver: Receiver, hook_url: str
) -> None:
    await hooks.subscribe(ALPHA, hook_url, ["animal.updated"], LOCAL)
    await hooks.publish(updated())
    await hooks.worker(LOCAL, keys=LocalKeyManagement(bytes(32))).work_once()
    (unsigned,) = await hooks.deliveries()
    assert unsigned.status is DeliveryStatus.PENDING
    assert unsigned.last_error == "the signing secret cannot be read: sealed with another local key"
    assert receiver.received == []


async def test_after_a_rotation_both_secrets_sign_until_the_grace_ends(
    hooks: Hooks, receiver: Receiver, hook_url: str
) -> None:
    webhook, old = await hooks.subscribe(ALPHA, hook_url, ["animal.updated"], LOCAL)
    manager = Manager(ALPHA, uuid.uuid4(), may_manage=True)
    async with SqlWebhookUnitOfWork(hooks.sessions, ALPHA) as uow:
        rotated, new = await rotate_secret(uow, hooks.keys, manager, webhook.id, hooks.clock())
    assert new != old
    assert rotated.secret.version == 2
    await hooks.publish(updated())
    worker = hooks.worker(LOCAL)
    await worker.work_once()
    (during,) = receiver.wait_for(1)
    now = hooks.clock().timestamp()
    assert during.signed_with(new, now)
    assert during.signed_with(old, now)
    assert during.headers[SIGNATURE_HEADER.lower()].count("sha256=") == 2
    hooks.clock.advance(24 * 3600)
    await hooks.publish(updated())
    await worker.work_once()
    after = receiver.wait_for(2)[1]
    now = hooks.clock().timestamp()
    assert after.signed_with(new, now)
    assert not after.signed_with(old, now)


async def test_events_reach_only_the_webhooks_of_their_kinds_and_organisations(
    hooks: Hooks, hook_url: str
) -> None:
    a_animals, _ = await hooks.subscribe(ALPHA, hook_url, ["animal.*"], LOCAL)
    a_orders, _ = await hooks.subscribe(ALPHA, hook_url, ["order.*"], LOCAL)
    b_updates, _ = await hooks.subscribe(BETA, hook_url, ["animal.updated"], LOCAL)
    b_paid, _ = await hooks.subscribe(BETA, hook_url, ["order.paid"], LOCAL)
    assert [d.webhook_id for d in await hooks.publish(updated(ALPHA))] == [a_animals.id]
    paid = new_event(
        "order.paid",
        producer="commerce",
        organisation_id=ALPHA,
        payload={"seller_organisation_id": str(ALPHA), "buyer_organisation_id": str(BETA)},
    )
    made = await hooks.publish(paid)
    assert {(d.webhook_id, d.organisation_id) for d in made} == {
        (a_orders.id, ALPHA),
        (b_paid.id, BETA),
    }
    created = new_event("animal.created", producer="animal", organisation_id=BETA)
    assert await hooks.publish(created) == []
    assert await hooks.publish(new_event("listing.created", producer="commerce")) == []
    assert {d.webhook_id for d in await hooks.publish(updated(BETA))} == {b_updates.id}
    assert len(await hooks.deliveries()) == 4


async def test_a_leased_delivery_is_not_due_until_its_lease_ends(
    hooks: Hooks, hook_url: str
) -> None:
    await hooks.subscribe(ALPHA, hook_url, ["animal.updated"], LOCAL)
    (delivery,) = await hooks.publish(updated())
    now = hooks.clock()
    async with hooks.sessions() as session, session.begin():
        await bind_worker(session)
        queue = SqlDeliveryQueue(session)
        ((due, _),) = await queue.due(now, 10)
        assert due.id == delivery.id
        await queue.lease([due], now + dt.timedelta(minutes=2))
    async with hooks.sessions() as session, session.begin():
        queue = SqlDeliveryQueue(session)
        assert await queue.due(now + dt.timedelta(seconds=119), 10) == []
        assert len(await queue.due(now + dt.timedelta(minutes=2), 10)) == 1
        assert await queue.due(now + dt.timedelta(minutes=2), 0) == []


async def test_a_previous_secret_the_keys_cannot_open_is_left_out(
    hooks: Hooks, receiver: Receiver, hook_url: str
) -> None:
    webhook, _ = await hooks.subscribe(ALPHA, hook_url, ["animal.updated"], LOCAL)
    # the key management changed: the old secret is sealed by a key no longer held
    hooks.keys = LocalKeyManagement(bytes(32))
    manager = Manager(ALPHA, uuid.uuid4(), may_manage=True)
    async with SqlWebhookUnitOfWork(hooks.sessions, ALPHA) as uow:
        _, new = await rotate_secret(uow, hooks.keys, manager, webhook.id, hooks.clock())
    await hooks.publish(updated())
    await hooks.worker(LOCAL).work_once()
    (got,) = receiver.wait_for(1)
    assert got.signed_with(new, hooks.clock().timestamp())
    assert got.headers[SIGNATURE_HEADER.lower()].count("sha256=") == 1


class Faulty:
    """A sender that fails with a bug for one URL and answers 200 for the others."""

    def __init__(self, broken: str) -> None:
        self.broken = broken

    async def send(self, url: str, headers: Mapping[str, str], body: bytes) -> AttemptOutcome:
        if url == self.broken:
            raise RuntimeError("a bug")
        return AttemptOutcome(200, 1)


async def test_a_bug_in_one_attempt_leaves_it_leased_and_the_others_recorded(
    hooks: Hooks,
) -> None:
    names = Names({"one.test": "127.0.0.1", "two.test": "127.0.0.1"})
    await hooks.subscribe(ALPHA, "http://one.test/hook", ["animal.updated"], names)
    await hooks.subscribe(ALPHA, "http://two.test/hook", ["animal.updated"], names)
    await hooks.publish(updated())
    worker = WebhookWorker(
        hooks.sessions, hooks.keys, Faulty("http://one.test/hook"), clock=hooks.clock
    )
    assert await worker.work_once() == 2
    by_status = {d.status: d for d in await hooks.deliveries()}
    assert by_status[DeliveryStatus.DELIVERED].attempts == 1
    leased = by_status[DeliveryStatus.PENDING]
    assert leased.attempts == 0
    assert leased.next_attempt_at == hooks.clock() + worker.lease
