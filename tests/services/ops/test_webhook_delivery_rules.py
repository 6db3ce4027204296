"""The rules of webhook deliveries without a database: which kinds may be subscribed, which
organisations an event goes to, what each attempt records and when the next one is due."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec
import pytest

from reptidex.domain.errors import InvalidInput
from reptidex.domain.events import new_event
from reptidex.domain.integrations.delivery import delivery_body, record_attempt
from reptidex.domain.integrations.kinds import (
    WEBHOOK_EVENT_KINDS,
    WEBHOOK_FAMILIES,
    audience,
    check_kinds,
    wants,
)
from reptidex.domain.integrations.model import (
    AttemptOutcome,
    Delivery,
    DeliveryPolicy,
    DeliveryStatus,
    SealedSecret,
    Webhook,
    origin_of,
)

T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
ALPHA, BETA = uuid.uuid4(), uuid.uuid4()


def test_the_allow_list_covers_animals_listings_and_orders() -> None:
    assert {"animal", "listing", "order"} == WEBHOOK_FAMILIES
    assert {"animal.created", "animal.updated", "animal.deleted", "animal.transferred"} <= set(
        WEBHOOK_EVENT_KINDS
    )
    assert "listing.inquiry_received" not in WEBHOOK_EVENT_KINDS  # private correspondence


def test_kinds_are_checked_against_the_allow_list() -> None:
    assert check_kinds(["order.*", "animal.updated", "order.*"]) == ("animal.updated", "order.*")
    assert check_kinds(list(WEBHOOK_EVENT_KINDS)) == tuple(sorted(WEBHOOK_EVENT_KINDS))
    for bad, named in (
        (["audit.recorded"], "audit.recorded"),
        (["user.*"], "user.*"),
        (["*"], "*"),
        (["animal"], "animal"),
        (["animal.updated", "x.y", "a.b"], "a.b, x.y"),
    ):
        with pytest.raises(InvalidInput) as refused:
            check_kinds(bad)
        assert refused.value.detail == f"Not an event kind webhooks deliver: {named}."
        assert refused.value.field_errors == {
            "event_kinds": "use GET /integrations/webhooks/event-kinds"
        }
    with pytest.raises(InvalidInput) as empty:
        check_kinds([])
    assert empty.value.detail == "Subscribe to at least one event kind."
    assert empty.value.field_errors == {"event_kinds": "empty"}
    with pytest.raises(InvalidInput) as many:
        check_kinds([f"animal.k{i}" for i in range(33)])
    assert many.value.detail == "At most 32 event kinds."
    assert many.value.field_errors == {"event_kinds": "too many"}
    with pytest.raises(InvalidInput, match="Not an event kind"):  # 32 is not too many
        check_kinds([f"animal.k{i}" for i in range(32)])


def test_a_subscription_wants_its_kinds_and_families_within_the_allow_list() -> None:
    assert wants(["animal.updated"], "animal.updated")
    assert not wants(["animal.updated"], "animal.created")
    assert wants(["order.*"], "order.refunded")
    assert not wants(["order.*"], "listing.created")
    assert not wants(["listing.*"], "listing.inquiry_received")
    assert not wants(["animal.*"], "animal")


def test_an_event_goes_to_its_organisation_and_the_other_party_it_names() -> None:
    updated = new_event("animal.updated", producer="animal", organisation_id=ALPHA)
    assert audience(updated) == {ALPHA}
    moved = new_event(
        "animal.transferred",
        producer="animal",
        organisation_id=ALPHA,
        payload={"from_organisation_id": str(ALPHA), "to_organisation_id": str(BETA)},
    )
    assert audience(moved) == {ALPHA, BETA}
    paid = new_event(
        "order.paid",
        producer="commerce",
        organisation_id=BETA,
        payload={"seller_organisation_id": str(ALPHA), "buyer_organisation_id": str(BETA)},
    )
    assert audience(paid) == {ALPHA, BETA}
    handed = new_event(
        "order.handed_over",
        producer="commerce",
        organisation_id=ALPHA,
        payload={"seller_organisation_id": str(ALPHA), "buyer_organisation_id": str(BETA)},
    )
    assert audience(handed) == {ALPHA, BETA}
    bought = new_event(
        "order.placed",
        producer="commerce",
        organisation_id=None,
        payload={"buyer_organisation_id": str(BETA)},
    )
    assert audience(bought) == {BETA}
    # only those two fields of those events name other organisations
    listing = new_event(
        "listing.updated",
        producer="commerce",
        organisation_id=ALPHA,
        payload={"seller_organisation_id": str(BETA), "to_organisation_id": str(BETA)},
    )
    assert audience(listing) == {ALPHA}
    odd = new_event(
        "order.placed",
        producer="commerce",
        organisation_id=ALPHA,
        payload={"seller_organisation_id": "not-a-uuid", "buyer_organisation_id": 7},
    )
    assert audience(odd) == {ALPHA}
    assert audience(new_event("animal.deleted", producer="animal")) == frozenset()


def test_the_body_is_the_event_without_its_actor() -> None:
    event = new_event(
        "animal.updated",
        producer="animal",
        organisation_id=ALPHA,
        actor_id=uuid.uuid4(),
        payload={"code": "BP-26-0001"},
        occurred_at=T0,
    )
    assert msgspec.json.decode(delivery_body(event)) == {
        "id": str(event.id),
        "type": "animal.updated",
        "version": 1,
        "occurred_at": "2026-12-01T12:00:00Z",
        "organisation_id": str(ALPHA),
        "data": {"code": "BP-26-0001"},
    }


def _delivery() -> Delivery:
    return Delivery(
        id=uuid.uuid4(),
        webhook_id=uuid.uuid4(),
        organisation_id=ALPHA,
        event_id=uuid.uuid4(),
        event_type="animal.updated",
        body=b"{}",
        created_at=T0,
        next_attempt_at=T0,
    )


def test_a_2xx_answer_delivers() -> None:
    for code in (200, 201, 204, 299):
        delivery = _delivery()
        record_attempt(delivery, AttemptOutcome(code, 12), T0, DeliveryPolicy())
        assert (delivery.status, delivery.attempts, delivery.delivered_at) == (
            DeliveryStatus.DELIVERED,
            1,
            T0,
        )
        assert delivery.next_attempt_at is None
        assert (delivery.last_status_code, delivery.last_response_ms) == (code, 12)
        assert (delivery.last_attempt_at, delivery.last_error) == (T0, None)


@pytest.mark.parametrize(
    "outcome",
    [
        AttemptOutcome(500, 3),
        AttemptOutcome(199, 3),
        AttemptOutcome(300, 3),
        AttemptOutcome(302, 3, "redirected to 'https://elsewhere': not followed"),
        AttemptOutcome(404, 3),
        AttemptOutcome(None, None, "no answer within 10 s"),
        AttemptOutcome(200, 3, "an error despite the status"),
    ],
)
def test_anything_else_is_tried_again_after_the_backoff(outcome: AttemptOutcome) -> None:
    delivery = _delivery()
    record_attempt(delivery, outcome, T0, DeliveryPolicy(first=30, longest=3600, attempts=5))
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.next_attempt_at == T0 + dt.timedelta(seconds=30)
    assert delivery.delivered_at is None
    assert delivery.last_error == outcome.error


def test_the_backoff_doubles_up_to_its_cap_and_gives_up_after_the_last_attempt() -> None:
    policy = DeliveryPolicy(first=30, longest=100, attempts=4)
    delivery, at, waits = _delivery(), T0, []
    while delivery.status is DeliveryStatus.PENDING:
        record_attempt(delivery, AttemptOutcome(503, 1), at, policy)
        if delivery.next_attempt_at is not None:
            waits.append((delivery.next_attempt_at - at).total_seconds())
            at = delivery.next_attempt_at
    assert waits == [30, 60, 100]
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryStatus.FAILED,
        4,
        None,
    )
    assert DeliveryPolicy() == DeliveryPolicy(first=30.0, longest=21600.0, attempts=12)
    assert DeliveryPolicy().delay(1) == dt.timedelta(seconds=30)
    assert DeliveryPolicy().delay(12) == dt.timedelta(hours=6)


def test_a_long_error_is_cut_to_500_characters() -> None:
    delivery = _delivery()
    record_attempt(delivery, AttemptOutcome(error="x" * 900), T0, DeliveryPolicy())
    assert delivery.last_error == "x" * 500


def test_a_rotated_secret_signs_beside_the_new_one_until_its_grace_ends() -> None:
    new, old = SealedSecret(b"n", "local", 2), SealedSecret(b"o", "local", 1)
    webhook = Webhook(uuid.uuid4(), ALPHA, "https://h.example/", ("animal.*",), "", T0, new)
    assert webhook.secrets_at(T0) == [new]
    webhook.previous_secret = old
    assert webhook.secrets_at(T0) == [new]  # no end given: not in use
    webhook.previous_secret_expires_at = T0 + dt.timedelta(hours=1)
    assert webhook.secrets_at(T0) == [new, old]
    assert webhook.secrets_at(T0 + dt.timedelta(minutes=59)) == [new, old]
    assert webhook.secrets_at(T0 + dt.timedelta(hours=1)) == [new]


def test_the_audit_trail_names_a_urls_origin_only() -> None:
    assert origin_of("https://hooks.slack.example/services/T0/B1/XYZ") == (
        "https://hooks.slack.example"
    )
    assert origin_of("http://127.0.0.1:8080/hook?token=1") == "http://127.0.0.1:8080"
