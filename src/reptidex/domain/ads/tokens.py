"""Signed impression and click tokens: what ``GET /ads/serve`` hands out with each sponsored
slot, and what ``POST /ads/impressions`` and ``POST /ads/clicks`` accept back.

A token is the compact JSON of its :class:`AdTicket`, base64url without padding, a dot and the
HMAC-SHA256 of that text under the service's key. Nobody can make one for a campaign, a slot or
a time of their choosing, nor turn an impression token into a click token.

>>> signer = TicketSigner(b"k" * 32)
>>> ticket = AdTicket(kind="impression", campaign_id="c1", organisation_id="o1", slot=0,
...                   target="l1", expires_at=2_000_000_000)
>>> signer.read(signer.sign(ticket)) == ticket
True
>>> signer.read(signer.sign(ticket)[:-2] + "AA")
Traceback (most recent call last):
...
reptidex.domain.errors.InvalidInput: The ad token is not valid.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Literal

import msgspec

from reptidex.domain.errors import InvalidInput

MAX_TOKEN = 600
"""The longest token accepted, in characters."""


class AdTicket(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What a token vouches for: an impression or a click of a campaign's slot, until
    ``expires_at`` (seconds since the epoch)."""

    kind: Literal["impression", "click"]
    campaign_id: str
    organisation_id: str
    slot: int
    target: str
    expires_at: int


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(AdTicket)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TicketSigner:
    """Signs and reads tickets with one secret key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("an ad token key has at least 16 bytes")
        self._key = key

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def sign(self, ticket: AdTicket) -> str:
        """The token of ``ticket``."""
        body = _b64(_encoder.encode(ticket))
        return f"{body}.{self._mac(body)}"

    def read(self, token: str) -> AdTicket:
        """The ticket a token of this key vouches for; :class:`InvalidInput` for anything
        else (expiry is the caller's to check)."""
        invalid = InvalidInput("The ad token is not valid.", field_errors={"token": "invalid"})
        body, dot, mac = token.partition(".")
        # compared as bytes: compare_digest refuses text that is not ASCII
        expected = self._mac(body).encode()
        if len(token) > MAX_TOKEN or not dot or not hmac.compare_digest(mac.encode(), expected):
            raise invalid
        try:
            return _decoder.decode(_unb64(body))
        except (msgspec.DecodeError, binascii.Error, ValueError):
            raise invalid from None
