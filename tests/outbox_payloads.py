"""What a service's transactions staged in its outbox, read back by the tests."""

from __future__ import annotations

import json
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text

from reptidex.services.kernel.app import kernel_of


def staged_payloads(client: TestClient[Litestar], kind: str) -> list[dict[str, Any]]:
    """The payloads of the events of ``kind`` in the outbox of ``client``'s service, oldest
    first (the relay's deliveries leave them there)."""
    engine = kernel_of(client.app).engine

    async def read() -> list[dict[str, Any]]:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT payload FROM outbox_message WHERE event_type = :kind "
                    "ORDER BY occurred_at"
                ),
                {"kind": kind},
            )
            return [json.loads(p) if isinstance(p, str) else p for (p,) in rows]

    with client.portal() as portal:
        return portal.call(read)
