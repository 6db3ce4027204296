"""The web push channel: a notification encrypted to each of its user's browser
subscriptions (RFC 8291, ``aes128gcm`` content coding of RFC 8188, through ``http_ece``) and
posted to their push services with a VAPID signature (RFC 8292: an ES256 JWT naming the push
service's origin, with the application server's public key).

The VAPID key pair is derived from a secret every replica shares, so browsers subscribed
through one replica verify the pushes of all (the public key is their
``applicationServerKey``). A push service answering 404 or 410 has dropped the subscription:
it is forgotten. A retry posts to every subscription again, those that accepted included.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
from collections.abc import Awaitable, Callable

import http_ece
import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from reptidex.domain.notifications.model import PushSubscription
from reptidex.domain.notifications.ports import OutgoingMessage
from reptidex.domain.notifications.push import decoded, origin_of

TTL_SECONDS = 86400
"""How long a push service keeps a push for an offline browser."""
MAX_BODY = 2000
"""Characters of the body a push carries (the encrypted payload stays under 4 KB)."""
_P256_ORDER = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)


class PushRefused(Exception):
    """No push service took the notification."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class VapidKey:
    """The application server's P-256 key pair and its contact (``mailto:`` or ``https:``)."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, subject: str) -> None:
        self._private_key = private_key
        self.subject = subject

    @classmethod
    def derived(cls, secret: bytes, subject: str) -> VapidKey:
        """The key pair derived from ``secret`` (the same secret, the same key)."""
        digest = hmac.new(secret, b"reptidex-vapid-p256", hashlib.sha512).digest()
        scalar = int.from_bytes(digest, "big") % (_P256_ORDER - 1) + 1
        return cls(ec.derive_private_key(scalar, ec.SECP256R1()), subject)

    @property
    def public_key(self) -> str:
        """The uncompressed public point, base64url: the browsers' ``applicationServerKey``."""
        point = self._private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return _b64(point)

    def authorization(self, endpoint: str, now: dt.datetime) -> str:
        """The ``Authorization`` header of a push to ``endpoint`` (valid for 12 hours)."""
        claims = {
            "aud": origin_of(endpoint),
            "exp": int((now + dt.timedelta(hours=12)).timestamp()),
            "sub": self.subject,
        }
        token = jwt.encode(claims, self._private_key, algorithm="ES256")
        return f"vapid t={token}, k={self.public_key}"


def encrypted(payload: bytes, subscription: PushSubscription) -> bytes:
    """``payload`` encrypted to ``subscription`` (a fresh sender key and salt each time)."""
    sender = ec.generate_private_key(ec.SECP256R1())
    return bytes(
        http_ece.encrypt(
            payload,
            salt=os.urandom(16),
            private_key=sender,
            dh=decoded(subscription.p256dh),
            auth_secret=decoded(subscription.auth),
            version="aes128gcm",
        )
    )


def payload_of(message: OutgoingMessage) -> bytes:
    """What the service worker receives: the notification as JSON."""
    notification = message.notification
    return json.dumps(
        {
            "id": str(notification.id),
            "kind": notification.kind,
            "title": notification.title,
            "body": notification.body[:MAX_BODY],
            "link": notification.link,
        },
        ensure_ascii=False,
    ).encode()


class WebPushChannel:
    """A :class:`~reptidex.domain.notifications.ports.ChannelSender` over web push.

    ``subscriptions_of`` reads a user's subscriptions and ``forget`` drops one a push service
    no longer knows."""

    def __init__(
        self,
        vapid: VapidKey,
        subscriptions_of: Callable[[OutgoingMessage], Awaitable[list[PushSubscription]]],
        forget: Callable[[PushSubscription], Awaitable[None]],
        *,
        timeout: float = 10.0,
    ) -> None:
        self.vapid = vapid
        self._subscriptions_of = subscriptions_of
        self._forget = forget
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def send(self, message: OutgoingMessage) -> None:
        """Push ``message`` to every subscription of its user; :class:`PushRefused` when none
        took it."""
        subscriptions = await self._subscriptions_of(message)
        payload = payload_of(message)
        accepted, refusals = 0, []
        for subscription in subscriptions:
            answer = await self._client.post(
                subscription.endpoint,
                content=encrypted(payload, subscription),
                headers={
                    "Authorization": self.vapid.authorization(
                        subscription.endpoint, dt.datetime.now(dt.UTC)
                    ),
                    "Content-Encoding": "aes128gcm",
                    "Content-Type": "application/octet-stream",
                    "TTL": str(TTL_SECONDS),
                    "Urgency": "normal",
                },
            )
            if answer.status_code in (200, 201, 202):
                accepted += 1
            elif answer.status_code in (404, 410):
                await self._forget(subscription)
            else:
                refusals.append(f"{origin_of(subscription.endpoint)} answered {answer.status_code}")
        if not accepted:
            raise PushRefused("; ".join(refusals) or "the user has no push subscription")

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()
