"""A bounded schemathesis run over repti-commerce's OpenAPI against a real server: valid and
invalid requests alike never get a server error, and every 4xx is problem+json."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from commerce_testkit import FakeAnimals, commerce_app
from payment_standins import StripeStandIn
from payment_testkit import payment_settings

from core_tokens import mint_token
from openapi_fuzz import fuzz_app
from paypal_stand_in import PayPalStandIn
from reptidex.services.kernel.settings import Settings

pytestmark = pytest.mark.slow


def test_fuzzed_requests_never_get_a_server_error(
    make_settings: Callable[..., Settings], stripe: StripeStandIn, paypal: PayPalStandIn
) -> None:
    organisation = uuid.uuid4()
    animals = FakeAnimals()
    for _ in range(3):  # animals the fuzzer may happen to list (most ids it sends are unknown)
        animals.add(organisation)
    settings = payment_settings(make_settings, stripe.base, paypal.base)  # providers on
    headers = {"Authorization": f"Bearer {mint_token(organisation, 'admin')}"}
    operations, calls, failures = fuzz_app(commerce_app(settings, animals), headers, max_examples=8)
    assert operations == 50
    assert calls >= 12 * operations
    assert not failures, "\n".join(failures)
