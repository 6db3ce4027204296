"""The client's address behind reverse proxies: ``X-Forwarded-For`` only from trusted proxies.

Behind a load balancer every request comes from the balancer's address, so per-address rate
limits would lump all clients together. ``REPTIDEX_TRUSTED_PROXIES`` lists the proxies (addresses
or networks) whose ``X-Forwarded-For`` is believed. The header is read from the right (each proxy
appends the address it received the request from) while the hop that handed it on is trusted;
the first address not vouched for by a trusted proxy is the client. A client cannot forge its
way past that: whatever it writes into the header itself stands to the left of what the trusted
proxies appended.

>>> from ipaddress import ip_network
>>> trusted = (ip_network("10.0.0.0/8"),)
>>> forwarded_client("10.0.0.5", ["203.0.113.7"], trusted)
'203.0.113.7'
>>> forwarded_client("10.0.0.5", ["1.2.3.4, 203.0.113.7, 10.0.0.9"], trusted)
'203.0.113.7'
>>> forwarded_client("198.51.100.1", ["1.2.3.4"], trusted)  # not from a trusted proxy
'198.51.100.1'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # settings import this module; keep Litestar out of every CLI start
    from litestar.connection import ASGIConnection

Network = IPv4Network | IPv6Network


def parse_networks(value: str) -> tuple[Network, ...]:
    """``10.0.0.0/8, 192.168.1.10, ::1`` → networks; raises :class:`ValueError` on a bad one."""
    networks = []
    for item in value.split(","):
        item = item.strip()
        if item:
            try:
                networks.append(ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network") from None
    return tuple(networks)


def _trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)


def forwarded_client(peer: str, headers: Iterable[str], trusted: Sequence[Network]) -> str:
    """The client's address given the direct ``peer`` and its ``X-Forwarded-For`` values."""
    if not trusted:
        return peer
    hops = [hop.strip() for header in headers for hop in header.split(",") if hop.strip()]
    address = peer
    for hop in reversed(hops):
        if not _trusted(address, trusted):
            break
        try:
            ip_address(hop)
        except ValueError:
            break  # garbage a client wrote: stop at the last address a proxy vouched for
        address = hop
    return address


class ClientAddresses:
    """Reads a request's client address, believing ``X-Forwarded-For`` from ``trusted`` proxies
    only (the kernel builds one from ``REPTIDEX_TRUSTED_PROXIES``).

    The server must not rewrite the peer address from the header itself: the runner starts
    uvicorn with ``proxy_headers=False``, so the peer is the socket's.
    """

    def __init__(self, trusted: Iterable[str | Network] = ()) -> None:
        self.trusted: tuple[Network, ...] = tuple(ip_network(t, strict=False) for t in trusted)

    def of(self, request: ASGIConnection[Any, Any, Any, Any]) -> str:
        """The client address of ``request`` (the kernel's ``client_address`` dependency)."""
        peer = request.client.host if request.client else "unknown"
        if not self.trusted:
            return peer
        return forwarded_client(peer, request.headers.getall("x-forwarded-for", []), self.trusted)
