"""The animals' kept pedigree carrier odds in SQL (``animal_het_odds``, under row-level
security: an organisation reads and writes its own animals' odds only)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.commerce.mapping import odds_genes
from reptidex.adapters.sql.commerce.models import AnimalHetOddsRow
from reptidex.domain.commerce.pedigree_odds import HetOddsChange, PedigreeOdds, odds_plain


class SqlKeptHetOdds:
    """The :class:`~reptidex.domain.commerce.ports.KeptHetOdds` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _row(
        self, organisation_id: uuid.UUID, animal_id: uuid.UUID
    ) -> AnimalHetOddsRow | None:
        row: AnimalHetOddsRow | None = await self.session.scalar(
            select(AnimalHetOddsRow)
            .where(
                AnimalHetOddsRow.organisation_id == organisation_id,
                AnimalHetOddsRow.animal_id == animal_id,
            )
            .execution_options(populate_existing=True)
        )
        return row

    async def get(self, organisation_id: uuid.UUID, animal_id: uuid.UUID) -> PedigreeOdds | None:
        """The odds kept for the organisation's animal, if any."""
        row = await self._row(organisation_id, animal_id)
        return None if row is None else PedigreeOdds(row.computed_at, odds_genes(row.genes))

    async def keep(self, change: HetOddsChange) -> None:
        """Keep the change's odds for its animal, in place of any kept before."""
        row = await self._row(change.organisation_id, change.animal_id)
        if row is None:
            row = AnimalHetOddsRow(
                organisation_id=change.organisation_id, animal_id=change.animal_id
            )
            self.session.add(row)
        row.species = change.species
        row.genes = odds_plain(change.odds) or []
        row.computed_at = change.odds.computed_at
        await self.session.flush()
