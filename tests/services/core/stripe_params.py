"""Stripe's request parameters as the Stripe stand-in reads them: the form decoding of nested
parameters (``line_items[0][price]=…``), the parameters of the endpoints it serves, and the
checks that refuse a request with Stripe's error body (``parameter_unknown``,
``parameter_missing``, ``parameter_invalid_integer``, ``url_invalid``, …).

Stripe knows many more parameters than these; one the adapter starts to send is refused as
unknown until it is added here, with its type.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

FORM = "application/x-www-form-urlencoded"


class StripeRefusal(Exception):
    """A request Stripe would refuse, as its error body says."""

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        status: int = 400,
        kind: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"error": {"type": kind, "message": message}}
        if code:
            self.body["error"]["code"] = code
        if param:
            self.body["error"]["param"] = param


# -- parameter specifications ---------------------------------------------------------------


@dataclass(frozen=True)
class Obj:
    """A hash parameter: its known fields and which of them are required."""

    fields: Mapping[str, Spec]
    required: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Arr:
    """An array parameter of ``item``."""

    item: Spec


@dataclass(frozen=True)
class OneOf:
    """A string from a fixed set."""

    values: tuple[str, ...]


Spec = Obj | Arr | OneOf | str  # str: "string", "integer", "boolean", "url", "email", "metadata"

METADATA_LIMITS = (50, 40, 500)  # keys, characters in a key, characters in a value

CUSTOMER = Obj(
    {
        "email": "email",
        "name": "string",
        "description": "string",
        "phone": "string",
        "metadata": "metadata",
    }
)
CHECKOUT_SESSION = Obj(
    {
        "mode": OneOf(("payment", "setup", "subscription")),
        "customer": "string",
        "customer_email": "email",
        "client_reference_id": "string",
        "line_items": Arr(
            Obj(
                {
                    "price": "string",
                    "price_data": Obj(
                        {
                            "currency": "string",
                            "unit_amount": "integer",
                            "product_data": Obj({"name": "string"}, frozenset({"name"})),
                        },
                        frozenset({"currency", "unit_amount", "product_data"}),
                    ),
                    "quantity": "integer",
                },
                frozenset({"quantity"}),
            )
        ),
        "success_url": "url",
        "cancel_url": "url",
        "metadata": "metadata",
        "payment_intent_data": Obj({"metadata": "metadata"}),
        "subscription_data": Obj(
            {"metadata": "metadata", "trial_period_days": "integer", "description": "string"}
        ),
        "allow_promotion_codes": "boolean",
        "locale": "string",
    },
    frozenset({"mode", "line_items", "success_url", "cancel_url"}),
)
PORTAL_SESSION = Obj(
    {"customer": "string", "return_url": "url", "configuration": "string", "locale": "string"},
    frozenset({"customer", "return_url"}),
)


# -- form decoding, as Stripe reads nested parameters ---------------------------------------

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def decode_form(body: str) -> dict[str, Any]:
    """Decode ``a[b][0][c]=v`` pairs into nested dicts and lists, refusing malformed keys."""
    try:
        pairs = parse_qsl(body, keep_blank_values=True, strict_parsing=bool(body))
    except ValueError as exc:
        raise StripeRefusal(f"Invalid request body: {exc}") from exc
    tree: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if match is None:
            raise StripeRefusal(f"Invalid parameter name: {key}", param=key)
        path = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = tree
        for depth, segment in enumerate(path):
            if segment == "":  # a[]=x appends
                segment = str(len(node))
            last = depth == len(path) - 1
            if last:
                if segment in node:
                    raise StripeRefusal(f"Received the parameter {key} twice", param=key)
                node[segment] = value
            else:
                child = node.setdefault(segment, {})
                if not isinstance(child, dict):
                    raise StripeRefusal(f"Invalid hash: {key}", param=key)
                node = child
    converted = _arrays(tree, "")
    assert isinstance(converted, dict)
    return converted


def _arrays(node: Any, path: str) -> Any:
    """Hashes keyed 0..n-1 become lists, as Stripe reads indexed parameters."""
    if not isinstance(node, dict):
        return node
    keys = list(node)
    named = {key: _arrays(node[key], f"{path}[{key}]" if path else key) for key in keys}
    if keys and all(key.isdigit() for key in keys):
        if sorted(int(key) for key in keys) != list(range(len(keys))):
            raise StripeRefusal(f"Invalid array: {path}", param=path)
        return [named[str(index)] for index in range(len(keys))]
    return named


def check(spec: Spec, value: Any, path: str) -> None:
    """Refuse ``value`` at ``path`` unless it fits ``spec``, with Stripe's messages."""
    if isinstance(spec, Obj):
        if not isinstance(value, dict):
            raise StripeRefusal(f"Invalid hash: {path}", param=path)
        for key, item in value.items():
            where = f"{path}[{key}]" if path else key
            if key not in spec.fields:
                raise StripeRefusal(
                    f"Received unknown parameter: {where}", param=where, code="parameter_unknown"
                )
            check(spec.fields[key], item, where)
        for key in sorted(spec.required):
            if value.get(key) in (None, ""):
                where = f"{path}[{key}]" if path else key
                raise StripeRefusal(
                    f"Missing required param: {where}.", param=where, code="parameter_missing"
                )
    elif isinstance(spec, Arr):
        if not isinstance(value, list):
            raise StripeRefusal(f"Invalid array: {path}", param=path)
        for index, item in enumerate(value):
            check(spec.item, item, f"{path}[{index}]")
    elif spec == "metadata":
        _check_metadata(value, path)
    elif not isinstance(value, str):
        raise StripeRefusal(f"Invalid string: {path}", param=path)
    elif isinstance(spec, OneOf):
        if value not in spec.values:
            choices = ", ".join(spec.values)
            raise StripeRefusal(f"Invalid {path}: must be one of {choices}", param=path)
    else:
        _SCALARS[spec](value, path)


def _string(value: str, path: str) -> None:
    return None


def _integer(value: str, path: str) -> None:
    if not re.fullmatch(r"-?\d+", value):
        raise StripeRefusal(
            f"Invalid integer: {value}", param=path, code="parameter_invalid_integer"
        )


def _boolean(value: str, path: str) -> None:
    if value not in ("true", "false"):
        raise StripeRefusal(f"Invalid boolean: {value}", param=path)


def _url(value: str, path: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise StripeRefusal("Not a valid URL", param=path, code="url_invalid")


def _email(value: str, path: str) -> None:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise StripeRefusal(f"Invalid email address: {value}", param=path, code="email_invalid")


_SCALARS: dict[str, Callable[[str, str], None]] = {
    "string": _string,
    "integer": _integer,
    "boolean": _boolean,
    "url": _url,
    "email": _email,
}


def _check_metadata(value: Any, path: str) -> None:
    if value == "":  # metadata="" clears it
        return
    if not isinstance(value, dict):
        raise StripeRefusal(f"Invalid hash: {path}", param=path)
    most, key_length, value_length = METADATA_LIMITS
    if len(value) > most:
        raise StripeRefusal(f"Invalid {path}: at most {most} keys", param=path)
    for name, item in value.items():
        where = f"{path}[{name}]"
        if not isinstance(item, str):
            raise StripeRefusal(f"Invalid string: {where}", param=where)
        if len(name) > key_length or len(item) > value_length:
            raise StripeRefusal(
                f"Metadata keys are at most {key_length} characters and values at most "
                f"{value_length}",
                param=where,
            )
