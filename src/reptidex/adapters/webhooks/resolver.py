"""Host names resolved without blocking the event loop (the loop's ``getaddrinfo`` runs in a
worker thread), within a time limit."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

from reptidex.domain.integrations.destinations import Address, DestinationRefused


class DnsResolver:
    """The :class:`~reptidex.domain.integrations.destinations.AddressResolver` of the
    system's resolver."""

    def __init__(self, timeout: float = 5.0) -> None:
        self.timeout = timeout

    async def resolve(self, host: str, port: int) -> list[Address]:
        """Every address ``host`` resolves to for TCP, without repeats, in the resolver's
        order; an address literal is itself."""
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        loop = asyncio.get_running_loop()
        try:
            found = await asyncio.wait_for(
                loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), self.timeout
            )
        except (OSError, TimeoutError, UnicodeError):
            raise DestinationRefused(f"{host} does not resolve") from None
        addresses: list[Address] = []
        for *_, sockaddr in found:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if address not in addresses:
                addresses.append(address)
        return addresses
