"""The consumer of every service's audit records: appends the records of the events that
arrive together in one transaction (one lock of the chain's head, one commit), each at most
once (a :class:`~reptidex.adapters.sql.batched_consumer.BatchedConsumer` of group
``ops:audit``).

A batch whose commit fails (a concurrent consumer marked one of its events first) fails each
of its events' deliveries, which the bus retries; an event whose payload is not an audit
record fails alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from reptidex.adapters.sql.batched_consumer import MAX_BATCH, BatchedConsumer
from reptidex.adapters.sql.ops.audit_trail import append_records
from reptidex.domain.audit import AuditRecord, record_of


async def _append(records: Sequence[AuditRecord], session: AsyncSession) -> None:
    await append_records(session, records)


class AuditIngest(BatchedConsumer[AuditRecord]):
    """An event handler for ``audit.recorded``: each call returns once its record is
    committed (or raises why it was not). Calls that arrive while a batch is written wait for
    the next one, which takes them all (up to ``max_batch``)."""

    def __init__(self, engine: AsyncEngine, group: str, *, max_batch: int = MAX_BATCH) -> None:
        super().__init__(engine, "ops", group, _append, record_of, max_batch=max_batch)
