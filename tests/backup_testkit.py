"""Service databases with data in them, for the backup and restore tests."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ci_gate import unavailable
from reptidex.adapters.sql.backup.clients import find_client
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.ops.audit_ingest import AuditIngest
from reptidex.adapters.sql.outbox import OUTBOX_MODELS
from reptidex.domain.audit import AuditRecord, audit_event

OUTBOX_ROWS = 3
AUDIT_RECORDS = 4


def require_postgres_clients() -> None:
    """Skip (fail under CI) unless ``pg_dump`` and ``pg_restore`` are installed."""
    for program in ("pg_dump", "pg_restore"):
        if find_client(program) is None:
            unavailable(f"{program} is not installed (PostgreSQL client programs)")


def seed(service: str, url: str) -> None:
    """Put rows into ``service``'s migrated database: events in its outbox and, for
    repti-ops, records in the audit chain."""

    async def run() -> None:
        engine = create_engine(url, pool_size=2)
        try:
            model = OUTBOX_MODELS[service]
            async with AsyncSession(engine) as session, session.begin():
                for number in range(OUTBOX_ROWS):
                    session.add(
                        model(
                            event_id=uuid.uuid4(),
                            event_type="drill.seeded",
                            producer=service,
                            occurred_at=dt.datetime.now(dt.UTC),
                            payload={"number": number},
                        )
                    )
            if service == "ops":
                ingest = AuditIngest(engine, "ops:audit")
                for number in range(AUDIT_RECORDS):
                    await ingest(audit_event(_record(number)))
        finally:
            await engine.dispose()

    asyncio.run(run())


def _record(number: int) -> AuditRecord:
    return AuditRecord(
        id=uuid.uuid4(),
        occurred_at=dt.datetime.now(dt.UTC),
        service="animal",
        actor_id=None,
        organisation_id=uuid.uuid4(),
        request_id=f"req-{number}",
        resource_kind="animal",
        resource_id=f"a{number}",
        action="updated",
        before={"name": "Old"},
        after={"name": f"New {number}"},
    )


async def execute(url: str, *statements: str) -> None:
    """Run ``statements`` in one transaction on the database at ``url``."""
    engine = create_engine(url, pool_size=2)
    try:
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()
