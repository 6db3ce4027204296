"""The Stripe stand-in refuses what Stripe refuses, in Stripe's error shape: the gateway tests
lean on it, so each of its rules is shown to fail a malformed request here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from billing_testkit import PRICES, SECRET_KEY
from stripe_params import FORM
from stripe_stand_in import StripeStandIn

AUTH = {"Authorization": f"Bearer {SECRET_KEY}"}
CHECKOUT = {
    "mode": "subscription",
    "customer": "cus_known",
    "line_items[0][price]": PRICES["keeper"],
    "line_items[0][quantity]": "1",
    "success_url": "https://app.example/ok",
    "cancel_url": "https://app.example/no",
    "metadata[plan]": "keeper",
}
PORTAL = {"customer": "cus_known", "return_url": "https://app.example/billing"}


@pytest.fixture(scope="module")
def stripe_api() -> Iterator[StripeStandIn]:
    with StripeStandIn(customers=["cus_known"]) as stand_in:
        yield stand_in


def post(
    stripe_api: StripeStandIn,
    path: str,
    form: dict[str, str] | list[tuple[str, str]],
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST ``form`` as the Stripe library does (form-encoded, bearer key unless ``headers``)."""
    sent = {"Content-Type": FORM, **(AUTH if headers is None else headers)}
    return httpx.post(f"{stripe_api.base}{path}", content=urlencode(form), headers=sent)


def changed(base: dict[str, str], changes: dict[str, str | None]) -> dict[str, str]:
    form = {key: value for key, value in base.items() if key not in changes}
    form.update({key: value for key, value in changes.items() if value is not None})
    return form


def assert_refused(response: httpx.Response, status: int, **error: Any) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["type"] == error.pop("type", "invalid_request_error")
    assert isinstance(body["error"]["message"], str)
    for name, value in error.items():
        assert body["error"].get(name) == value, body


def test_a_well_formed_checkout_gets_a_stripe_shaped_session(stripe_api: StripeStandIn) -> None:
    response = post(stripe_api, "/v1/checkout/sessions", CHECKOUT)
    assert response.status_code == 200, response.text
    session = response.json()
    assert session["object"] == "checkout.session"
    assert session["id"].startswith("cs_test_")
    assert session["url"] == f"https://checkout.stripe.test/c/pay/{session['id']}"
    assert (session["mode"], session["customer"], session["status"]) == (
        "subscription",
        "cus_known",
        "open",
    )
    assert session["metadata"] == {"plan": "keeper"}
    assert response.headers["Request-Id"].startswith("req_")


QUANTITY = "line_items[0][quantity]"
CHECKOUT_REFUSALS: dict[str, tuple[dict[str, str | None], str | None, str]] = {
    "no success_url": ({"success_url": None}, "parameter_missing", "success_url"),
    "no cancel_url": ({"cancel_url": None}, "parameter_missing", "cancel_url"),
    "no mode": ({"mode": None}, "parameter_missing", "mode"),
    "a mode Stripe lacks": ({"mode": "subscriptions"}, None, "mode"),
    "price_id for price": (
        {"line_items[0][price]": None, "line_items[0][price_id]": PRICES["keeper"]},
        "parameter_unknown",
        "line_items[0][price_id]",
    ),
    "no quantity": ({QUANTITY: None}, "parameter_missing", QUANTITY),
    "a quantity in words": ({QUANTITY: "one"}, "parameter_invalid_integer", QUANTITY),
    "a quantity of 0": ({QUANTITY: "0"}, "parameter_invalid_integer", QUANTITY),
    "an array not from 0": (
        {
            "line_items[0][price]": None,
            QUANTITY: None,
            "line_items[1][price]": PRICES["keeper"],
            "line_items[1][quantity]": "1",
        },
        None,
        "line_items",
    ),
    "a string for an array": (
        {"line_items[0][price]": None, QUANTITY: None, "line_items": PRICES["keeper"]},
        None,
        "line_items",
    ),
    "an unknown price": (
        {"line_items[0][price]": "price_unknown"},
        "resource_missing",
        "line_items[0][price]",
    ),
    "an unknown customer": ({"customer": "cus_unknown"}, "resource_missing", "customer"),
    "customer and customer_email": (
        {"customer_email": "owner@example.com"},
        "parameters_exclusive",
        "customer",
    ),
    "no customer": ({"customer": None}, "parameter_missing", "customer"),
    "a relative URL": ({"success_url": "app.example/ok"}, "url_invalid", "success_url"),
    "a malformed key": ({"line_items[0": "x"}, None, "line_items[0"),
    "metadata too long": ({"metadata[plan]": "x" * 501}, None, "metadata[plan]"),
    "a string for metadata": ({"metadata[plan]": None, "metadata": "keeper"}, None, "metadata"),
    "an unknown parameter": ({"coupon": "FREE100"}, "parameter_unknown", "coupon"),
}


@pytest.mark.parametrize(
    ("changes", "code", "param"), list(CHECKOUT_REFUSALS.values()), ids=list(CHECKOUT_REFUSALS)
)
def test_a_malformed_checkout_is_refused_as_stripe_refuses_it(
    stripe_api: StripeStandIn, changes: dict[str, str | None], code: str | None, param: str
) -> None:
    response = post(stripe_api, "/v1/checkout/sessions", changed(CHECKOUT, changes))
    assert_refused(response, 400, code=code, param=param)


@pytest.mark.parametrize(
    ("changes", "code", "param"),
    [
        ({"customer": None}, "parameter_missing", "customer"),
        ({"return_url": None}, "parameter_missing", "return_url"),
        (
            {"return_url": None, "returnurl": "https://app.example"},
            "parameter_unknown",
            "returnurl",
        ),
        ({"customer": "cus_unknown"}, "resource_missing", "customer"),
    ],
)
def test_a_malformed_portal_session_is_refused(
    stripe_api: StripeStandIn, changes: dict[str, str | None], code: str, param: str
) -> None:
    response = post(stripe_api, "/v1/billing_portal/sessions", changed(PORTAL, changes))
    assert_refused(response, 400, code=code, param=param)


def test_a_well_formed_portal_session_is_stripe_shaped(stripe_api: StripeStandIn) -> None:
    response = post(stripe_api, "/v1/billing_portal/sessions", PORTAL)
    assert response.status_code == 200, response.text
    portal = response.json()
    assert portal["object"] == "billing_portal.session"
    assert portal["url"] == f"https://billing.stripe.test/p/session/{portal['id']}"
    assert (portal["customer"], portal["return_url"]) == ("cus_known", PORTAL["return_url"])


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "You did not provide an API key"),
        ({"Authorization": "Bearer sk_test_someone_else"}, "Invalid API Key provided"),
        ({"Authorization": f"Token {SECRET_KEY}"}, "Invalid API Key provided"),
    ],
)
def test_the_secret_key_is_checked(
    stripe_api: StripeStandIn, headers: dict[str, str], message: str
) -> None:
    response = post(stripe_api, "/v1/checkout/sessions", CHECKOUT, headers=headers)
    assert_refused(response, 401)
    assert response.json()["error"]["message"].startswith(message)


def test_the_body_must_be_form_encoded_once_per_parameter(stripe_api: StripeStandIn) -> None:
    as_json = httpx.post(f"{stripe_api.base}/v1/checkout/sessions", json=CHECKOUT, headers=AUTH)
    assert_refused(as_json, 400)
    twice = post(stripe_api, "/v1/checkout/sessions", [*CHECKOUT.items(), ("mode", "payment")])
    assert_refused(twice, 400, param="mode")


def test_an_unknown_route_is_a_stripe_404(stripe_api: StripeStandIn) -> None:
    assert_refused(post(stripe_api, "/v1/checkout/session", CHECKOUT), 404)


def test_an_idempotency_key_replays_the_first_answer_for_the_same_parameters_only(
    stripe_api: StripeStandIn,
) -> None:
    key = {**AUTH, "Idempotency-Key": "checkout-replay-1"}
    refused = post(stripe_api, "/v1/checkout/sessions", changed(CHECKOUT, {"mode": None}), key)
    assert refused.status_code == 400  # a refused request is not kept under its key
    first = post(stripe_api, "/v1/checkout/sessions", CHECKOUT, key)
    again = post(stripe_api, "/v1/checkout/sessions", CHECKOUT, key)
    assert first.status_code == again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = post(stripe_api, "/v1/checkout/sessions", {**CHECKOUT, "mode": "payment"}, key)
    assert_refused(other, 400, type="idempotency_error")
    too_long = post(
        stripe_api, "/v1/checkout/sessions", CHECKOUT, {**AUTH, "Idempotency-Key": "k" * 256}
    )
    assert_refused(too_long, 400)
