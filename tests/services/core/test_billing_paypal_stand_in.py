"""The PayPal stand-in refuses what PayPal refuses, in PayPal's error shape: billing's and the
marketplace's PayPal tests lean on it, so each of its rules is shown to fail a malformed
request here."""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from paypal_stand_in import (
    BILLING_WEBHOOK_ID,
    PAYPAL_CLIENT,
    PAYPAL_WEBHOOK_ID,
    PayPalStandIn,
    signed_paypal_event,
)


@pytest.fixture(scope="module")
def paypal() -> Iterator[PayPalStandIn]:
    with PayPalStandIn() as stand_in:
        yield stand_in


@pytest.fixture(scope="module")
def auth(paypal: PayPalStandIn) -> dict[str, str]:
    basic = base64.b64encode(":".join(PAYPAL_CLIENT).encode()).decode()
    answer = httpx.post(
        f"{paypal.base}/v1/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def post(paypal: PayPalStandIn, path: str, body: Any, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{paypal.base}{path}", json=body, headers=headers)


def subscription_body(plan_id: str) -> dict[str, Any]:
    return {
        "plan_id": plan_id,
        "custom_id": "00000000-0000-4000-8000-00000000000a",
        "subscriber": {"email_address": "owner@example.com"},
        "application_context": {
            "brand_name": "ReptiDex",
            "shipping_preference": "NO_SHIPPING",
            "user_action": "SUBSCRIBE_NOW",
            "return_url": "https://app.example/ok",
            "cancel_url": "https://app.example/no",
        },
    }


def changed(body: dict[str, Any], pointer: str, value: Any) -> dict[str, Any]:
    """``body`` with the field at ``pointer`` set to ``value`` (``...``: removed)."""
    copied = copy.deepcopy(body)
    *path, last = pointer.strip("/").split("/")
    target = copied
    for name in path:
        target = target[int(name)] if isinstance(target, list) else target[name]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return copied


def assert_invalid(answer: httpx.Response, pointer: str, issue: str) -> None:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["name"] == "INVALID_REQUEST"
    assert body["details"][0]["field"] == pointer, body
    assert body["details"][0]["issue"] == issue, body


def test_a_well_formed_subscription_waits_for_approval(
    paypal: PayPalStandIn, auth: dict[str, str]
) -> None:
    plan_id = paypal.add_plan()
    answer = post(paypal, "/v1/billing/subscriptions", subscription_body(plan_id), auth)
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert created["id"].startswith("I-")
    assert (created["status"], created["plan_id"]) == ("APPROVAL_PENDING", plan_id)
    assert [link["rel"] for link in created["links"]] == ["approve", "edit", "self"]
    shown = httpx.get(f"{paypal.base}/v1/billing/subscriptions/{created['id']}", headers=auth)
    assert shown.json()["status"] == "APPROVAL_PENDING"
    assert "billing_info" not in shown.json()


SUBSCRIPTION_REFUSALS: dict[str, tuple[str, Any, str]] = {
    "no plan_id": ("/plan_id", ..., "MISSING_REQUIRED_PARAMETER"),
    "an unknown field": ("/coupon", "FREE100", "INVALID_PARAMETER_SYNTAX"),
    "an unknown nested field": ("/application_context/locale_name", "en", "INVALID_PARAMETER_SYNTAX"),
    "no return_url": ("/application_context/return_url", ..., "MISSING_REQUIRED_PARAMETER"),
    "a return_url too short": ("/application_context/return_url", "http://a", "INVALID_STRING_MIN_LENGTH"),
    "a relative return_url": ("/application_context/return_url", "app.example/ok", "INVALID_PARAMETER_SYNTAX"),
    "a user_action of orders": ("/application_context/user_action", "PAY_NOW", "INVALID_PARAMETER_VALUE"),
    "a custom_id too long": ("/custom_id", "x" * 128, "INVALID_STRING_MAX_LENGTH"),
    "a number for custom_id": ("/custom_id", 7, "INVALID_PARAMETER_SYNTAX"),
    "not an e-mail address": ("/subscriber/email_address", "owner", "INVALID_PARAMETER_SYNTAX"),
    "a string for subscriber": ("/subscriber", "owner@example.com", "INVALID_PARAMETER_SYNTAX"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("pointer", "value", "issue"),
    list(SUBSCRIPTION_REFUSALS.values()),
    ids=list(SUBSCRIPTION_REFUSALS),
)
def test_a_malformed_subscription_is_refused_as_paypal_refuses_it(
    paypal: PayPalStandIn, auth: dict[str, str], pointer: str, value: Any, issue: str
) -> None:
    body = changed(subscription_body(paypal.add_plan()), pointer, value)
    before = len(paypal.subscriptions)
    assert_invalid(post(paypal, "/v1/billing/subscriptions", body, auth), pointer, issue)
    assert len(paypal.subscriptions) == before


def test_a_subscription_needs_an_active_plan_paypal_has(
    paypal: PayPalStandIn, auth: dict[str, str]
) -> None:
    unknown = post(paypal, "/v1/billing/subscriptions", subscription_body("P-NONE0000"), auth)
    assert (unknown.status_code, unknown.json()["details"][0]["issue"]) == (
        404,
        "INVALID_RESOURCE_ID",
    )
    inactive = subscription_body(paypal.add_plan("INACTIVE"))
    refused = post(paypal, "/v1/billing/subscriptions", inactive, auth)
    assert (refused.status_code, refused.json()["name"]) == (422, "UNPROCESSABLE_ENTITY")
    assert refused.json()["details"][0]["issue"] == "PLAN_STATUS_INVALID"


def test_only_an_active_or_suspended_subscription_is_cancelled_and_with_a_reason(
    paypal: PayPalStandIn, auth: dict[str, str]
) -> None:
    created = post(paypal, "/v1/billing/subscriptions", subscription_body(paypal.add_plan()), auth)
    cancel = f"/v1/billing/subscriptions/{created.json()['id']}/cancel"
    pending = post(paypal, cancel, {"reason": "x"}, auth)
    assert pending.status_code == 422
    assert pending.json()["details"][0]["issue"] == "SUBSCRIPTION_STATUS_INVALID"
    paypal.approve_subscription(created.json()["id"])
    assert_invalid(post(paypal, cancel, {}, auth), "/reason", "MISSING_REQUIRED_PARAMETER")
    assert_invalid(
        post(paypal, cancel, {"reason": "x" * 129}, auth), "/reason", "INVALID_STRING_MAX_LENGTH"
    )
    done = post(paypal, cancel, {"reason": "Moving on"}, auth)
    assert (done.status_code, done.content) == (204, b"")
    assert post(paypal, cancel, {"reason": "again"}, auth).status_code == 422
    assert httpx.post(f"{paypal.base}/v1/billing/subscriptions/I-NONE/cancel", json={"reason": "x"}, headers=auth).status_code == 404  # fmt: skip


def plan_body(product_id: str) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "name": "ReptiDex Keeper",
        "billing_cycles": [
            {
                "frequency": {"interval_unit": "MONTH", "interval_count": 1},
                "tenure_type": "REGULAR",
                "sequence": 1,
                "total_cycles": 0,
                "pricing_scheme": {"fixed_price": {"value": "9.00", "currency_code": "USD"}},
            }
        ],
        "payment_preferences": {"auto_bill_outstanding": True},
    }


def test_products_and_plans_are_checked_as_paypal_checks_them(
    paypal: PayPalStandIn, auth: dict[str, str]
) -> None:
    product = {"name": "ReptiDex plans", "type": "SERVICE", "category": "SOFTWARE"}
    assert_invalid(
        post(paypal, "/v1/catalogs/products", {**product, "type": "SAAS"}, auth),
        "/type",
        "INVALID_PARAMETER_VALUE",
    )
    assert_invalid(
        post(paypal, "/v1/catalogs/products", {"type": "SERVICE"}, auth),
        "/name",
        "MISSING_REQUIRED_PARAMETER",
    )
    created = post(paypal, "/v1/catalogs/products", product, auth)
    assert created.status_code == 201, created.text
    product_id = created.json()["id"]
    plan = plan_body(product_id)
    assert post(paypal, "/v1/billing/plans", plan, auth).status_code == 201
    unknown = post(paypal, "/v1/billing/plans", {**plan, "product_id": "PROD-NONE00"}, auth)
    assert unknown.status_code == 404
    cycle = "/billing_cycles/0"
    for pointer, value, issue in [
        (f"{cycle}/sequence", 0, "INVALID_INTEGER_MIN_VALUE"),
        (f"{cycle}/frequency/interval_unit", "MONTHLY", "INVALID_PARAMETER_VALUE"),
        (f"{cycle}/total_cycles", "0", "INVALID_PARAMETER_SYNTAX"),
        (f"{cycle}/pricing_scheme/fixed_price/value", 9, "INVALID_PARAMETER_SYNTAX"),
        (f"{cycle}/price", "9.00", "INVALID_PARAMETER_SYNTAX"),
        ("/payment_preferences", ..., "MISSING_REQUIRED_PARAMETER"),
        ("/billing_cycles", [], "INVALID_ARRAY_MIN_ITEMS"),
    ]:
        answer = post(paypal, "/v1/billing/plans", changed(plan, pointer, value), auth)
        assert_invalid(answer, pointer, issue)
    gap = changed(plan, f"{cycle}/sequence", 2)
    refused = post(paypal, "/v1/billing/plans", gap, auth)
    assert (refused.status_code, refused.json()["details"][0]["issue"]) == (
        422,
        "INVALID_BILLING_CYCLE_SEQUENCE",
    )


def test_calls_need_the_apps_token_and_a_json_body(
    paypal: PayPalStandIn, auth: dict[str, str]
) -> None:
    body = subscription_body(paypal.add_plan())
    assert post(paypal, "/v1/billing/subscriptions", body, {}).status_code == 401
    wrong = {"Authorization": "Bearer A21AAforged"}
    assert post(paypal, "/v1/billing/subscriptions", body, wrong).status_code == 401
    basic = base64.b64encode(b"paypal-client-id:wrong").decode()
    token = httpx.post(
        f"{paypal.base}/v1/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert token.status_code == 401
    form = httpx.post(
        f"{paypal.base}/v1/billing/subscriptions", data={"plan_id": "P-1"}, headers=auth
    )
    assert form.status_code == 415
    broken = httpx.post(
        f"{paypal.base}/v1/billing/subscriptions",
        content=b"{not json",
        headers={**auth, "Content-Type": "application/json"},
    )
    assert broken.status_code == 400
    assert broken.json()["details"][0]["issue"] == "MALFORMED_REQUEST_JSON"


def test_a_request_id_replays_the_first_answer(paypal: PayPalStandIn, auth: dict[str, str]) -> None:
    body = subscription_body(paypal.add_plan())
    headers = {**auth, "PayPal-Request-Id": "subscribe-once"}
    first = post(paypal, "/v1/billing/subscriptions", body, headers)
    again = post(paypal, "/v1/billing/subscriptions", body, headers)
    assert first.json()["id"] == again.json()["id"]
    assert sum(s.id == first.json()["id"] for s in paypal.subscriptions.values()) == 1


def verification(verified_for: str, **options: Any) -> dict[str, Any]:
    body, headers = signed_paypal_event("BILLING.SUBSCRIPTION.ACTIVATED", {"id": "I-1"}, **options)
    lower = {name.lower(): value for name, value in headers.items()}
    return {
        "auth_algo": lower["paypal-auth-algo"],
        "cert_url": lower["paypal-cert-url"],
        "transmission_id": lower["paypal-transmission-id"],
        "transmission_sig": lower["paypal-transmission-sig"],
        "transmission_time": lower["paypal-transmission-time"],
        "webhook_id": verified_for,
        "webhook_event": httpx.Response(200, content=body).json(),
    }


def test_a_delivery_verifies_only_for_the_webhook_it_was_signed_for(
    paypal: PayPalStandIn, auth: dict[str, str]
) -> None:
    path = "/v1/notifications/verify-webhook-signature"

    def status(body: dict[str, Any]) -> str:
        answer = post(paypal, path, body, auth)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["verification_status"])

    signed_for_billing = verification(BILLING_WEBHOOK_ID, webhook_id=BILLING_WEBHOOK_ID)
    assert status(signed_for_billing) == "SUCCESS"
    assert status({**signed_for_billing, "webhook_id": PAYPAL_WEBHOOK_ID}) == "FAILURE"
    assert status(verification(BILLING_WEBHOOK_ID, webhook_id=BILLING_WEBHOOK_ID, forge=True)) == "FAILURE"  # fmt: skip
    unknown = post(paypal, path, {**signed_for_billing, "webhook_id": "9ZZ99999ZZ9999999"}, auth)
    assert unknown.status_code == 404
    assert_invalid(
        post(paypal, path, changed(signed_for_billing, "/cert_url", ...), auth),
        "/cert_url",
        "MISSING_REQUIRED_PARAMETER",
    )
