"""One-click unsubscribe links: a token signed with the service's key that names a user, a
kind and a channel, verified without a login (RFC 8058), and the unsubscribe it allows.

The token is ``<payload>.<signature>``, both unpadded base64url: the payload is
``v1|<user id>|<kind>|<channel>`` and the signature its HMAC-SHA256 under the unsubscribe
key. It does not expire: a link in a mail from last year still unsubscribes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass

from reptidex.domain.errors import InvalidInput
from reptidex.domain.notifications.model import Channel
from reptidex.domain.notifications.ports import NotificationUnitOfWork
from reptidex.domain.notifications.settings import Choice, choose
from reptidex.domain.notifications.templates import KINDS

_VERSION = "v1"
MAX_TOKEN_LENGTH = 400


@dataclass(frozen=True, slots=True)
class Unsubscription:
    """What a token unsubscribes: one kind on one channel for one user."""

    user_id: uuid.UUID
    kind: str
    channel: Channel


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: bytes, what: Unsubscription) -> str:
    """The token for ``what``.

    >>> token = sign(b"k" * 32, Unsubscription(uuid.UUID(int=1), "order.paid", Channel.EMAIL))
    >>> verify(b"k" * 32, token).kind
    'order.paid'
    """
    payload = f"{_VERSION}|{what.user_id}|{what.kind}|{what.channel}".encode()
    mac = hmac.new(key, payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(mac)}"


def verify(key: bytes, token: str) -> Unsubscription:
    """What ``token`` unsubscribes; :class:`InvalidInput` when it is not one this key signed.

    >>> verify(b"k" * 32, "bm90.aXQ")
    Traceback (most recent call last):
    ...
    reptidex.domain.errors.InvalidInput: This unsubscribe link is not valid.
    """
    refused = InvalidInput("This unsubscribe link is not valid.")
    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise refused
    encoded, signature = token.split(".")
    try:
        payload, mac = _unb64(encoded), _unb64(signature)
    except ValueError as exc:
        raise refused from exc
    if _b64(payload) != encoded or _b64(mac) != signature:
        raise refused  # padding, a stray character or unused bits set: not what sign wrote
    if not hmac.compare_digest(mac, hmac.new(key, payload, hashlib.sha256).digest()):
        raise refused
    try:
        version, user, kind, channel = payload.decode().split("|")
        what = Unsubscription(uuid.UUID(user), kind, Channel(channel))
    except ValueError as exc:
        raise refused from exc
    if version != _VERSION or what.kind not in KINDS:
        raise refused
    return what


async def unsubscribe(uow: NotificationUnitOfWork, key: bytes, token: str) -> Unsubscription:
    """Turn off what ``token`` names (doing it twice changes nothing more); commit."""
    what = verify(key, token)
    await choose(uow, what.user_id, [Choice(what.kind, what.channel, False)], None)
    return what
