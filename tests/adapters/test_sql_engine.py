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


async def test_a_transaction_begun_on_the_driver_ends_before_the_connection_is_reused(
    postgres_database: str,
) -> None:
    """A fast path's asyncpg transaction left open (its task cancelled mid-way) is rolled back
    when the connection goes back to the pool: the next user sees no setting of it."""
    engine = create_engine(postgres_database, pool_size=1)
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            await driver.execute("BEGIN READ ONLY")
            await driver.execute("SELECT set_config('reptidex.organisation_id', 'a', true)")
        async with engine.connect() as connection:  # the pool's only connection
            raw = await connection.get_raw_connection()
            assert raw.driver_connection is driver
            assert driver is not None
            assert not driver.is_in_transaction()
            setting = "SELECT current_setting('reptidex.organisation_id', true)"
            assert (await connection.execute(text(setting))).scalar() in (None, "")
            assert (await connection.execute(text("SHOW transaction_read_only"))).scalar() == "off"
    finally:
        await engine.dispose()
