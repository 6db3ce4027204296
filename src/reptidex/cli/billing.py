"""``reptidex billing paypal-plans``: create the PayPal billing plans that sell ReptiDex's
paid plans through PayPal, and print the settings that name them.

PayPal sells a subscription of a billing plan (``P-…``) of a catalog product; this creates
one product and, for each paid plan, a monthly billing plan at its price, with the platform's
PayPal app (``REPTIDEX_PAYPAL_CLIENT_ID`` and ``_SECRET``, at ``REPTIDEX_PAYPAL_API_BASE``).
Run it once per PayPal account (again after a price changes), and set the lines it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``billing`` commands."""
    billing = subparsers.add_parser(
        "billing",
        help="set up the payment providers that sell the plans",
        description="Set up the payment providers through which organisations pay for plans.",
    )
    actions = billing.add_subparsers(dest="billing_action", metavar="ACTION", required=True)
    plans = actions.add_parser(
        "paypal-plans",
        help="create the PayPal catalog product and billing plans; print their settings",
    )
    plans.set_defaults(func=_paypal_plans)


def _paypal_plans(args: argparse.Namespace) -> int:
    from reptidex.adapters.payments.paypal_api import PayPalConfig
    from reptidex.adapters.payments.paypal_billing import create_paypal_plans
    from reptidex.cli.platform import _fail, _settings
    from reptidex.domain.billing import PLANS, GatewayUnavailable
    from reptidex.services.kernel.settings import SettingsError

    try:
        settings = _settings()
    except SettingsError as exc:
        return _fail(str(exc))
    if not settings.paypal_client_id or not settings.paypal_client_secret:
        return _fail("set REPTIDEX_PAYPAL_CLIENT_ID and REPTIDEX_PAYPAL_CLIENT_SECRET first")
    config = PayPalConfig(
        settings.paypal_client_id,
        settings.paypal_client_secret,
        webhook_id="",
        api_base=settings.paypal_api_base,
        timeout=settings.http_timeout,
    )
    try:
        created = asyncio.run(create_paypal_plans(config, PLANS.values()))
    except GatewayUnavailable as exc:
        print(f"reptidex: {exc.detail}", file=sys.stderr)
        return 1
    for code, plan_id in created.items():
        print(f"REPTIDEX_PAYPAL_PLAN_{code.upper()}={plan_id}")
    return 0
