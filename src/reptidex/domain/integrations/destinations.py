"""Where a webhook may be sent: the guard against server-side request forgery.

A subscription's URL must be ``https`` (``http`` only where the platform allows local
destinations, for development and tests), without credentials or fragment, and its host must
resolve only to public addresses: never loopback (unless allowed), private, link-local (the
cloud metadata address ``169.254.169.254`` among them), shared, multicast, reserved or
unspecified ones, nor an IPv6 form embedding one of those. The check runs when the URL is
subscribed and again before every delivery, and the delivery then connects to the address
that was checked (``pinned``), so a name that changes its answer in between gains nothing.

>>> parse_destination("https://hooks.example.com/reptidex?x=1", allow_local=False).pinned(
...     ipaddress.ip_address("2001:db8::1"))
'https://[2001:db8::1]:443/reptidex?x=1'
>>> refusal(ipaddress.ip_address("169.254.169.254"), allow_local=True)
'a link-local address'
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeAlias
from urllib.parse import urlsplit

from reptidex.domain.errors import InvalidInput

Address: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2048
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class DestinationRefused(InvalidInput):
    """A webhook URL the platform will not call (HTTP 422 when subscribing)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"This webhook URL is refused: {reason}.", field_errors={"url": reason})
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Destination:
    """A checked URL's parts: the host to resolve and where on it to send."""

    scheme: str
    host: str
    port: int
    target: str
    """The path and query (``/`` at least)."""

    def pinned(self, address: Address) -> str:
        """The URL with ``address`` in place of the host name (sent with ``Host`` and TLS
        server name set to :attr:`host`)."""
        shown = f"[{address}]" if address.version == 6 else str(address)
        return f"{self.scheme}://{shown}:{self.port}{self.target}"


@dataclass(frozen=True, slots=True)
class PinnedDestination:
    """A destination and the public address it was found at."""

    destination: Destination
    address: Address


class AddressResolver(Protocol):
    """The addresses a host name resolves to (DNS, or the literal itself)."""

    async def resolve(self, host: str, port: int) -> Sequence[Address]:
        """Every address of ``host``; :class:`DestinationRefused` when it does not resolve."""
        ...


def parse_destination(url: str, *, allow_local: bool) -> Destination:
    """The parts of a webhook ``url``.

    Raises:
        DestinationRefused: not an absolute https URL (http too with ``allow_local``), too
            long, with credentials, a fragment, blanks or a bad port.
    """
    if len(url) > MAX_URL_LENGTH:
        raise DestinationRefused(f"longer than {MAX_URL_LENGTH} characters")
    if any(character.isspace() or not character.isprintable() for character in url):
        raise DestinationRefused("it contains blanks or control characters")
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_local else ("https",)
    if parts.scheme.lower() not in schemes:
        raise DestinationRefused("only https URLs are called")
    if parts.username is not None or parts.password is not None:
        raise DestinationRefused("put no credentials in the URL; verify the signature instead")
    if parts.fragment:
        raise DestinationRefused("a URL with a fragment")
    if not parts.hostname:
        raise DestinationRefused("it names no host")
    try:
        port = parts.port
        host = parts.hostname.encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        raise DestinationRefused("a bad host or port") from None
    scheme = parts.scheme.lower()
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(scheme, host, port or _DEFAULT_PORTS[scheme], target)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: Address, *, allow_local: bool) -> str | None:
    """Why a webhook may not be sent to ``address``, or ``None`` when it may (a public
    address; loopback too with ``allow_local``)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            return refusal(inner, allow_local=allow_local)
    if address.is_loopback:
        return None if allow_local else "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_reserved or not address.is_global:
        return "not a public address"
    return None


async def pin_destination(
    url: str, resolver: AddressResolver, *, allow_local: bool
) -> PinnedDestination:
    """``url`` checked, and the address to connect to.

    Raises:
        DestinationRefused: the URL breaks a rule of :func:`parse_destination`, its host does
            not resolve, or any address it resolves to is refused by :func:`refusal`.
    """
    destination = parse_destination(url, allow_local=allow_local)
    addresses = list(await resolver.resolve(destination.host, destination.port))
    if not addresses:
        raise DestinationRefused(f"{destination.host} does not resolve")
    for address in addresses:
        reason = refusal(address, allow_local=allow_local)
        if reason is not None:
            raise DestinationRefused(f"{destination.host} resolves to {address}, {reason}")
    return PinnedDestination(destination, addresses[0])
