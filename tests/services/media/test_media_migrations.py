"""repti-media's hand-written migrations build exactly the tables its models declare, and
media_0009 has every animal of the copy read again."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from reptidex.adapters.sql.bases import service_metadata
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.media.embeds import backfill_transaction
from reptidex.adapters.sql.migrations import downgrade, upgrade
from reptidex.domain.media.embeds import PossibleHet, PublicAnimal
from reptidex.domain.media.ports import SharedAnimal
from reptidex.domain.media.use_cases.animal_copy import apply_page
from reptidex.services.kernel.settings import Settings

MEDIA_TABLES = {
    "media_file",
    "media_render",
    "media_public_animal",
    "media_embed_settings",
    "media_embed_view",
}


def test_migrations_match_the_models(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    url = settings.database_url("media")
    upgrade("media", url)
    engine = sa.create_engine(url.replace("+aiosqlite", ""))
    metadata = service_metadata("media")
    assert set(metadata.tables) >= MEDIA_TABLES
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = [
            d
            for d in compare_metadata(context, metadata)
            if any(table in repr(d) for table in MEDIA_TABLES)
        ]
    engine.dispose()
    assert differences == []


@pytest.fixture(params=["sqlite", "postgres"])
def empty_media_url(request: pytest.FixtureRequest, make_settings: Callable[..., Settings]) -> str:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_database")
        return url
    return make_settings().database_url("media")


def test_the_genetics_migration_has_every_animal_read_again(empty_media_url: str) -> None:
    # media_0009: rows from before it hold nothing of what an animal carries, and a catch-up
    # pass would never read an unchanged animal again; after it, the next pass fills them
    url = empty_media_url
    upgrade("media", url, "media_0008")
    animal, organisation = uuid.uuid4(), uuid.uuid4()
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows = sa.table(
        "media_public_animal",
        *(sa.column(name, GUID()) for name in ("id", "organisation_id")),
        *(sa.column(name, DateTimeUTC()) for name in ("created_at", "updated_at", "summary_at")),
        *(sa.column(name, sa.String()) for name in _SUMMARY),
    )
    ledger = sa.table(
        "media_animal_backfill",
        sa.column("id", GUID()),
        *(sa.column(name, DateTimeUTC()) for name in ("created_at", "updated_at", "started_at")),
        sa.column("scope", sa.String()),
        sa.column("animals", sa.Integer()),
    )
    summary = PublicAnimal(
        animal, organisation, "RX-1", "Carrier", "ball_python", "female", "Pastel", "for_sale",
        "public", hets=("Albino",), possible_hets=(PossibleHet("Clown", Fraction(2, 3)),),
    )  # fmt: skip

    async def scenario() -> tuple[Any, int, PublicAnimal | None, PublicAnimal | None]:
        engine = create_engine(url, pool_size=2)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    rows.insert().values(
                        id=animal, organisation_id=organisation, created_at=t0, updated_at=t0,
                        summary_at=t0 + dt.timedelta(hours=1),
                        **{name: getattr(summary, name) for name in _SUMMARY},
                    )
                )  # fmt: skip
                await connection.execute(
                    ledger.insert().values(
                        id=uuid.uuid4(), created_at=t0, updated_at=t0, started_at=t0,
                        scope="all", animals=1,
                    )
                )  # fmt: skip
            upgrade("media", url)
            async with engine.connect() as connection:
                stored = (
                    await connection.execute(
                        sa.text("SELECT summary_at, hets, possible_hets FROM media_public_animal")
                    )
                ).one()
                passes = await connection.scalar(
                    sa.text("SELECT count(*) FROM media_animal_backfill")
                )
            async with backfill_transaction(engine) as store:
                before = await store.animals.get(animal)
                # the listing read before the animal's last event still brings what it carries
                await apply_page(store.animals, [SharedAnimal(summary, t0)])
                await store.commit()
            async with backfill_transaction(engine) as store:
                after = await store.animals.get(animal)
            return tuple(stored), int(passes or 0), before, after
        finally:
            await engine.dispose()

    stored, passes, before, after = asyncio.run(scenario())
    assert stored == (None, None, None)
    assert passes == 0
    assert before is not None
    assert before.genetics == ""
    assert after is not None
    assert after.genetics == "het Albino, 66% het Clown"
    downgrade("media", url, "media_0008")
    upgrade("media", url)


_SUMMARY = ("code", "name", "species", "sex", "phenotype", "status", "visibility")
