"""The request bodies of the PayPal calls ReptiDex makes, as PayPal's API reference describes
them (paypal-rest-api-specifications: catalogs_products_v1, billing_subscriptions_v1,
checkout_orders_v2, payments_payment_v2, notifications_webhooks_v1), and the check the PayPal
stand-in makes of each body.

Checked as PayPal checks them: a missing required field, a value of the wrong JSON type,
length, pattern, enumeration or range, and a field the schema does not have. Each is refused
with PayPal's ``400 INVALID_REQUEST`` body naming the field by its JSON pointer. Objects the
reference defines but ReptiDex never sends (a subscriber's shipping address, a plan override,
tiered pricing) are accepted as objects without looking inside.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from http_stand_in import ApiError

DECIMAL = r"^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$"
DATE_TIME = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])[T,t]([0-1][0-9]|2[0-3]):[0-5][0-9]"
    r":([0-5][0-9]|60)([.][0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
URI = r"^https?://\S+$"
ACCOUNT_ID = r"^[2-9A-HJ-NP-Z]{13}$"
CAPS = r"^[A-Z_]+$"


@dataclass(frozen=True)
class Text:
    """A JSON string."""

    low: int = 1
    high: int = 127
    pattern: str | None = None
    enum: tuple[str, ...] = ()


@dataclass(frozen=True)
class Whole:
    """A JSON integer."""

    low: int
    high: int


@dataclass(frozen=True)
class Flag:
    """A JSON boolean."""


@dataclass(frozen=True)
class Obj:
    """A JSON object of ``fields`` (``opaque``: any object, not looked into)."""

    fields: Mapping[str, Spec] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    opaque: bool = False


@dataclass(frozen=True)
class Many:
    """A JSON array of ``item``."""

    item: Spec
    low: int = 1
    high: int = 32


Spec = Text | Whole | Flag | Obj | Many

OPAQUE = Obj(opaque=True)


def refusal(pointer: str, issue: str, description: str) -> ApiError:
    """PayPal's answer to a body that violates its schema."""
    return ApiError(
        400,
        {
            "name": "INVALID_REQUEST",
            "message": "Request is not well-formed, syntactically incorrect, or violates schema.",
            "debug_id": "f0a1b2c3d4e5f",
            "details": [
                {
                    "field": pointer or "/",
                    "location": "body",
                    "issue": issue,
                    "description": description,
                }
            ],
        },
    )


def check(spec: Spec, value: Any, pointer: str = "") -> None:
    """Refuse ``value`` as PayPal would (:class:`ApiError`) unless it fits ``spec``."""
    if isinstance(spec, Text):
        _check_text(spec, value, pointer)
    elif isinstance(spec, Whole):
        if not isinstance(value, int) or isinstance(value, bool):
            raise refusal(pointer, "INVALID_PARAMETER_SYNTAX", "An integer is expected.")
        if value < spec.low:
            raise refusal(pointer, "INVALID_INTEGER_MIN_VALUE", "The integer is too small.")
        if value > spec.high:
            raise refusal(pointer, "INVALID_INTEGER_MAX_VALUE", "The integer is too large.")
    elif isinstance(spec, Flag):
        if not isinstance(value, bool):
            raise refusal(pointer, "INVALID_PARAMETER_SYNTAX", "A boolean is expected.")
    elif isinstance(spec, Many):
        if not isinstance(value, list):
            raise refusal(pointer, "INVALID_PARAMETER_SYNTAX", "An array is expected.")
        if len(value) < spec.low:
            raise refusal(pointer, "INVALID_ARRAY_MIN_ITEMS", "The array has too few items.")
        if len(value) > spec.high:
            raise refusal(pointer, "INVALID_ARRAY_MAX_ITEMS", "The array has too many items.")
        for index, item in enumerate(value):
            check(spec.item, item, f"{pointer}/{index}")
    else:
        _check_object(spec, value, pointer)


def _check_text(spec: Text, value: Any, pointer: str) -> None:
    if not isinstance(value, str):
        raise refusal(pointer, "INVALID_PARAMETER_SYNTAX", "A string is expected.")
    if len(value) < spec.low:
        raise refusal(pointer, "INVALID_STRING_MIN_LENGTH", "The value of a field is too short.")
    if len(value) > spec.high:
        raise refusal(pointer, "INVALID_STRING_MAX_LENGTH", "The value of a field is too long.")
    if spec.enum and value not in spec.enum:
        raise refusal(pointer, "INVALID_PARAMETER_VALUE", "The value of a field is invalid.")
    if spec.pattern and not re.search(spec.pattern, value):
        raise refusal(
            pointer,
            "INVALID_PARAMETER_SYNTAX",
            "The value of a field does not conform to the expected format.",
        )


def _check_object(spec: Obj, value: Any, pointer: str) -> None:
    if not isinstance(value, dict):
        raise refusal(pointer, "INVALID_PARAMETER_SYNTAX", "An object is expected.")
    if spec.opaque:
        return
    for name in sorted(spec.required):
        if name not in value:
            raise refusal(
                f"{pointer}/{name}", "MISSING_REQUIRED_PARAMETER", "A required field is missing."
            )
    for name, item in value.items():
        if name not in spec.fields:
            raise refusal(
                f"{pointer}/{name}",
                "INVALID_PARAMETER_SYNTAX",
                "The field is not part of the request's schema.",
            )
        check(spec.fields[name], item, f"{pointer}/{name}")


def _enum(*values: str) -> Text:
    return Text(1, 24, CAPS, values)


MONEY = Obj(
    {"currency_code": Text(3, 3, r"^[A-Z]{3}$"), "value": Text(1, 32, DECIMAL)},
    frozenset({"currency_code", "value"}),
)
NAME = Obj(
    {
        name: Text(0, 300 if name.endswith("full_name") else 140)
        for name in (
            "prefix",
            "given_name",
            "surname",
            "middle_name",
            "suffix",
            "alternate_full_name",
            "full_name",
        )
    }
)

# -- catalog products and billing plans -----------------------------------------------------

PRODUCT = Obj(
    {
        "id": Text(6, 50),
        "name": Text(1, 127),
        "description": Text(1, 256),
        "type": _enum("PHYSICAL", "DIGITAL", "SERVICE"),
        "category": Text(4, 256, r"^[A-Z_.]+$"),
        "image_url": Text(1, 2000, URI),
        "home_url": Text(1, 2000, URI),
    },
    frozenset({"name", "type"}),
)

BILLING_CYCLE = Obj(
    {
        "pricing_scheme": Obj({"fixed_price": MONEY, "pricing_model": OPAQUE, "tiers": OPAQUE}),
        "frequency": Obj(
            {
                "interval_unit": _enum("DAY", "WEEK", "MONTH", "YEAR"),
                "interval_count": Whole(1, 365),
            },
            frozenset({"interval_unit"}),
        ),
        "tenure_type": _enum("REGULAR", "TRIAL"),
        "sequence": Whole(1, 99),
        "total_cycles": Whole(0, 999),
    },
    frozenset({"frequency", "tenure_type", "sequence"}),
)

PLAN = Obj(
    {
        "product_id": Text(6, 50),
        "name": Text(1, 127),
        "status": _enum("CREATED", "INACTIVE", "ACTIVE"),
        "description": Text(1, 127),
        "billing_cycles": Many(BILLING_CYCLE, 1, 12),
        "payment_preferences": Obj(
            {
                "auto_bill_outstanding": Flag(),
                "setup_fee": MONEY,
                "setup_fee_failure_action": _enum("CONTINUE", "CANCEL"),
                "payment_failure_threshold": Whole(0, 999),
            }
        ),
        "taxes": Obj(
            {"percentage": Text(1, 32, DECIMAL), "inclusive": Flag()}, frozenset({"percentage"})
        ),
        "quantity_supported": Flag(),
    },
    frozenset({"name", "billing_cycles", "payment_preferences", "product_id"}),
)

# -- subscriptions --------------------------------------------------------------------------

SUBSCRIPTION = Obj(
    {
        "plan_id": Text(3, 50),
        "start_time": Text(20, 64, DATE_TIME),
        "quantity": Text(1, 32, r"^([0-9]+|([0-9]+)?[.][0-9]+)$"),
        "shipping_amount": MONEY,
        "subscriber": Obj(
            {
                "email_address": Text(3, 254, EMAIL),
                "name": NAME,
                "phone": OPAQUE,
                "shipping_address": OPAQUE,
                "payment_source": OPAQUE,
            }
        ),
        "auto_renewal": Flag(),
        "application_context": Obj(
            {
                "brand_name": Text(1, 127),
                "locale": Text(2, 10, r"^[a-z]{2}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}))?$"),
                "shipping_preference": _enum(
                    "GET_FROM_FILE", "NO_SHIPPING", "SET_PROVIDED_ADDRESS"
                ),
                "user_action": _enum("CONTINUE", "SUBSCRIBE_NOW"),
                "payment_method": OPAQUE,
                "return_url": Text(10, 4000, URI),
                "cancel_url": Text(10, 4000, URI),
            },
            frozenset({"return_url", "cancel_url"}),
        ),
        "custom_id": Text(1, 127, r"^[\x20-\x7E]+$"),
        "plan": OPAQUE,
    },
    frozenset({"plan_id"}),
)

CANCEL = Obj({"reason": Text(1, 128)}, frozenset({"reason"}))

# -- orders, refunds, webhooks --------------------------------------------------------------

PURCHASE_UNIT = Obj(
    {
        "reference_id": Text(1, 256),
        "amount": Obj({**MONEY.fields, "breakdown": OPAQUE}, frozenset({"currency_code", "value"})),
        "payee": Obj(
            {"email_address": Text(3, 254, EMAIL), "merchant_id": Text(13, 13, ACCOUNT_ID)}
        ),
        "payment_instruction": Obj(
            {
                "platform_fees": Many(
                    Obj({"amount": MONEY, "payee": OPAQUE}, frozenset({"amount"})), 1, 1
                ),
                "disbursement_mode": Text(1, 16, CAPS, ("INSTANT", "DELAYED")),
                "payee_pricing_tier_id": Text(1, 20),
                "payee_receivable_fx_rate_id": Text(1, 4000),
            }
        ),
        "description": Text(1, 127),
        "custom_id": Text(1, 127),
        "invoice_id": Text(1, 127),
        "soft_descriptor": Text(1, 22),
        "items": OPAQUE,
        "shipping": OPAQUE,
        "supplementary_data": OPAQUE,
    },
    frozenset({"amount"}),
)

ORDER = Obj(
    {
        "intent": Text(1, 255, CAPS, ("CAPTURE", "AUTHORIZE")),
        "payer": OPAQUE,
        "purchase_units": Many(PURCHASE_UNIT, 1, 10),
        "payment_source": Obj(
            {
                "paypal": Obj(
                    {
                        "experience_context": Obj(
                            {
                                "brand_name": Text(1, 127),
                                "locale": Text(2, 10),
                                "shipping_preference": _enum(
                                    "GET_FROM_FILE", "NO_SHIPPING", "SET_PROVIDED_ADDRESS"
                                ),
                                "return_url": Text(1, 4000, URI),
                                "cancel_url": Text(1, 4000, URI),
                                "landing_page": _enum("LOGIN", "GUEST_CHECKOUT", "NO_PREFERENCE"),
                                "user_action": _enum("CONTINUE", "PAY_NOW"),
                                "payment_method_preference": _enum(
                                    "UNRESTRICTED", "IMMEDIATE_PAYMENT_REQUIRED"
                                ),
                            }
                        ),
                        "email_address": Text(3, 254, EMAIL),
                        "name": NAME,
                        "vault_id": Text(1, 255),
                        "phone": OPAQUE,
                        "birth_date": Text(10, 10),
                        "tax_info": OPAQUE,
                        "address": OPAQUE,
                        "attributes": OPAQUE,
                        "billing_agreement_id": Text(1, 128),
                    }
                )
            }
        ),
        "application_context": OPAQUE,
    },
    frozenset({"intent", "purchase_units"}),
)

CAPTURE = Obj({"payment_source": OPAQUE})

REFUND = Obj(
    {
        "amount": MONEY,
        "custom_id": Text(1, 127),
        "invoice_id": Text(1, 127),
        "note_to_payer": Text(1, 255),
        "payment_instruction": OPAQUE,
    }
)

VERIFY_WEBHOOK_SIGNATURE = Obj(
    {
        "auth_algo": Text(1, 100, r"^[a-zA-Z0-9]+$"),
        "cert_url": Text(1, 500, URI),
        "transmission_id": Text(1, 50, r"^(?!\d+$)\w+\S+"),
        "transmission_sig": Text(1, 500, r"^(?!\d+$)\w+\S+"),
        "transmission_time": Text(1, 100, DATE_TIME),
        "webhook_id": Text(1, 50, r"^[a-zA-Z0-9]+$"),
        "webhook_event": OPAQUE,
    },
    frozenset(
        {
            "auth_algo",
            "cert_url",
            "transmission_id",
            "transmission_sig",
            "transmission_time",
            "webhook_id",
            "webhook_event",
        }
    ),
)
