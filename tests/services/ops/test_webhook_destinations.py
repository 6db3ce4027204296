"""The guard against server-side request forgery: which webhook URLs are accepted, which
addresses they may resolve to, and the system resolver's answers."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import pytest

from reptidex.adapters.webhooks.resolver import DnsResolver
from reptidex.domain.errors import InvalidInput
from reptidex.domain.integrations.destinations import (
    Address,
    Destination,
    DestinationRefused,
    parse_destination,
    pin_destination,
    refusal,
)


class Names:
    """A resolver answering from a table."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[tuple[str, int]] = []

    async def resolve(self, host: str, port: int) -> Sequence[Address]:
        self.asked.append((host, port))
        return [ipaddress.ip_address(a) for a in self.table.get(host, [])]


CREDENTIALS = "put no credentials in the URL; verify the signature instead"
BLANKS = "it contains blanks or control characters"


def _ip(text: str) -> Address:
    return ipaddress.ip_address(text)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://hooks.example.com/in", Destination("https", "hooks.example.com", 443, "/in")),
        ("HTTPS://Hooks.Example.COM", Destination("https", "hooks.example.com", 443, "/")),
        ("https://h.example:8443/a/b?x=1&y", Destination("https", "h.example", 8443, "/a/b?x=1&y")),
        ("https://[2001:db8::1]/x", Destination("https", "2001:db8::1", 443, "/x")),
        ("https://bücher.example/x", Destination("https", "xn--bcher-kva.example", 443, "/x")),
    ],
)
def test_accepted_urls_and_their_parts(url: str, expected: Destination) -> None:
    assert parse_destination(url, allow_local=False) == expected


def test_plain_http_only_where_local_destinations_are_allowed() -> None:
    with pytest.raises(DestinationRefused, match="only https"):
        parse_destination("http://hooks.example.com/in", allow_local=False)
    allowed = parse_destination("http://127.0.0.1:8080/in", allow_local=True)
    assert allowed == Destination("http", "127.0.0.1", 8080, "/in")
    assert parse_destination("http://h.example", allow_local=True).port == 80


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://hooks.example.com/", "only https URLs are called"),
        ("file:///etc/passwd", "only https URLs are called"),
        ("hooks.example.com/in", "only https URLs are called"),
        ("https://user:pw@hooks.example.com/", CREDENTIALS),
        ("https://user@hooks.example.com/", CREDENTIALS),
        ("https://:pw@hooks.example.com/", CREDENTIALS),
        ("https://hooks.example.com/#part", "a URL with a fragment"),
        ("https:///path", "it names no host"),
        ("https://hooks.example.com:99999/", "a bad host or port"),
        ("https://hooks.example.com:x/", "a bad host or port"),
        ("https://hooks.example.com/a b", BLANKS),
        ("https://hooks.example.com/\n", BLANKS),
        ("https://hooks.example.com/\x7f", BLANKS),
        ("https://hooks.example.com/\x01", BLANKS),
        ("https://hooks.example.com/\u2028", BLANKS),
        ("https://" + "a" * 2040 + ".com/", "longer than 2048 characters"),
    ],
)
def test_refused_urls(url: str, reason: str) -> None:
    with pytest.raises(DestinationRefused) as refused:
        parse_destination(url, allow_local=True)
    assert refused.value.reason == reason
    assert isinstance(refused.value, InvalidInput)
    assert refused.value.detail == f"This webhook URL is refused: {reason}."
    assert refused.value.field_errors == {"url": reason}


def test_a_url_of_exactly_the_longest_length_is_accepted() -> None:
    url = "https://h.example/" + "a" * (2048 - len("https://h.example/"))
    assert parse_destination(url, allow_local=False).host == "h.example"


def test_the_pinned_url_carries_the_checked_address() -> None:
    destination = parse_destination("https://h.example:8443/in?x=1", allow_local=False)
    assert destination.pinned(_ip("93.184.216.34")) == "https://93.184.216.34:8443/in?x=1"
    assert destination.pinned(_ip("2606:2800::1")) == "https://[2606:2800::1]:8443/in?x=1"


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.255.0.9", "a loopback address"),
        ("::1", "a loopback address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("169.254.169.254", "a link-local address"),  # the cloud metadata service
        ("fe80::1", "a link-local address"),
        ("10.0.0.1", "a private address"),
        ("10.255.255.255", "a private address"),
        ("172.16.0.1", "a private address"),
        ("192.168.1.1", "a private address"),
        ("fd00:ec2::254", "a private address"),  # AWS' metadata service over IPv6
        ("fc00::1", "a private address"),
        ("::ffff:10.0.0.1", "a private address"),
        ("2002:a00:1::1", "a private address"),  # 6to4 of 10.0.0.1
        ("64:ff9b::a9fe:a9fe", "a link-local address"),  # NAT64 of 169.254.169.254
        ("64:ff9b::7f00:1", "a loopback address"),
        ("0.0.0.0", "a private address"),
        ("::", "a private address"),
        ("224.0.0.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("100.64.0.1", "not a public address"),  # shared (carrier-grade NAT)
        ("100.100.100.200", "not a public address"),  # Alibaba's metadata service
        ("240.0.0.1", "a private address"),
        ("255.255.255.255", "a private address"),
        ("192.0.2.1", "a private address"),  # documentation
    ],
)
def test_refused_addresses(address: str, reason: str) -> None:
    assert refusal(_ip(address), allow_local=False) == reason


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "1.1.1.1"])
def test_public_addresses_are_accepted(address: str) -> None:
    assert refusal(_ip(address), allow_local=False) is None
    assert refusal(_ip(address), allow_local=True) is None


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1", "64:ff9b::7f00:1"])
def test_allowing_local_destinations_admits_loopback_only(address: str) -> None:
    assert refusal(_ip(address), allow_local=True) is None


@pytest.mark.parametrize("address", ["10.0.0.1", "169.254.169.254", "192.168.0.1", "0.0.0.0"])
def test_allowing_local_destinations_still_refuses_the_rest(address: str) -> None:
    assert refusal(_ip(address), allow_local=True) == refusal(_ip(address), allow_local=False)
    assert refusal(_ip(address), allow_local=True) is not None


async def test_a_destination_is_pinned_to_its_first_public_address() -> None:
    names = Names({"hooks.example.com": ["93.184.216.34", "93.184.216.35"]})
    pinned = await pin_destination("https://hooks.example.com:8443/in", names, allow_local=False)
    assert pinned.address == _ip("93.184.216.34")
    assert pinned.destination.host == "hooks.example.com"
    assert names.asked == [("hooks.example.com", 8443)]


async def test_one_refused_address_among_several_refuses_the_host() -> None:
    names = Names({"mixed.example": ["93.184.216.34", "10.1.2.3"]})
    with pytest.raises(DestinationRefused) as refused:
        await pin_destination("https://mixed.example/", names, allow_local=False)
    assert refused.value.reason == "mixed.example resolves to 10.1.2.3, a private address"


async def test_a_host_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(DestinationRefused) as refused:
        await pin_destination("https://nowhere.example/", Names({}), allow_local=False)
    assert refused.value.reason == "nowhere.example does not resolve"


async def test_a_malformed_url_is_refused_before_any_lookup() -> None:
    names = Names({})
    with pytest.raises(DestinationRefused):
        await pin_destination("http://hooks.example.com/", names, allow_local=False)
    assert names.asked == []


async def test_the_system_resolver_finds_localhost_on_loopback() -> None:
    resolver = DnsResolver()
    found = await resolver.resolve("localhost", 443)
    assert found
    assert all(address.is_loopback for address in found)
    assert len(found) == len(set(found))
    with pytest.raises(DestinationRefused, match=r"resolves to .*loopback"):
        await pin_destination("https://localhost/hook", resolver, allow_local=False)
    assert (await pin_destination("http://localhost/hook", resolver, allow_local=True)).address


async def test_the_system_resolver_takes_literals_as_they_are() -> None:
    resolver = DnsResolver()
    assert await resolver.resolve("10.0.0.1", 443) == [_ip("10.0.0.1")]
    assert await resolver.resolve("::1", 443) == [_ip("::1")]
    # the numeric forms the C resolver reads as addresses are checked as what they name
    assert await resolver.resolve("2130706433", 443) == [_ip("127.0.0.1")]
    with pytest.raises(DestinationRefused, match="does not resolve"):
        await resolver.resolve("no-such-host.invalid", 443)
