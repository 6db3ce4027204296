"""Stripe Connect onboarding against the local stand-in, on SQLite and PostgreSQL (and as the
non-owner role under row-level security): a seller without a Stripe account has one opened
(Express, never a second one) with a new onboarding link on each call; buyers cannot pay into
it until Stripe takes charges for it, which the verified, idempotent ``account.updated``
webhook or the status call learn by reading the account from Stripe."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from commerce_testkit import FEE_BASIS_POINTS, FakeAnimals, Trader, commerce_client, outbox_events
from litestar import Litestar
from litestar.testing import TestClient
from payment_standins import EXPRESS, StripeStandIn, signed_stripe_event
from payment_testkit import URLS, payment_settings
from test_commerce_stripe_payments import ok, problem, webhook

from paypal_stand_in import PayPalStandIn
from reptidex.domain.audit import AUDIT_EVENT
from reptidex.services.kernel.settings import Settings

ONBOARDING = "/transactions/payout-accounts/stripe/onboarding"
STATUS = "/transactions/payout-accounts/stripe/status"
REDIRECTS = {
    "refresh_url": "https://reptidex.test/payouts/stripe/again",
    "return_url": "https://reptidex.test/payouts/stripe/back",
}


def onboard(admin: Trader, **body: Any) -> dict[str, Any]:
    """The admin asks for an onboarding link (a German account the first time)."""
    return ok(admin.post(ONBOARDING, json={"country": "DE", **REDIRECTS, **body}), 201)


def sent(stripe: StripeStandIn, method: str, path: str) -> list[dict[str, Any]]:
    """The bodies of the requests the stand-in received at ``path``."""
    return [r.body for r in stripe.requests if (r.method, r.path) == (method, path)]


def payout_accounts(trader: Trader) -> list[dict[str, Any]]:
    """The trader's organisation's payout accounts."""
    response = trader.get("/transactions/payout-accounts")
    assert response.status_code == 200, response.text
    accounts: list[dict[str, Any]] = response.json()
    return accounts


def pay(buyer: Trader, order: dict[str, Any]) -> Any:
    return buyer.post("/transactions", json={"order_id": order["id"], "provider": "stripe", **URLS})


def sale_of(
    client: TestClient[Litestar], animals: FakeAnimals, seller: Trader
) -> tuple[Trader, dict[str, Any]]:
    """A new buyer's pending order of a listing of ``seller``."""
    buyer = Trader(client, uuid.uuid4(), animals)
    order = ok(buyer.order(seller.list_animal(20000)["id"]), 201)
    return buyer, order


def account_updated(
    stripe: StripeStandIn, account: str, **signing: Any
) -> tuple[bytes, dict[str, str]]:
    """Stripe's ``account.updated`` about ``account`` as the stand-in holds it."""
    return signed_stripe_event(
        "account.updated", dict(stripe.accounts[account]), account=account, **signing
    )


def test_onboarding_opens_one_express_account_and_a_new_link_each_time(
    pay_client: TestClient[Litestar], stripe: StripeStandIn
) -> None:
    admin = Trader(pay_client, uuid.uuid4(), role="admin")
    first = onboard(admin, country="de", email="scales@reptidex.test")
    account = first["account"]
    assert account.startswith("acct_")
    assert (first["provider"], first["status"]) == ("stripe", "pending")
    assert first["url"].startswith(f"https://connect.stripe.test/setup/e/{account}/")
    expires = dt.datetime.fromisoformat(first["expires_at"])
    assert dt.timedelta(0) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=5)
    # what Stripe received: one Express account (controller properties, not the deprecated
    # type), card payments and transfers, the organisation in its metadata; one link
    [opened] = sent(stripe, "POST", "/v1/accounts")
    assert opened == {
        **EXPRESS,
        "country": "DE",
        "email": "scales@reptidex.test",
        "capabilities[card_payments][requested]": "true",
        "capabilities[transfers][requested]": "true",
        "metadata[organisation_id]": str(admin.organisation_id),
    }
    key = next(r.headers for r in stripe.requests if r.path == "/v1/accounts")["idempotency-key"]
    assert key == f"connect-account-{admin.organisation_id}"
    assert sent(stripe, "POST", "/v1/account_links") == [
        {"account": account, "type": "account_onboarding", **REDIRECTS}
    ]
    listed = payout_accounts(admin)
    assert listed == [{"provider": "stripe", "account": account, "status": "pending"}]
    # a repeat (the link expired: Stripe sent the seller to refresh_url) links the same account
    again = ok(admin.post(ONBOARDING, json=REDIRECTS), 201)
    assert (again["account"], again["status"]) == (account, "pending")
    assert again["url"] != first["url"]
    assert len(sent(stripe, "POST", "/v1/accounts")) == 1
    assert len(stripe.accounts) == 1
    assert [link["account"] for link in stripe.links] == [account, account]
    # naming the pending account by hand does not let buyers pay into it
    named = pay_client.put(
        "/transactions/payout-accounts/stripe", json={"account": account}, headers=admin.headers
    )
    assert ok(named)["status"] == "pending"
    events = outbox_events(pay_client)
    set_events = [p for kind, p in events if kind == "transaction.payout_account_set"]
    assert set_events[0] == {
        "organisation_id": str(admin.organisation_id),
        "provider": "stripe",
        "account": account,
        "status": "pending",
    }
    records = [p for kind, p in events if kind == AUDIT_EVENT]
    opened_record = next(r for r in records if r["resource_kind"] == "payout_account")
    assert opened_record["action"] == "created"
    assert opened_record["after"] == {"account": account, "status": "pending"}


def test_a_pending_account_refuses_payments_until_the_webhook_reports_it_enabled(
    pay_client: TestClient[Litestar], pay_animals: FakeAnimals, stripe: StripeStandIn
) -> None:
    seller = Trader(pay_client, uuid.uuid4(), pay_animals, role="admin")
    account = onboard(seller)["account"]
    buyer, order = sale_of(pay_client, pay_animals, seller)
    refused = pay(buyer, order)
    problem(refused, 409)
    assert "onboarding is not finished" in refused.json()["detail"]
    assert sent(stripe, "POST", "/v1/checkout/sessions") == []
    # an event is a prompt to read the account: one claiming charges Stripe does not take
    # (not finished at Stripe) enables nothing
    claimed = {**stripe.accounts[account], "charges_enabled": True}
    early = signed_stripe_event("account.updated", claimed, account=account)
    assert ok(webhook(pay_client, *early))["outcome"] == "applied"
    assert payout_accounts(seller)[0]["status"] == "pending"
    problem(pay(buyer, order), 409)
    # the seller finishes at Stripe; forged, stale or unsigned notices of it change nothing
    stripe.finish_onboarding(account)
    body, headers = account_updated(stripe, account)
    forged = account_updated(stripe, account, secret="whsec_other")[1]
    problem(webhook(pay_client, body, forged), 400)
    problem(
        webhook(pay_client, *account_updated(stripe, account, timestamp=int(time.time()) - 301)),
        400,
    )
    problem(webhook(pay_client, body, {"Content-Type": "application/json"}), 400)
    assert payout_accounts(seller)[0]["status"] == "pending"
    # signed: the account is enabled; a redelivery is a no-op
    assert ok(webhook(pay_client, body, headers)) == {"received": True, "outcome": "applied"}
    assert ok(webhook(pay_client, body, headers))["outcome"] == "duplicate"
    assert payout_accounts(seller)[0]["status"] == "enabled"
    # accounts that are no seller's: unknown to Stripe, or known there but never kept here
    for other in ("acct_1Unknown", "acct_1Elsewhere"):
        stranger = {**stripe.accounts[account], "id": other}
        if other == "acct_1Elsewhere":
            stripe.accounts[other] = stranger
        event = signed_stripe_event("account.updated", stranger, account=other)
        assert ok(webhook(pay_client, *event))["outcome"] == "ignored"
    assert payout_accounts(seller)[0] == {
        "provider": "stripe",
        "account": account,
        "status": "enabled",
    }
    # the buyer pays into the account now
    payment = ok(pay(buyer, order), 201)
    [checkout] = sent(stripe, "POST", "/v1/checkout/sessions")
    assert checkout["payment_intent_data[transfer_data][destination]"] == account
    assert payment["status"] == "created"
    changes = [p for kind, p in outbox_events(pay_client) if kind.endswith("status_changed")]
    assert changes == [
        {
            "organisation_id": str(seller.organisation_id),
            "provider": "stripe",
            "account": account,
            "status": "enabled",
            "previous_status": "pending",
            "charges_enabled": True,
            "payouts_enabled": True,
        }
    ]
    # an enabled account has nothing left to onboard
    problem(seller.post(ONBOARDING, json=REDIRECTS), 409)


def test_the_status_call_reads_the_account_and_follows_it(
    pay_client: TestClient[Litestar], pay_animals: FakeAnimals, stripe: StripeStandIn
) -> None:
    seller = Trader(pay_client, uuid.uuid4(), pay_animals, role="admin")
    problem(seller.get(STATUS), 404)  # no Stripe account yet
    account = onboard(seller)["account"]
    viewer = Trader(pay_client, seller.organisation_id, pay_animals, role="viewer")
    assert ok(viewer.get(STATUS)) == {
        "provider": "stripe",
        "account": account,
        "status": "pending",
        "charges_enabled": False,
        "payouts_enabled": False,
        "details_submitted": False,
    }
    stripe.finish_onboarding(account)
    shown = ok(viewer.get(STATUS))
    assert (shown["status"], shown["charges_enabled"], shown["details_submitted"]) == (
        "enabled",
        True,
        True,
    )
    buyer, order = sale_of(pay_client, pay_animals, seller)
    assert ok(pay(buyer, order), 201)["status"] == "created"
    # Stripe stops taking charges for it: pending again, buyers refused
    stripe.finish_onboarding(account, charges=False)
    assert ok(seller.get(STATUS))["status"] == "pending"
    second, later = sale_of(pay_client, pay_animals, seller)
    problem(pay(second, later), 409)
    # an account Stripe does not show to the platform (named by hand, never onboarded)
    other = Trader(pay_client, uuid.uuid4(), role="admin")
    named = {"account": "acct_1NamedByHand"}
    put = pay_client.put("/transactions/payout-accounts/stripe", json=named, headers=other.headers)
    assert ok(put)["status"] == "enabled"
    problem(other.get(STATUS), 409)
    assert payout_accounts(other)[0]["status"] == "enabled"


@pytest.mark.parametrize(
    "url",
    [
        "http://reptidex.test/back",  # plain http off this machine
        "https://user:secret@evil.test/back",
        "https://reptidex.test@evil.test/back",
        "javascript:alert(1)//https://x",
        "//evil.test/back",
        "https:\\\\evil.test",
        "https://evil.test\\@reptidex.test/",
        "ftp://reptidex.test/back",
        "https:///back",
        "https://bad_host.test/back",
        "https://reptidex.test:99999/back",
        "https://r\u00e9ptidex.test/back",
        "https://reptidex.test/" + "a" * 2000,
    ],
)
def test_a_redirect_that_is_not_ours_to_send_to_is_a_422(
    pay_client: TestClient[Litestar], stripe: StripeStandIn, url: str
) -> None:
    admin = Trader(pay_client, uuid.uuid4(), role="admin")
    for field in ("refresh_url", "return_url"):
        problem(admin.post(ONBOARDING, json={"country": "DE", **REDIRECTS, field: url}), 422)
    assert stripe.requests == []


def test_who_may_onboard_and_what_is_refused(
    pay_client: TestClient[Litestar], stripe: StripeStandIn
) -> None:
    organisation = uuid.uuid4()
    body = {"country": "DE", **REDIRECTS}
    for role in ("member", "viewer"):
        problem(Trader(pay_client, organisation, role=role).post(ONBOARDING, json=body), 403)
    problem(pay_client.post(ONBOARDING, json=body), 401)
    problem(pay_client.get(STATUS), 401)
    admin = Trader(pay_client, organisation, role="admin")
    for bad in (
        {**REDIRECTS},  # a new account needs its country
        {**body, "country": "DEU"},
        {**body, "country": "ZZ"},  # Stripe opens no account there
        {**body, "email": "not-an-email"},
        {**body, "email": "a@b.test\n"},
        {**body, "type": "standard"},
    ):
        problem(admin.post(ONBOARDING, json=bad), 422)
    assert stripe.accounts == {}
    # http to this machine is for development, and allowed
    local = {"refresh_url": "http://localhost:8000/again", "return_url": "http://127.0.0.1/back"}
    owner = Trader(pay_client, organisation, role="owner")
    assert onboard(owner, **local)["status"] == "pending"
    assert stripe.links[-1]["return_url"] == "http://127.0.0.1/back"


def test_without_stripe_onboarding_is_off(make_settings: Callable[..., Settings]) -> None:
    with commerce_client(make_settings(), FakeAnimals()) as client:
        admin = Trader(client, uuid.uuid4(), role="admin")
        problem(admin.post(ONBOARDING, json={"country": "DE", **REDIRECTS}), 503)
        problem(admin.get(STATUS), 503)


def test_onboarding_under_row_level_security(
    make_settings: Callable[..., Settings],
    app_role_url: str,
    stripe: StripeStandIn,
    paypal: PayPalStandIn,
) -> None:
    """As the non-owner role: the webhook finds the account only by the reference it
    carries, then changes it as the seller's organisation."""
    animals = FakeAnimals()
    settings = payment_settings(
        make_settings, stripe.base, paypal.base, commerce_database_url=app_role_url
    )
    with commerce_client(settings, animals, fee_basis_points=FEE_BASIS_POINTS) as client:
        seller = Trader(client, uuid.uuid4(), animals, role="admin")
        account = onboard(seller)["account"]
        assert ok(client.post(ONBOARDING, json=REDIRECTS, headers=seller.headers), 201)
        buyer, order = sale_of(client, animals, seller)
        problem(pay(buyer, order), 409)
        stripe.finish_onboarding(account)
        assert ok(webhook(client, *account_updated(stripe, account)))["outcome"] == "applied"
        assert payout_accounts(seller)[0]["status"] == "enabled"
        assert ok(pay(buyer, order), 201)["status"] == "created"
        stripe.finish_onboarding(account, charges=False)
        assert ok(seller.get(STATUS))["status"] == "pending"
        stranger = Trader(client, uuid.uuid4(), role="admin")
        assert payout_accounts(stranger) == []
        problem(stranger.get(STATUS), 404)
