"""The audit trail in repti-ops' database: appending chained records, reading them within an
organisation's scope (or the whole trail), and walking the chain for verification."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import Select, and_, bindparam, func, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.driver import DriverStatement, driver_of
from reptidex.adapters.sql.ops.models import (
    AUDIT_CHAIN,
    AuditRecordRow,
    audit_chain_head,
    audit_checkpoint,
)
from reptidex.adapters.sql.ops.privacy_models import audit_pseudonymised
from reptidex.domain.audit import ACCESSED, AuditRecord, ChainedRecord, ChainPoint, chain_hash
from reptidex.domain.audit.chain import START, CanonicalRecord, ChainLink, instant_text
from reptidex.domain.audit.ports import AuditQuery

EXPORT_BATCH = 500


def entry_of(row: AuditRecordRow, pseudonymised_hash: str | None = None) -> ChainedRecord:
    """The chained record a row holds (``pseudonymised_hash``: see
    :class:`~reptidex.domain.audit.ChainedRecord`)."""
    return _stored_entry([getattr(row, name) for name in _STORED], pseudonymised_hash)


async def append_record(session: AsyncSession, record: AuditRecord) -> ChainedRecord:
    """Chain ``record`` after the last one and store it, in ``session``'s transaction."""
    (chained,) = await append_records(session, [record])
    return chained


async def append_records(
    session: AsyncSession, records: Sequence[AuditRecord]
) -> list[ChainedRecord]:
    """Chain ``records``, in order, after the last one and store them, in ``session``'s
    transaction.

    The head row is locked first (``FOR UPDATE`` on PostgreSQL; SQLite allows one writer), so
    concurrent consumers append one after the other; a batch locks it once.
    """
    head = (
        await session.execute(
            select(audit_chain_head.c.seq, audit_chain_head.c.hash)
            .where(audit_chain_head.c.chain == AUDIT_CHAIN)
            .with_for_update()
        )
    ).one()
    seq, previous = head.seq, head.hash
    chained = []
    for record in records:
        seq += 1
        digest = chain_hash(record, seq, previous)
        chained.append(ChainedRecord(seq, record, previous, digest))
        previous = digest
    if not chained:
        return chained
    await _insert(session, chained)
    await session.execute(
        update(audit_chain_head)
        .where(audit_chain_head.c.chain == AUDIT_CHAIN)
        .values(seq=seq, hash=previous)
    )
    return chained


_STORED = (
    "id",
    "seq",
    "occurred_at",
    "service",
    "actor_id",
    "organisation_id",
    "request_id",
    "resource_kind",
    "resource_id",
    "action",
    "before",
    "after",
    "withheld",
    "previous_hash",
    "hash",
)
"""The columns an append writes (besides the stored time)."""


def _stored(entry: ChainedRecord) -> tuple[Any, ...]:
    record = entry.record
    return (
        record.id,
        entry.seq,
        record.occurred_at,
        record.service,
        record.actor_id,
        record.organisation_id,
        record.request_id,
        record.resource_kind,
        record.resource_id,
        record.action,
        record.before,
        record.after,
        list(record.withheld),
        entry.previous_hash,
        entry.hash,
    )


_STORED_COLUMNS = [AuditRecordRow.__table__.c[name] for name in _STORED]


def _stored_entry(row: Sequence[Any], pseudonymised_hash: str | None = None) -> ChainedRecord:
    """The chained record of a row of :data:`_STORED_COLUMNS` (a page reads plain values:
    loading entities was most of its time)."""
    ident, seq, occurred_at, service, actor_id, organisation_id, request_id = row[:7]
    resource_kind, resource_id, action, before, after, withheld, previous_hash, digest = row[7:15]
    record = AuditRecord(
        id=ident,
        occurred_at=occurred_at,
        service=service,
        actor_id=actor_id,
        organisation_id=organisation_id,
        request_id=request_id,
        resource_kind=resource_kind,
        resource_id=resource_id,
        action=action,
        before=before,
        after=after,
        withheld=list(withheld),
    )
    return ChainedRecord(seq, record, previous_hash, digest, pseudonymised_hash)


_POSTGRES_INSERT = """
INSERT INTO audit_record (id, seq, occurred_at, service, actor_id, organisation_id, request_id,
    resource_kind, resource_id, action, before, after, withheld, previous_hash, hash,
    created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
"""
"""An append's statement as asyncpg runs it with every row (its parameters in the order of
:data:`_STORED`, then the stored time twice)."""


async def _insert(session: AsyncSession, chained: Sequence[ChainedRecord]) -> None:
    """Store ``chained`` in ``session``'s transaction: on PostgreSQL one statement asyncpg
    runs with every row (SQLAlchemy's handling of each row's parameters was half an append's
    time), elsewhere one executed with every row."""
    rows = [_stored(entry) for entry in chained]
    if session.bind.dialect.name == "postgresql":
        driver = await driver_of(session)
        encode = msgspec.json.encode
        now = dt.datetime.now(dt.UTC)
        await driver.executemany(
            _POSTGRES_INSERT,
            [
                (*row[:10], encode(row[10]).decode(), encode(row[11]).decode(),
                 encode(row[12]).decode(), *row[13:], now, now)
                for row in rows
            ],
        )  # fmt: skip
        return
    await session.execute(
        insert(AuditRecordRow), [dict(zip(_STORED, row, strict=True)) for row in rows]
    )


async def scope_session(session: AsyncSession, scope: uuid.UUID | None) -> None:
    """Scope the transaction for PostgreSQL's row-level security: one organisation's records,
    or (``None``) the whole trail; a no-op on SQLite."""
    if session.bind.dialect.name != "postgresql":
        return
    if scope is None:
        await session.execute(text("SELECT set_config('reptidex.audit_scope', 'all', true)"))
    else:
        await session.execute(
            text("SELECT set_config('reptidex.organisation_id', :organisation, true)"),
            {"organisation": str(scope)},
        )


_EQUALS = (
    ("scope", AuditRecordRow.organisation_id),
    ("organisation_id", AuditRecordRow.organisation_id),
    ("actor_id", AuditRecordRow.actor_id),
    ("resource_kind", AuditRecordRow.resource_kind),
    ("resource_id", AuditRecordRow.resource_id),
    ("action", AuditRecordRow.action),
    ("service", AuditRecordRow.service),
)
"""The equality filters of a read: the scope (one organisation) and the query's."""


@dataclass(frozen=True, slots=True)
class _Shape:
    """What a read's statement depends on besides its values: which filters it has, how many
    (service, kind) pairs, and whether it continues below a ``seq`` (an export's batches)."""

    given: frozenset[str]
    kinds: int | None
    below: bool = False


def _shape(query: AuditQuery, values: dict[str, Any], below: bool = False) -> _Shape:
    """The shape of a read of ``query`` whose filters' values are ``values``."""
    kinds = None if query.kinds_or_access is None else len(query.kinds_or_access)
    return _Shape(frozenset(values), kinds, below)


def _values(query: AuditQuery, scope: uuid.UUID | None) -> dict[str, Any]:
    """The filters' values of a read (those given)."""
    values: dict[str, Any] = {
        "scope": scope,
        "organisation_id": query.organisation_id,
        "actor_id": query.actor_id,
        "resource_kind": query.resource_kind,
        "resource_id": query.resource_id,
        "action": query.action,
        "service": query.service,
        "since": query.since,
        "until": query.until,
    }
    for n, (service, kind) in enumerate(query.kinds_or_access or ()):
        values[f"kind_service_{n}"] = service
        values[f"kind_{n}"] = kind
    return {name: value for name, value in values.items() if value is not None}


@functools.lru_cache(maxsize=256)
def _filtered(shape: _Shape, *columns: Any) -> Select[Any]:
    """The records a read of ``shape`` selects (``columns``, or the rows), its values bound
    by name (:func:`_values`, ``below``)."""
    statement = select(*(columns or [AuditRecordRow]))
    for name, column in _EQUALS:
        if name in shape.given:
            statement = statement.where(column == bindparam(name))
    if "since" in shape.given:
        statement = statement.where(AuditRecordRow.occurred_at >= bindparam("since"))
    if "until" in shape.given:
        statement = statement.where(AuditRecordRow.occurred_at < bindparam("until"))
    if shape.kinds is not None:
        statement = statement.where(
            or_(
                AuditRecordRow.action == ACCESSED,
                *(
                    and_(
                        AuditRecordRow.service == bindparam(f"kind_service_{n}"),
                        AuditRecordRow.resource_kind == bindparam(f"kind_{n}"),
                    )
                    for n in range(shape.kinds)
                ),
            )
        )
    if shape.below:
        statement = statement.where(AuditRecordRow.seq < bindparam("below"))
    return statement


@functools.lru_cache(maxsize=256)
def _page(shape: _Shape) -> Select[Any]:
    """A page of ``shape``, newest first, each row with the total as a window count."""
    statement = _filtered(shape, *_STORED_COLUMNS, func.count().over())
    ordered = statement.order_by(AuditRecordRow.seq.desc())
    return ordered.limit(bindparam("limit")).offset(bindparam("offset"))


@functools.lru_cache(maxsize=256)
def _count(shape: _Shape) -> Select[tuple[int]]:
    """The count of ``shape``'s records (a page past the end carries none)."""
    return select(func.count()).select_from(_filtered(shape).subquery())


@functools.lru_cache(maxsize=256)
def _driver_page(shape: _Shape) -> DriverStatement:
    return DriverStatement.of(_page(shape))


class SqlAuditTrail:
    """The :class:`~reptidex.domain.audit.ports.AuditTrail` on repti-ops' sessions."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def search(
        self, query: AuditQuery, scope: uuid.UUID | None
    ) -> tuple[list[ChainedRecord], int]:
        """One page, newest first, and the total: one statement in the scoped transaction,
        on PostgreSQL run by asyncpg itself (SQLAlchemy's execution and result processing
        were most of a page's time)."""
        filters = _values(query, scope)
        shape = _shape(query, filters)
        values = {**filters, "limit": query.limit, "offset": query.offset}
        async with self._sessions() as session, session.begin():
            await scope_session(session, scope)
            if session.bind.dialect.name == "postgresql":
                page = _driver_page(shape)
                driver = await driver_of(session)
                rows: Sequence[Sequence[Any]] = await driver.fetch(
                    page.text, *page.arguments(values)
                )
            else:
                rows = (await session.execute(_page(shape), values)).all()
            if rows:
                total = rows[0][-1]
            elif query.offset == 0:
                total = 0
            else:  # past the end: the page holds no row to carry the count
                total = await session.scalar(_count(shape), values)
            return [_stored_entry(tuple(row)) for row in rows], int(total or 0)

    async def export(
        self, query: AuditQuery, scope: uuid.UUID | None
    ) -> AsyncIterator[ChainedRecord]:
        """Every matching record, newest first, read :data:`EXPORT_BATCH` at a time (keyset
        on ``seq``, so a long export holds no transaction open between batches)."""
        below: int | None = None
        values = _values(query, scope)
        while True:
            statement = _filtered(_shape(query, values, below is not None))
            async with self._sessions() as session, session.begin():
                await scope_session(session, scope)
                rows = list(
                    await session.scalars(
                        statement.order_by(AuditRecordRow.seq.desc()).limit(EXPORT_BATCH),
                        {**values, "below": below},
                    )
                )
            for row in rows:
                yield entry_of(row)
            if len(rows) < EXPORT_BATCH:
                return
            below = rows[-1].seq


async def chain_start(session: AsyncSession) -> ChainPoint:
    """Where the kept chain begins: the newest checkpoint, or the genesis."""
    row = (
        await session.execute(
            select(audit_checkpoint.c.seq, audit_checkpoint.c.hash)
            .order_by(audit_checkpoint.c.seq.desc())
            .limit(1)
        )
    ).first()
    return START if row is None else ChainPoint(row.seq, row.hash)


async def chain_head(session: AsyncSession) -> ChainPoint:
    """The last record the chain's head names."""
    row = (
        await session.execute(
            select(audit_chain_head.c.seq, audit_chain_head.c.hash).where(
                audit_chain_head.c.chain == AUDIT_CHAIN
            )
        )
    ).one()
    return ChainPoint(row.seq, row.hash)


_CHAIN_COLUMNS = [
    AuditRecordRow.__table__.c[name]
    for name in (
        "seq",
        "previous_hash",
        "id",
        "occurred_at",
        "service",
        "actor_id",
        "organisation_id",
        "request_id",
        "resource_kind",
        "resource_id",
        "action",
        "before",
        "after",
        "withheld",
        "hash",
    )
]
"""A record's columns in the order of :class:`~reptidex.domain.audit.chain.CanonicalRecord`'s
fields, then its hash."""

_POSTGRES_CHAIN_BATCH = """
SELECT r.seq, r.previous_hash, r.id::text,
       to_char(r.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       r.service, r.actor_id::text, r.organisation_id::text, r.request_id, r.resource_kind,
       r.resource_id, r.action, r.before::text, r.after::text, r.withheld::text, r.hash,
       p.content_hash
FROM audit_record r LEFT JOIN audit_pseudonymised p ON p.seq = r.seq
WHERE r.seq > $1 AND r.seq <= $3 ORDER BY r.seq LIMIT $2
"""
"""A verification's batch as asyncpg runs it: every column already in its canonical text
(ids, the instant in UTC), the JSON columns as text for msgspec to decode."""

_LAST_SEQ = 2**63 - 1


async def chain_batch(
    session: AsyncSession, after_seq: int, size: int, until_seq: int | None = None
) -> list[ChainLink]:
    """Up to ``size`` records after ``after_seq`` (at most ``until_seq``), in chain order,
    with the content hash of those an erasure pseudonymised.

    A verification reads every record: on PostgreSQL asyncpg runs the batch itself (on the
    session's connection, in its transaction) and the server renders the canonical text of
    ids and instants; elsewhere the rows are read as plain tuples, not entities."""
    until = _LAST_SEQ if until_seq is None else until_seq
    if session.bind.dialect.name == "postgresql":
        raw = await (await session.connection()).get_raw_connection()
        driver: Any = raw.driver_connection
        rows = await driver.fetch(_POSTGRES_CHAIN_BATCH, after_seq, size, until)
        decode = msgspec.json.decode
        content: Callable[..., CanonicalRecord] = CanonicalRecord  # positional, in field order
        return [
            ChainLink(
                content(*row[:11], decode(row[11]), decode(row[12]), decode(row[13])),
                row[14],
                row[15],
            )
            for row in rows
        ]
    result = await session.execute(
        select(*_CHAIN_COLUMNS, audit_pseudonymised.c.content_hash)
        .outerjoin(audit_pseudonymised, audit_pseudonymised.c.seq == AuditRecordRow.seq)
        .where(AuditRecordRow.seq > after_seq, AuditRecordRow.seq <= until)
        .order_by(AuditRecordRow.seq)
        .limit(size)
    )
    return [_link(row) for row in result.tuples()]


def _link(row: Sequence[Any]) -> ChainLink:
    """The link of a row of :data:`_CHAIN_COLUMNS` and the content hash."""
    seq, previous_hash, ident, occurred_at, service, actor_id, organisation_id = row[:7]
    request_id, resource_kind, resource_id, action, before, after, withheld = row[7:14]
    content = CanonicalRecord(
        seq=seq,
        previous_hash=previous_hash,
        id=str(ident),
        occurred_at=instant_text(occurred_at),
        service=service,
        actor_id=None if actor_id is None else str(actor_id),
        organisation_id=None if organisation_id is None else str(organisation_id),
        request_id=request_id,
        resource_kind=resource_kind,
        resource_id=resource_id,
        action=action,
        before=before,
        after=after,
        withheld=withheld,
    )
    return ChainLink(content, row[14], row[15])


async def record_count(session: AsyncSession) -> int:
    """How many records are kept."""
    return int(await session.scalar(select(func.count()).select_from(AuditRecordRow)) or 0)


class SqlChainSource:
    """The :class:`~reptidex.domain.audit.verification.ChainSource` of one session (which must
    see the whole trail: the owner's connection, or a session scoped to all)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def start(self) -> ChainPoint:
        """The newest checkpoint, or the genesis."""
        return await chain_start(self._session)

    async def head(self) -> ChainPoint:
        """The chain's head."""
        return await chain_head(self._session)

    async def count(self) -> int:
        """The records kept."""
        return await record_count(self._session)

    async def batch(
        self, after_seq: int, size: int, until_seq: int | None = None
    ) -> list[ChainLink]:
        """The next records in chain order."""
        return await chain_batch(self._session, after_seq, size, until_seq)
