"""PayPal's REST API as ReptiDex calls it, shared by the marketplace's payments (Orders v2)
and billing's subscriptions (Subscriptions v1), with httpx.

The platform's REST app (client id and secret) authorises each call with an OAuth2
client-credentials token, kept until a minute before it expires. A call sends JSON, with a
``PayPal-Request-Id`` where PayPal should answer a retry with its first answer. PayPal's
error body (``name``, ``details[].issue``) becomes the caller's "unavailable" error. A webhook
is verified by PayPal's ``verify-webhook-signature`` call with its transmission headers and the
id of the webhook it was sent to (each endpoint has its own), within five minutes of its
transmission time. Each user of this module names its own errors, so that the marketplace
raises the marketplace's and billing billing's.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgspec

LIVE_API = "https://api-m.paypal.com"
TOLERANCE = dt.timedelta(minutes=5)
"""How far a webhook's transmission time may be from now."""

PAYPAL_PLACES: dict[str, int] = {
    "AUD": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2, "DKK": 2, "EUR": 2, "GBP": 2,
    "HKD": 2, "HUF": 0, "ILS": 2, "JPY": 0, "MXN": 2, "MYR": 2, "NOK": 2, "NZD": 2, "PHP": 2,
    "PLN": 2, "SEK": 2, "SGD": 2, "THB": 2, "TWD": 0, "USD": 2,
}  # fmt: skip
"""The currencies PayPal takes and its decimals for each (whole forints, yen, dollars)."""

SIGNATURE_HEADERS = {
    "auth_algo": "paypal-auth-algo",
    "cert_url": "paypal-cert-url",
    "transmission_id": "paypal-transmission-id",
    "transmission_sig": "paypal-transmission-sig",
    "transmission_time": "paypal-transmission-time",
}
"""The fields of ``verify-webhook-signature`` and the webhook headers they come from."""

Failure = Callable[[str], Exception]
"""Makes the error its caller raises from a sentence saying what went wrong."""


@dataclass(frozen=True, slots=True)
class PayPalConfig:
    """The platform's REST app (client id and secret), the id of the webhook whose deliveries
    are verified, and the API address."""

    client_id: str
    client_secret: str = field(repr=False)
    webhook_id: str
    api_base: str = LIVE_API
    timeout: float = 10.0


def as_mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def first_of(value: Any) -> Mapping[str, Any]:
    """The first object of a JSON array, or an empty one."""
    return as_mapping(value[0]) if isinstance(value, list) and value else {}


def link(body: Mapping[str, Any], *relations: str) -> str | None:
    """The ``href`` of the first of ``body``'s HATEOAS links with one of ``relations``."""
    links = body.get("links")
    for item in links if isinstance(links, list) else []:
        found = as_mapping(item)
        if found.get("rel") in relations and isinstance(found.get("href"), str):
            return str(found["href"])
    return None


def issue_of(answer: httpx.Response) -> str | None:
    """The first ``details[].issue`` of PayPal's error body, if it has one."""
    try:
        body = answer.json()
    except ValueError:
        return None
    issue = first_of(as_mapping(body).get("details")).get("issue")
    return issue if isinstance(issue, str) else None


class PayPalApi:
    """Calls to PayPal's REST API on one OAuth2 token at a time.

    ``unavailable`` makes the error for a refused or failed call, ``invalid_webhook`` the one
    for a webhook that does not verify.
    """

    def __init__(
        self,
        config: PayPalConfig,
        *,
        unavailable: Failure,
        invalid_webhook: Failure,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.config = config
        self._unavailable = unavailable
        self._invalid_webhook = invalid_webhook
        self._http = client or httpx.AsyncClient(timeout=config.timeout)
        self._token: tuple[str, float] | None = None

    async def _access_token(self) -> str:
        if self._token is not None and self._token[1] > time.monotonic():
            return self._token[0]
        try:
            answer = await self._http.post(
                f"{self.config.api_base}/v1/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(self.config.client_id, self.config.client_secret),
            )
        except httpx.HTTPError as exc:
            raise self._unavailable(f"PayPal did not answer: {exc}") from exc
        body = self.body(answer, "give a token")
        token, lifetime = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not isinstance(lifetime, int):
            raise self._unavailable("PayPal gave no access token.")
        self._token = (token, time.monotonic() + max(lifetime - 60, 0))
        return token

    def body(self, answer: httpx.Response, what: str) -> Mapping[str, Any]:
        """The JSON object PayPal answered; the caller's error when it refused (4xx, 5xx)."""
        try:
            body = answer.json()
        except ValueError:
            body = None
        if answer.status_code >= 400 or not isinstance(body, Mapping):
            name = as_mapping(body).get("name") or answer.status_code
            issue = issue_of(answer)
            raise self._unavailable(
                f"PayPal refused to {what}: {name}" + (f" ({issue})" if issue else "")
            )
        return body

    def refused(self, answer: httpx.Response, what: str) -> Exception:
        """The caller's error for an answer that is not the one expected."""
        issue = issue_of(answer)
        return self._unavailable(
            f"PayPal refused to {what}: {answer.status_code}" + (f" ({issue})" if issue else "")
        )

    async def call(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None,
        *,
        what: str,
        request_id: str | None = None,
    ) -> httpx.Response:
        """Send ``payload`` as JSON (``POST``) or nothing (``GET``) to ``path``; PayPal's
        answer, whatever its status."""
        headers = {"Authorization": f"Bearer {await self._access_token()}"}
        if request_id:
            headers["PayPal-Request-Id"] = request_id
        url = f"{self.config.api_base}{path}"
        try:
            if method == "GET":
                return await self._http.get(url, headers=headers)
            return await self._http.request(method, url, json=payload or {}, headers=headers)
        except httpx.HTTPError as exc:
            raise self._unavailable(f"PayPal did not answer to {what}: {exc}") from exc

    async def verified_event(self, payload: bytes, headers: Mapping[str, str]) -> Mapping[str, Any]:
        """The webhook's event, once PayPal has verified its signature for this webhook.

        ``headers`` are the delivery's, with lower-case names.
        """
        found = {name: headers.get(header) for name, header in SIGNATURE_HEADERS.items()}
        missing = [header for name, header in SIGNATURE_HEADERS.items() if not found[name]]
        if missing:
            raise self._invalid_webhook(f"the webhook lacks {', '.join(missing)}")
        try:
            sent = dt.datetime.fromisoformat(str(found["transmission_time"]))
            event = msgspec.json.decode(payload)
        except (ValueError, msgspec.DecodeError) as exc:
            raise self._invalid_webhook("the webhook is not a PayPal event") from exc
        if sent.tzinfo is None or abs(dt.datetime.now(dt.UTC) - sent) > TOLERANCE:
            raise self._invalid_webhook("the webhook's transmission time is stale")
        if not isinstance(event, dict):
            raise self._invalid_webhook("the webhook is not a PayPal event")
        answer = await self.call(
            "POST",
            "/v1/notifications/verify-webhook-signature",
            {**found, "webhook_id": self.config.webhook_id, "webhook_event": event},
            what="verify a webhook",
        )
        if self.body(answer, "verify a webhook").get("verification_status") != "SUCCESS":
            raise self._invalid_webhook("PayPal did not verify the webhook's signature")
        return event
