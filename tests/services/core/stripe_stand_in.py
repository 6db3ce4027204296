"""A local stand-in for the Stripe endpoints localstripe lacks (Checkout Sessions and billing
portal sessions, plus customers so one stand-in serves a whole checkout), which checks every
request the way Stripe does and refuses a malformed one in Stripe's error shape.

Checked, as Stripe does: the secret key (``Authorization: Bearer``, else 401); a form-encoded
body whose nested parameters (``line_items[0][price]``) decode into well-formed objects and
arrays; no parameter it does not know (``parameter_unknown``); the required ones
(``parameter_missing``); integers, URLs and enumerations; prices and customers that exist
(``resource_missing``); ``customer`` and ``customer_email`` not both; ``Idempotency-Key`` (the
same key with the same parameters replays the first answer, with others it is an
``idempotency_error``). Where ReptiDex needs more than Stripe insists on, the stand-in requires
it too: a checkout names its customer and a cancel URL, a portal session a return URL.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl

from billing_testkit import PRICES, SECRET_KEY
from stripe_params import (
    CHECKOUT_SESSION,
    CUSTOMER,
    FORM,
    PORTAL_SESSION,
    StripeRefusal,
    check,
    decode_form,
)


@dataclass
class RecordedRequest:
    """One request as the stand-in received it, and its answer."""

    method: str
    path: str
    form: dict[str, str]
    authorization: str | None
    idempotency_key: str | None
    status: int = 0
    answer: dict[str, Any] = field(default_factory=dict)


class StripeStandIn:
    """Serves ``POST /v1/customers``, ``/v1/checkout/sessions`` and
    ``/v1/billing_portal/sessions`` on a free local port while in a ``with`` block.

    ``prices`` are the price ids Stripe knows; ``customers`` the customer ids that exist
    before any is created. Every request is kept in :attr:`requests`, refused ones too.
    """

    def __init__(
        self,
        *,
        secret_key: str = SECRET_KEY,
        prices: Iterable[str] = PRICES.values(),
        customers: Iterable[str] = (),
    ) -> None:
        self.secret_key = secret_key
        self.prices = set(prices)
        self.customers: dict[str, dict[str, Any]] = {
            ref: {"id": ref, "object": "customer"} for ref in customers
        }
        self.requests: list[RecordedRequest] = []
        self._replies: dict[str, tuple[str, dict[str, str], dict[str, Any]]] = {}
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- one request ------------------------------------------------------------------------

    def answer(
        self, method: str, path: str, headers: Mapping[str, str], body: str
    ) -> tuple[int, dict[str, Any], bool]:
        """``(status, JSON body, replayed)`` for one request (``headers`` named in lower case);
        records it."""
        pairs = parse_qsl(body, keep_blank_values=True)
        request = RecordedRequest(
            method,
            path,
            dict(pairs),
            headers.get("authorization"),
            headers.get("idempotency-key"),
        )
        with self._lock:
            self.requests.append(request)
            replayed = False
            try:
                self._authorise(request.authorization)
                replay = self._replay(request)
                if replay is not None:
                    status, answer, replayed = 200, replay, True
                else:
                    answer = self._route(method, path, headers.get("content-type"), body)
                    status = 200
                    if request.idempotency_key:
                        self._replies[request.idempotency_key] = (path, request.form, answer)
            except StripeRefusal as refusal:
                status, answer = refusal.status, refusal.body
            request.status, request.answer = status, answer
            return status, answer, replayed

    def _authorise(self, authorization: str | None) -> None:
        if not authorization:
            raise StripeRefusal(
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY').",
                status=401,
            )
        scheme, _, key = authorization.partition(" ")
        if scheme != "Bearer" or key != self.secret_key:
            shown = f"{key[:8]}{'*' * 4}{key[-4:]}" if len(key) > 12 else key
            raise StripeRefusal(f"Invalid API Key provided: {shown}", status=401)

    def _replay(self, request: RecordedRequest) -> dict[str, Any] | None:
        key = request.idempotency_key
        if key is None:
            return None
        if len(key) > 255:
            raise StripeRefusal(
                "Idempotency-Key is too long: at most 255 characters", param="Idempotency-Key"
            )
        earlier = self._replies.get(key)
        if earlier is None:
            return None
        path, form, answer = earlier
        if (path, form) != (request.path, request.form):
            raise StripeRefusal(
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request.",
                kind="idempotency_error",
            )
        return answer

    def _route(self, method: str, path: str, content_type: str | None, body: str) -> dict[str, Any]:
        routes = {
            "/v1/customers": (CUSTOMER, self._customer),
            "/v1/checkout/sessions": (CHECKOUT_SESSION, self._checkout_session),
            "/v1/billing_portal/sessions": (PORTAL_SESSION, self._portal_session),
        }
        if method != "POST" or path not in routes:
            raise StripeRefusal(
                f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs",
                status=404,
            )
        if body and (content_type or "").split(";")[0].strip() != FORM:
            raise StripeRefusal(f"Invalid request: the body must be {FORM}")
        spec, create = routes[path]
        params = decode_form(body)
        check(spec, params, "")
        return create(params)

    def _known_customer(self, ref: str, param: str = "customer") -> None:
        if ref not in self.customers:
            raise StripeRefusal(f"No such customer: '{ref}'", param=param, code="resource_missing")

    def _customer(self, params: dict[str, Any]) -> dict[str, Any]:
        ref = f"cus_test_{next(self._numbers)}"
        customer = {
            "id": ref,
            "object": "customer",
            "created": int(time.time()),
            "email": params.get("email"),
            "name": params.get("name"),
            "metadata": params.get("metadata") or {},
            "livemode": False,
        }
        self.customers[ref] = customer
        return customer

    def _checkout_session(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("customer") and params.get("customer_email"):
            raise StripeRefusal(
                "You may only specify one of these parameters: customer, customer_email.",
                param="customer",
                code="parameters_exclusive",
            )
        if not params.get("customer") and not params.get("customer_email"):
            raise StripeRefusal(
                "Missing required param: customer (ReptiDex names the customer of each "
                "checkout, so that Stripe does not create a second one).",
                param="customer",
                code="parameter_missing",
            )
        if params.get("customer"):
            self._known_customer(params["customer"])
        for index, item in enumerate(params["line_items"]):
            where = f"line_items[{index}]"
            if ("price" in item) == ("price_data" in item):
                raise StripeRefusal(
                    "You must specify exactly one of price or price_data.",
                    param=f"{where}[price]",
                    code="parameter_missing",
                )
            if "price_data" in item:
                if int(item["price_data"]["unit_amount"]) < 1:
                    raise StripeRefusal(
                        "This value must be greater than or equal to 1.",
                        param=f"{where}[price_data][unit_amount]",
                        code="parameter_invalid_integer",
                    )
            elif item["price"] not in self.prices:
                raise StripeRefusal(
                    f"No such price: '{item['price']}'",
                    param=f"{where}[price]",
                    code="resource_missing",
                )
            if int(item["quantity"]) < 1:
                raise StripeRefusal(
                    "This value must be greater than or equal to 1.",
                    param=f"{where}[quantity]",
                    code="parameter_invalid_integer",
                )
        ref = f"cs_test_{uuid.uuid4().hex}"
        created = int(time.time())
        return {
            "id": ref,
            "object": "checkout.session",
            "mode": params["mode"],
            "customer": params.get("customer"),
            "customer_email": params.get("customer_email"),
            "client_reference_id": params.get("client_reference_id"),
            "success_url": params["success_url"],
            "cancel_url": params["cancel_url"],
            "metadata": params.get("metadata") or {},
            "status": "open",
            "payment_status": "unpaid",
            "subscription": None,
            "created": created,
            "expires_at": created + 24 * 3600,
            "livemode": False,
            "url": f"https://checkout.stripe.test/c/pay/{ref}",
        }

    def _portal_session(self, params: dict[str, Any]) -> dict[str, Any]:
        self._known_customer(params["customer"])
        ref = f"bps_test_{next(self._numbers)}"
        return {
            "id": ref,
            "object": "billing_portal.session",
            "configuration": "bpc_test_default",
            "customer": params["customer"],
            "return_url": params["return_url"],
            "created": int(time.time()),
            "livemode": False,
            "url": f"https://billing.stripe.test/p/session/{ref}",
        }

    # -- HTTP -------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                self._serve("POST")

            def do_GET(self) -> None:
                self._serve("GET")

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                headers = {name.lower(): value for name, value in self.headers.items()}
                status, answer, replayed = stand_in.answer(method, self.path, headers, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_test_{uuid.uuid4().hex[:14]}")
                if replayed:
                    self.send_header("Idempotent-Replayed", "true")
                self.end_headers()
                self.wfile.write(data)

        return Handler
