"""The services' engines: every PostgreSQL connection of the pool runs without JIT
compilation."""

from __future__ import annotations

from sqlalchemy import text

from reptidex.adapters.sql.engine import create_engine


async def test_postgres_connections_run_without_jit(postgres_database: str) -> None:
    engine = create_engine(postgres_database, pool_size=2)
    try:
        async with engine.connect() as first, engine.connect() as second:
            settings = [(await c.execute(text("SHOW jit"))).scalar() for c in (first, second)]
        assert settings == ["off", "off"]  # the server's default is on
    finally:
        await engine.dispose()
