"""Core's public keys as other services cache them (``JwksKeySource``), served by an httpx mock
transport: caching, refetching on age or an unknown kid, rate of requests, and every failure."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from identity_keys_testkit import Ticker, raw
from structlog.testing import capture_logs

from reptidex.adapters.identity.tokens import (
    JwksKeySource,
    KeysUnavailable,
    public_jwk,
    public_key_from_jwk,
)

URL = "http://127.0.0.1:9/.well-known/jwks.json"  # never reached: a mock transport answers


def _published() -> tuple[str, dict[str, str]]:
    jwk = public_jwk(Ed25519PrivateKey.generate().public_key())
    return jwk["kid"], jwk


class Core:
    """Core's JWKS endpoint behind an httpx mock transport."""

    def __init__(self, *keys: dict[str, str]) -> None:
        self.document: object = {"keys": list(keys)}
        self.body: bytes | None = None
        self.status = 200
        self.down = False
        self.requests: list[str] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(f"{request.method} {request.url}")
        if self.down:
            raise httpx.ConnectError("core is down", request=request)
        if self.body is not None:
            return httpx.Response(self.status, content=self.body)
        return httpx.Response(self.status, json=self.document)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle))

    def source(self, ticker: Ticker, **options: Any) -> JwksKeySource:
        return JwksKeySource(URL, client=self.client(), monotonic=ticker, **options)


async def test_the_set_is_fetched_once_then_served_from_memory() -> None:
    kid, jwk = _published()
    core = Core(jwk)
    source = core.source(Ticker())
    assert source.fetches == 0
    key = await source.public_key(kid)
    assert key is not None
    assert raw(key) == raw(public_key_from_jwk(jwk))  # type: ignore[arg-type]
    assert await source.public_key(kid) is key
    assert core.requests == [f"GET {URL}"]
    assert source.fetches == 1


async def test_the_set_is_refetched_when_older_than_ten_minutes_by_default() -> None:
    kid, jwk = _published()
    core, ticker = Core(jwk), Ticker(1_000.0)
    source = core.source(ticker)
    await source.public_key(kid)
    for now in (1_300.0, 1_600.0):
        ticker.now = now
        assert await source.public_key(kid) is not None
        assert source.fetches == 1
    ticker.now = 1_600.5
    assert await source.public_key(kid) is not None
    assert source.fetches == 2
    ticker.now = 2_200.5
    await source.public_key(kid)
    assert source.fetches == 2


async def test_a_max_age_can_be_set() -> None:
    kid, jwk = _published()
    core, ticker = Core(jwk), Ticker(1_000.0)
    source = core.source(ticker, max_age=30)
    await source.public_key(kid)
    ticker.now = 1_030.0
    await source.public_key(kid)
    assert source.fetches == 1
    ticker.now = 1_030.5
    await source.public_key(kid)
    assert source.fetches == 2


async def test_an_unknown_kid_refetches_at_most_every_five_seconds_by_default() -> None:
    kid, jwk = _published()
    new_kid, new_jwk = _published()
    core, ticker = Core(jwk), Ticker(1_000.0)
    source = core.source(ticker)
    await source.public_key(kid)
    core.document = {"keys": [jwk, new_jwk]}  # core rotated
    ticker.now = 1_004.9
    for _ in range(10):  # made-up kids cannot flood core
        assert await source.public_key(new_kid) is None
        assert await source.public_key("made-up") is None
    assert source.fetches == 1
    ticker.now = 1_005.0
    assert await source.public_key(new_kid) is not None
    assert source.fetches == 2
    assert await source.public_key(kid) is not None
    assert source.fetches == 2
    ticker.now = 1_009.9
    assert await source.public_key("made-up") is None
    assert source.fetches == 2


async def test_a_token_signed_after_the_set_was_fetched_gets_a_fresh_set() -> None:
    """Two core replicas starting together each make a key: a token signed by the second,
    arriving just after a fetch that did not have it, is judged on a set fetched again at
    once (at most every second), not refused as signed by an unknown key; a token signed
    before the fetch names a key that is simply unknown."""
    kid, jwk = _published()
    new_kid, new_jwk = _published()
    core, ticker, wall = Core(jwk), Ticker(1_000.0), Ticker(1_700_000_000.5)
    source = JwksKeySource(URL, client=core.client(), monotonic=ticker, clock=wall)
    await source.public_key(kid)  # fetched at 1_700_000_000.5 on the wall clock
    core.document = {"keys": [jwk, new_jwk]}
    ticker.now, wall.now = 1_002.0, 1_700_000_002.0  # too soon for an unknown kid's refetch
    assert await source.public_key(new_kid, 1_699_999_999.0) is None  # signed before: unknown
    assert await source.public_key(new_kid) is None  # no claim: unknown
    assert source.fetches == 1
    # iat counts whole seconds: signed in the second of the fetch may be after it
    assert await source.public_key(new_kid, 1_700_000_000.0) is not None
    assert source.fetches == 2
    # the set fetched after the token was signed lacks its key: unknown, no more fetches
    ticker.now, wall.now = 1_003.5, 1_700_000_003.5
    assert await source.public_key("made-up", 1_700_000_001.0) is None
    assert source.fetches == 2


async def test_fetches_for_tokens_newer_than_the_set_wait_their_interval() -> None:
    """A flood of made-up kids claiming to be signed just now costs core one fetch per
    ``newer_interval`` at most, and each is refused once a set fetched after it lacks it."""
    kid, jwk = _published()
    core, wall = Core(jwk), Ticker(5_000.0)
    source = JwksKeySource(
        URL, client=core.client(), clock=wall, skew=10, newer_interval=0.2, min_interval=60
    )
    await source.public_key(kid)  # fetched at 5,000
    assert await source.public_key("made-up", 4_990.0) is None  # 10 s before: not newer
    assert source.fetches == 1
    started = time.monotonic()
    assert await source.public_key("made-up", 4_990.5) is None  # newer (skew): fetched again
    wall.now = 5_001.0
    assert await source.public_key("made-up", 4_995.0) is None  # newer than the last fetch
    assert source.fetches == 3
    assert time.monotonic() - started >= 0.4  # each waited its interval


async def test_a_refetch_for_a_newer_token_waits_only_what_is_left_of_its_interval() -> None:
    kid, jwk = _published()
    core, ticker, wall = Core(jwk), Ticker(1_000.0), Ticker(5_000.0)
    source = JwksKeySource(URL, client=core.client(), monotonic=ticker, clock=wall)
    assert source.newer_interval == 1.0  # the default
    await source.public_key(kid)
    ticker.now, wall.now = 1_003.0, 5_003.0  # 3 s since the fetch: no wait left
    started = time.monotonic()
    await asyncio.wait_for(source.public_key("made-up", 5_002.0), 0.5)
    assert time.monotonic() - started < 0.5
    assert source.fetches == 2


async def test_a_known_key_signed_after_the_fetch_needs_no_new_fetch() -> None:
    kid, jwk = _published()
    core, ticker, wall = Core(jwk), Ticker(1_000.0), Ticker(5_000.0)
    source = JwksKeySource(URL, client=core.client(), monotonic=ticker, clock=wall)
    await source.public_key(kid)
    ticker.now, wall.now = 1_002.0, 5_002.0
    assert await source.public_key(kid, 5_001.0) is not None
    assert source.fetches == 1


async def test_a_first_fetch_that_failed_cannot_judge_a_newer_token_either() -> None:
    kid, jwk = _published()
    core, ticker, wall = Core(jwk), Ticker(1_000.0), Ticker(5_000.0)
    core.down = True
    source = JwksKeySource(URL, client=core.client(), monotonic=ticker, clock=wall)
    with capture_logs(), pytest.raises(KeysUnavailable):
        await source.public_key(kid, 4_999.0)
    ticker.now, wall.now = 1_001.0, 5_001.0  # too soon to fetch again
    with pytest.raises(KeysUnavailable):
        await source.public_key(kid, 5_000.5)
    assert source.fetches == 1


async def test_a_min_interval_can_be_set() -> None:
    kid, jwk = _published()
    core, ticker = Core(jwk), Ticker(1_000.0)
    source = core.source(ticker, min_interval=60)
    await source.public_key(kid)
    ticker.now = 1_059.5
    await source.public_key("made-up")
    assert source.fetches == 1
    ticker.now = 1_060.0
    await source.public_key("made-up")
    assert source.fetches == 2


async def test_the_last_good_set_is_kept_while_core_is_down() -> None:
    kid, jwk = _published()
    core, ticker = Core(jwk), Ticker(1_000.0)
    source = core.source(ticker)
    await source.public_key(kid)
    core.down = True
    ticker.now = 2_000.0
    with capture_logs() as logs:
        assert await source.public_key(kid) is not None
    assert source.fetches == 2
    assert logs == [
        {
            "event": "could not fetch the JWKS",
            "log_level": "warning",
            "url": URL,
            "error": "core is down",
        }
    ]
    # the set is still too old, so it is retried, but no more often than the interval allows
    ticker.now = 2_004.5
    assert await source.public_key(kid) is not None
    assert source.fetches == 2
    core.down = False
    ticker.now = 2_005.0
    assert await source.public_key(kid) is not None
    assert source.fetches == 3
    ticker.now = 2_010.0
    await source.public_key(kid)
    assert source.fetches == 3


async def test_without_a_set_yet_a_failed_fetch_cannot_judge_a_key() -> None:
    kid, jwk = _published()
    core, ticker = Core(jwk), Ticker(1_000.0)
    core.down = True
    source = core.source(ticker)
    with capture_logs(), pytest.raises(KeysUnavailable, match=re.escape(URL)):
        await source.public_key(kid)
    ticker.now = 1_004.9  # too soon to ask again: still not judged
    with pytest.raises(KeysUnavailable):
        await source.public_key(kid)
    assert source.fetches == 1
    core.down = False
    ticker.now = 1_005.0
    assert await source.public_key(kid) is not None
    assert await source.public_key("made-up") is None  # a set in hand that lacks it


async def test_while_core_is_down_a_key_missing_from_the_last_set_cannot_be_judged() -> None:
    kid, jwk = _published()
    core, ticker = Core(jwk), Ticker(1_000.0)
    source = core.source(ticker)
    await source.public_key(kid)
    assert await source.public_key("made-up") is None  # refetched: still unknown
    core.down = True
    ticker.now = 1_010.0
    with capture_logs(), pytest.raises(KeysUnavailable):
        await source.public_key("rotated")  # perhaps a new key: core cannot say
    assert await source.public_key(kid) is not None  # the last good set still serves
    core.down = False
    ticker.now = 1_020.0
    assert await source.public_key("rotated") is None


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, b"{}", "Server error '500 Internal Server Error' for url '" + URL + "'"),
        (404, b"{}", "Client error '404 Not Found' for url '" + URL + "'"),
        (200, b"<html>", "Expecting value: line 1 column 1 (char 0)"),
    ],
)
async def test_an_error_answer_keeps_the_last_good_set(
    status: int, body: bytes, error: str
) -> None:
    kid, jwk = _published()
    core, ticker = Core(jwk), Ticker(1_000.0)
    source = core.source(ticker)
    await source.public_key(kid)
    core.status, core.body = status, body
    ticker.now = 2_000.0
    with capture_logs() as logs:
        assert await source.public_key(kid) is not None
    (entry,) = logs
    assert entry["event"] == "could not fetch the JWKS"
    assert entry["error"].startswith(error)


@pytest.mark.parametrize("document", [{}, {"keys": []}, [], "keys", {"keys": "none"}])
async def test_a_set_without_keys_empties_the_cache(document: object) -> None:
    kid, jwk = _published()
    core, ticker = Core(jwk), Ticker(1_000.0)
    source = core.source(ticker)
    await source.public_key(kid)
    core.document = document
    ticker.now = 2_000.0
    assert await source.public_key(kid) is None
    assert source.fetches == 2


async def test_only_the_ed25519_keys_of_the_set_with_a_kid_are_taken() -> None:
    kid, jwk = _published()
    stranger = public_jwk(Ed25519PrivateKey.generate().public_key())
    nameless = {name: value for name, value in stranger.items() if name != "kid"}
    numbered = stranger | {"kid": 7}
    foreign = {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA", "kid": "ec"}
    core = Core("a string", nameless, numbered, foreign, jwk)  # type: ignore[arg-type]
    source = core.source(Ticker())
    assert await source.public_key(kid) is not None
    for other in ("ec", "7", stranger["kid"]):
        assert await source.public_key(other) is None
    assert source.fetches == 1


async def test_a_burst_waiting_on_a_slow_fetch_makes_one_more_request_not_one_each() -> None:
    kid, jwk = _published()
    ticker, started, release = Ticker(1_000.0), asyncio.Event(), asyncio.Event()
    requests: list[httpx.Request] = []

    async def handle(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if len(requests) == 1:
            started.set()
            await release.wait()
        return httpx.Response(200, json={"keys": [jwk]})

    client = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    source = JwksKeySource(URL, client=client, monotonic=ticker)
    first = asyncio.create_task(source.public_key(kid))
    await started.wait()
    ticker.now += 5  # the fetch is slow: the next may start as soon as it is done
    waiting = [asyncio.create_task(source.public_key(kid)) for _ in range(3)]
    for _ in range(5):
        await asyncio.sleep(0)
    release.set()
    keys = await asyncio.gather(first, *waiting)
    assert all(key is not None for key in keys)
    assert len(requests) == 2
    assert source.fetches == 2


async def test_a_source_without_a_client_makes_one_with_its_timeout_and_closes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kid, jwk = _published()
    core, ticker = Core(jwk), Ticker(1_000.0)
    made: list[tuple[dict[str, Any], httpx.AsyncClient]] = []
    real_client = httpx.AsyncClient

    def make(**options: Any) -> httpx.AsyncClient:
        assert options.pop("transport") is None  # httpx's own transport
        client = real_client(transport=httpx.MockTransport(core.handle), **options)
        made.append((options, client))
        return client

    monkeypatch.setattr(httpx, "AsyncClient", make)
    source = JwksKeySource(URL, monotonic=ticker)
    assert await source.public_key(kid) is not None
    assert await source.public_key(kid) is not None
    assert [options for options, _ in made] == [{"timeout": 5.0}]
    await source.aclose()
    assert made[0][1].is_closed
    await source.aclose()  # closing twice does no harm
    ticker.now += 5
    assert await source.public_key("made-up") is None  # used again: a new client
    assert len(made) == 2
    assert not made[1][1].is_closed
    await source.aclose()
    assert made[1][1].is_closed

    other = JwksKeySource(URL, timeout=0.5, monotonic=ticker)
    await other.public_key(kid)
    assert made[2][0] == {"timeout": 0.5}
    await other.aclose()


async def test_a_client_handed_in_is_left_open() -> None:
    kid, jwk = _published()
    core = Core(jwk)
    client = core.client()
    source = JwksKeySource(URL, client=client, monotonic=Ticker())
    assert await source.public_key(kid) is not None
    await source.aclose()
    assert not client.is_closed
    assert await source.public_key(kid) is not None


async def test_a_source_given_a_transport_fetches_through_it() -> None:
    """The transport a service hands over (tracing's, which sends the trace context) carries
    every fetch of the key set."""
    kid, jwk = _published()
    core = Core(jwk)
    transport = httpx.MockTransport(core.handle)
    source = JwksKeySource(URL, transport=transport, monotonic=Ticker(1_000.0))
    try:
        assert await source.public_key(kid) is not None
    finally:
        await source.aclose()
    assert core.requests == [f"GET {URL}"]


async def test_tokens_arriving_during_a_fetch_are_judged_on_its_set() -> None:
    """A replica that has just started gets a burst of tokens before its first set arrives:
    none of them is refused as signed by an unknown key while that fetch is under way."""
    kid, jwk = _published()
    started, release = asyncio.Event(), asyncio.Event()
    requests: list[httpx.Request] = []

    async def handle(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        started.set()
        await release.wait()
        return httpx.Response(200, json={"keys": [jwk]})

    client = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    source = JwksKeySource(URL, client=client, monotonic=Ticker(1_000.0))
    first = asyncio.create_task(source.public_key(kid))
    await started.wait()
    signed = float(int(time.time()))  # this second: were the key missing, another fetch
    burst = [asyncio.create_task(source.public_key(kid, signed)) for _ in range(4)]
    for _ in range(5):
        await asyncio.sleep(0)
    assert not any(task.done() for task in burst)  # they wait for the set under way
    release.set()
    keys = await asyncio.gather(first, *burst)
    assert all(key is not None for key in keys)
    assert len(requests) == 1
