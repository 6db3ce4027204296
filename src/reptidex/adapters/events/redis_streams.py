"""The Redis Streams bus: durable, shared by every replica of every service.

Layout
    One stream per event family, ``<prefix>:<family>`` (``reptidex:events:animal``…), trimmed
    with ``XADD … MAXLEN ~ n`` so it stays bounded. Each entry has two fields: ``type`` and
    ``event`` (the JSON envelope).

Consumers
    A subscribing service is a consumer *group* on the streams of the families it subscribes to;
    each replica is a consumer in that group, so every event reaches each service once. A group
    created for the first time reads the stream from its start (what the bound kept), so events
    published before a service first started are not lost.

Handling a read
    A consumer reads up to ``batch_size`` entries of each of its streams at once. A handler
    that takes events in any order (an ``any_order`` attribute that is true: the batching
    consumers of :mod:`reptidex.adapters.sql.batched_consumer`) is given all of its entries of
    the read at once, so that it can apply them together; every other handler gets its
    entries one after the other, in stream order (a consumer not written for any order may
    depend on it). The group's different handlers run side by side.

Acknowledgement and redelivery
    An entry is acknowledged (``XACK``) only after every matching handler of the group returned.
    An entry whose handler raised, or whose consumer died, stays pending; once it has been idle
    for ``claim_idle`` seconds a consumer of the group takes it over with ``XAUTOCLAIM`` and runs
    it again. Set ``claim_idle`` above the slowest handler's running time, or a slow handler's
    entry is handed to another consumer while still running (handlers are idempotent anyway).

Losing its data
    A Redis restarted without its data loses the entries nobody had consumed. Each publishing
    service keeps an epoch on the bus (``<prefix>:epoch:<service>``, a random value set once):
    a new epoch tells the outbox relay the data is gone, and :meth:`RedisStreamBus.consumed_until`
    tells it from when to publish again (see :mod:`reptidex.adapters.sql.bus_loss`).

Dead letters
    When an entry has been delivered ``max_deliveries`` times (``XPENDING``'s delivery count) and
    still not acknowledged, or cannot be read as an event, it is copied to ``<prefix>:dead`` with
    its origin, group, delivery count and last error, and acknowledged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import redis.asyncio as aioredis
import structlog
from redis.exceptions import RedisError, ResponseError

from reptidex.domain.events import (
    DomainEvent,
    EventHandler,
    check_pattern,
    decode_event,
    encode_event,
    event_family,
    pattern_families,
    pattern_matches,
)

DEFAULT_PREFIX = "reptidex:events"
_MAX_REMEMBERED_ERRORS = 10_000  # last errors of pending entries, quoted in their dead letters

_log = structlog.get_logger("reptidex.events.redis")


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _field(fields: Mapping[Any, Any], name: str) -> Any:
    return fields.get(name.encode(), fields.get(name))


def _entries(reply: Any) -> Iterable[tuple[str, list[tuple[Any, Any]]]]:
    """Streams and entries of an XREADGROUP reply, in RESP2 (list) or RESP3 (dict) shape."""
    if not reply:
        return []
    items = reply.items() if isinstance(reply, dict) else reply
    found = []
    for stream, entries in items:
        # RESP3 nests the entries one list deeper.
        if entries and isinstance(entries[0], list) and len(entries) == 1:
            entries = entries[0]
        found.append((_text(stream), list(entries)))
    return found


def _milliseconds(entry_id: bytes | str) -> int:
    """The Redis clock's milliseconds an entry id starts with (``1700000000000-3``)."""
    return int(_text(entry_id).split("-", 1)[0])


def _raise_first(outcomes: list[Any]) -> None:
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome


@dataclass(slots=True, eq=False)
class _Entry:
    """An entry in hand: its handler calls not yet over, and whether one failed."""

    stream: str
    entry: str
    event: DomainEvent
    calls: int = 0
    error: str | None = None
    held: bool = False


@dataclass(slots=True)
class _Group:
    name: str
    subscriptions: list[tuple[str, EventHandler]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    stopping: bool = False
    ready_streams: set[str] = field(default_factory=set)

    def families(self) -> set[str]:
        return {family for pattern, _ in self.subscriptions for family in pattern_families(pattern)}


class RedisStreamBus:
    """An :class:`~reptidex.domain.events.EventBus` on Redis Streams (see the module docstring).

    Args:
        redis: the client to use; :meth:`from_url` makes one the bus owns and closes.
        prefix: the key prefix of the streams.
        maxlen: the approximate bound of each family's stream (and of the dead-letter stream).
        block: how long one read waits for new entries, in seconds; also bounds how long a
            graceful stop waits for an idle consumer.
        claim_idle: after how many idle seconds an unacknowledged entry is redelivered.
        max_deliveries: deliveries of one entry to a group before it goes to the dead letters.
        batch_size: entries read (of each stream) or claimed at once.
        consumer: this replica's consumer name (default: host, process id and a random suffix).
    """

    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        prefix: str = DEFAULT_PREFIX,
        maxlen: int = 100_000,
        block: float = 1.0,
        claim_idle: float = 30.0,
        max_deliveries: int = 5,
        batch_size: int = 100,
        consumer: str | None = None,
        owns_client: bool = False,
    ) -> None:
        if max_deliveries < 1:
            raise ValueError("max_deliveries must be at least 1")
        self.redis = redis
        self.prefix = prefix
        self.maxlen = maxlen
        self.block = block
        self.claim_idle = claim_idle
        self.max_deliveries = max_deliveries
        self.batch_size = batch_size
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._owns_client = owns_client
        self._groups: dict[str, _Group] = {}
        self._started = False
        self._last_errors: dict[tuple[str, str, str], str] = {}

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisStreamBus:
        """A bus with its own client for ``url`` (closed by :meth:`close`)."""
        return cls(aioredis.from_url(url), owns_client=True, **options)

    # -- names ---------------------------------------------------------------------------------

    def stream(self, family: str) -> str:
        """The stream of an event family."""
        return f"{self.prefix}:{family}"

    @property
    def dead_letter_stream(self) -> str:
        """Where entries that could not be handled end up."""
        return f"{self.prefix}:dead"

    async def dead_letter_count(self) -> int:
        """The length of the dead-letter stream (shared by every group and replica)."""
        return int(await self.redis.xlen(self.dead_letter_stream))

    # -- publishing ----------------------------------------------------------------------------

    async def publish(self, event: DomainEvent) -> None:
        """Append ``event`` to its family's stream, trimming the stream to about ``maxlen``."""
        await self.redis.xadd(
            self.stream(event_family(event.type)),
            {"type": event.type, "event": encode_event(event)},
            maxlen=self.maxlen,
            approximate=True,
        )

    # -- telling a loss of data -----------------------------------------------------------------

    def epoch_key(self, owner: str) -> str:
        """Where ``owner``'s epoch is kept."""
        return f"{self.prefix}:epoch:{owner}"

    async def epoch(self, owner: str) -> tuple[str, bool]:
        """``owner``'s epoch, set now (to a random value) if Redis has none; and whether it was
        set now: at the first start, or because Redis lost its data."""
        fresh = uuid.uuid4().hex
        earlier = await self.redis.set(self.epoch_key(owner), fresh, nx=True, get=True)
        return (fresh, True) if earlier is None else (_text(cast(bytes, earlier)), False)

    async def consumed_until(self, families: Iterable[str]) -> dt.datetime | None:
        """The time (Redis's clock) up to which every group reading these families' streams
        has acknowledged every entry; ``None`` when no group reads them."""
        marks: list[int] = []
        for family in families:
            stream = self.stream(family)
            try:
                groups = await self.redis.xinfo_groups(stream)
            except ResponseError:  # no such stream (yet)
                continue
            for group in groups:
                if int(group["pending"]):
                    oldest = (await self.redis.xpending(stream, _text(group["name"])))["min"]
                    marks.append(_milliseconds(oldest) - 1)
                else:
                    marks.append(_milliseconds(group["last-delivered-id"]))
        if not marks:
            return None
        return dt.datetime.fromtimestamp(min(marks) / 1000, dt.UTC)

    # -- subscribing ---------------------------------------------------------------------------

    def subscribe(self, group: str, pattern: str, handler: EventHandler) -> None:
        """Run ``handler`` for ``pattern`` as part of consumer group ``group``."""
        check_pattern(pattern)
        self._groups.setdefault(group, _Group(group)).subscriptions.append((pattern, handler))
        if self._started:
            self._launch(self._groups[group])

    async def start(self) -> None:
        """Start a consumer loop for every group subscribed so far."""
        self._started = True
        for group in self._groups.values():
            self._launch(group)

    def _launch(self, group: _Group) -> None:
        if group.task is None or group.task.done():
            group.stopping = False
            group.task = asyncio.create_task(
                self._consume(group), name=f"reptidex-events-{group.name}"
            )

    async def unsubscribe(self, group: str, *, grace: float | None = None) -> None:
        """Stop ``group``'s consumer after the entry in hand (cancelling it after ``grace`` s)."""
        found = self._groups.pop(group, None)
        if found is not None:
            await self._stop(found, grace)

    async def _stop(self, group: _Group, grace: float | None) -> None:
        group.stopping = True
        task = group.task
        if task is None or task.done():
            return
        try:
            await asyncio.wait_for(
                asyncio.shield(task), self.block + 5.0 if grace is None else grace
            )
        except TimeoutError:
            task.cancel()  # the entry in hand stays pending and is redelivered later
            await asyncio.gather(task, return_exceptions=True)

    async def close(self, *, grace: float | None = None) -> None:
        """Stop every consumer loop gracefully, then close the client if the bus owns it.

        A handler still running after ``grace`` seconds (default: a read's block time plus 5 s)
        is cancelled; its entry stays pending and another consumer takes it over later.
        """
        self._started = False
        groups = list(self._groups.values())
        self._groups.clear()
        await asyncio.gather(*(self._stop(group, grace) for group in groups))
        if self._owns_client:
            await self.redis.aclose()

    # -- consuming -----------------------------------------------------------------------------

    async def _consume(self, group: _Group) -> None:
        claim_every = max(self.claim_idle / 2, 0.05)
        last_claim = float("-inf")
        failures = 0
        while not group.stopping:
            try:
                streams = sorted(self.stream(family) for family in group.families())
                for stream in streams:
                    await self._ensure_group(group, stream)
                if time.monotonic() - last_claim >= claim_every:
                    last_claim = time.monotonic()
                    for stream in streams:
                        await self._claim(group, stream)
                reply = await self.redis.xreadgroup(
                    group.name,
                    self.consumer,
                    dict.fromkeys(streams, ">"),
                    count=self.batch_size,
                    block=max(int(self.block * 1000), 1),
                )
                await self._handle(
                    group,
                    [
                        (stream, _text(entry_id), fields)
                        for stream, entries in _entries(reply)
                        for entry_id, fields in entries
                    ],
                )
                failures = 0
            except (RedisError, OSError) as exc:
                if isinstance(exc, ResponseError) and "NOGROUP" in str(exc):
                    group.ready_streams.clear()  # the stream was deleted: create it again
                failures += 1
                _log.warning(
                    "event consumer error", group=group.name, error=repr(exc), failures=failures
                )
                await asyncio.sleep(min(0.1 * 2**failures, 5.0))
        await self._forget_consumer(group)

    async def _forget_consumer(self, group: _Group) -> None:
        """After a graceful stop, remove this consumer from the group if it holds nothing, so
        restarts (a new name each time) do not pile up idle consumers."""
        for stream in group.ready_streams:
            try:
                consumers = await self.redis.xinfo_consumers(stream, group.name)
                mine = [c for c in consumers if _text(c["name"]) == self.consumer]
                if mine and int(mine[0]["pending"]) == 0:
                    await self.redis.xgroup_delconsumer(stream, group.name, self.consumer)
            except (RedisError, OSError):
                return  # only tidiness is lost

    async def _ensure_group(self, group: _Group, stream: str) -> None:
        if stream in group.ready_streams:
            return
        try:
            await self.redis.xgroup_create(stream, group.name, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        group.ready_streams.add(stream)

    async def _claim(self, group: _Group, stream: str) -> None:
        start = "0-0"
        while not group.stopping:
            reply = await self.redis.xautoclaim(
                stream,
                group.name,
                self.consumer,
                min_idle_time=max(int(self.claim_idle * 1000), 1),
                start_id=start,
                count=self.batch_size,
            )
            start, claimed = _text(reply[0]), reply[1]
            again = []
            for entry_id, fields in claimed:
                entry = _text(entry_id)
                if not fields:  # trimmed away while pending (Redis < 7 returns it empty)
                    await self.redis.xack(stream, group.name, entry)
                    continue
                deliveries = await self._deliveries(group, stream, entry)
                if deliveries > self.max_deliveries:
                    await self._dead_letter(group, stream, entry, fields, deliveries, None)
                else:
                    again.append((stream, entry, fields))
            await self._handle(group, again)
            if start == "0-0":
                return

    async def _deliveries(self, group: _Group, stream: str, entry: str) -> int:
        pending = await self.redis.xpending_range(stream, group.name, entry, entry, 1)
        return int(pending[0]["times_delivered"]) if pending else 1

    async def _handle(self, group: _Group, entries: list[tuple[str, str, Any]]) -> None:
        """Run a read's (or a claim's) ``(stream, entry, fields)`` through the group's handlers,
        then acknowledge the entries whose every matching handler returned.

        A handler that takes events in any order (``any_order``, such as a
        :class:`~reptidex.adapters.sql.batched_consumer.BatchedConsumer`) is given its entries
        at once (the read's count bounds them: ``batch_size`` of each stream); any other
        handler gets its entries one after the other, in stream order. Different handlers run
        side by side.
        """
        pending: list[_Entry] = []
        for stream, entry, fields in entries:
            try:
                event = decode_event(_field(fields, "event"))
            except (ValueError, TypeError) as exc:  # msgspec errors, unknown types: ValueErrors
                await self._dead_letter(group, stream, entry, fields, 1, f"unreadable event: {exc}")
                continue
            pending.append(_Entry(stream, entry, event))
        lanes: dict[int, tuple[EventHandler, list[_Entry]]] = {}
        for pattern, handler in list(group.subscriptions):
            matched = [e for e in pending if pattern_matches(pattern, e.event.type)]
            for e in matched:
                e.calls += 1
            if matched:
                lanes.setdefault(id(handler), (handler, []))[1].extend(matched)
        for lane in lanes.values():  # one handler under several patterns: still in stream order
            lane[1].sort(key=pending.index)
        outcomes = await asyncio.gather(
            *(self._lane(group, handler, lane) for handler, lane in lanes.values()),
            return_exceptions=True,
        )
        # One XACK per stream for the entries whose handlers all returned (or that no handler
        # wants): an entry handled but not acknowledged when the process dies is redelivered.
        done: dict[str, list[str]] = {}
        for e in pending:
            if e.calls == 0 and e.error is None and not e.held:
                done.setdefault(e.stream, []).append(e.entry)
        for stream, acknowledged in done.items():
            await self.redis.xack(stream, group.name, *acknowledged)
        _raise_first(outcomes)

    async def _lane(self, group: _Group, handler: EventHandler, entries: list[_Entry]) -> None:
        if getattr(handler, "any_order", False):
            _raise_first(
                await asyncio.gather(
                    *(self._call(group, handler, e) for e in entries), return_exceptions=True
                )
            )
            return
        for e in entries:
            if group.stopping:
                e.held = True  # left pending: redelivered to a live consumer
                self._settle(group, e)
            else:
                await self._call(group, handler, e)

    async def _call(self, group: _Group, handler: EventHandler, e: _Entry) -> None:
        try:
            await handler(e.event)
        except Exception as exc:
            e.error = repr(exc)
            _log.warning(
                "event handler failed; the entry stays pending for redelivery",
                group=group.name,
                event_id=str(e.event.id),
                event_type=e.event.type,
                entry=e.entry,
                error=e.error,
            )
        self._settle(group, e)

    def _settle(self, group: _Group, e: _Entry) -> None:
        """One of ``e``'s handler calls is over; after the last, remember its error (quoted
        if it ends in the dead letters) or forget an earlier one."""
        e.calls -= 1
        if e.calls:
            return
        key = (group.name, e.stream, e.entry)
        if e.error is None:
            self._last_errors.pop(key, None)
            return
        if len(self._last_errors) >= _MAX_REMEMBERED_ERRORS:
            self._last_errors.pop(next(iter(self._last_errors)))
        self._last_errors[key] = e.error

    async def _dead_letter(
        self,
        group: _Group,
        stream: str,
        entry: str,
        fields: Any,
        deliveries: int,
        reason: str | None,
    ) -> None:
        error = reason or self._last_errors.pop((group.name, stream, entry), "not acknowledged")
        raw = _field(fields, "event")
        _log.error(
            "event moved to the dead letters",
            group=group.name,
            stream=stream,
            entry=entry,
            deliveries=deliveries,
            error=error,
        )
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(
                self.dead_letter_stream,
                {
                    "stream": stream,
                    "entry": entry,
                    "group": group.name,
                    "deliveries": str(deliveries),
                    "error": error,
                    "type": _field(fields, "type") or "",
                    "event": raw if raw is not None else "",
                },
                maxlen=self.maxlen,
                approximate=True,
            )
            pipe.xack(stream, group.name, entry)
            await pipe.execute()
