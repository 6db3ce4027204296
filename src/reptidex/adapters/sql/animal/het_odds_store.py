""":class:`~reptidex.domain.animals.ports.HetOddsStore` in SQL: the tables of migration
``animal_0013`` (``animal_het_odds``, ``animal_het_odds_state``), the same statements on
SQLite and PostgreSQL (upserts through each dialect's ``ON CONFLICT``), except the request
for other organisations' relatives: on PostgreSQL the function of migration ``animal_0014``
(row-level security hides their animals from the caller), on SQLite the same walk here."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from sqlalchemy import Insert, bindparam, case, delete, func, literal, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.animal.models import AnimalRow, het_odds_state_table, het_odds_table
from reptidex.domain.animals.het_odds import GenotypeOdds, OddsReason
from reptidex.domain.animals.stored_het_odds import (
    HetOddsStatus,
    StoredGeneOdds,
    StoredHetOdds,
    probability_text,
)
from reptidex.engine.carriers import Probability

WORKER = "het_odds_upkeep"
"""The ``reptidex.worker`` setting of the upkeep worker's read of every organisation's
requests (the policy of migration ``animal_0013``)."""

ODDS = het_odds_table
STATE = het_odds_state_table
MOST_STARTS = 1_000
"""The most starting animals one request for relatives walks from (as the function of
migration ``animal_0014``)."""
MOST_ANIMALS = 10_000
"""The walk's hard bound (as the function of migration ``animal_0014``)."""


@functools.cache
def relatives_statement() -> Insert:
    """SQLite's request for relatives (PostgreSQL's is migration ``animal_0014``'s function): the family of the starting
    animals over every organisation's animals, walked both ways through the parent links
    (``UNION`` drops the animals already reached, so the walk ends), its first ``limit``
    ids; their state rows of organisations other than ``organisation`` asked for (the
    earliest ask kept)."""
    animal = AnimalRow.__table__
    reached = animal.alias("reached")
    relative = animal.alias("relative")
    family = (
        select(animal.c.id.label("id"))
        .where(animal.c.id.in_(bindparam("starts", expanding=True, type_=animal.c.id.type)))
        .cte("family", recursive=True)
    )
    family = family.union(
        select(relative.c.id).select_from(
            family.join(reached, reached.c.id == family.c.id).join(
                relative,
                or_(
                    relative.c.sire_id == family.c.id,
                    relative.c.dam_id == family.c.id,
                    relative.c.id == reached.c.sire_id,
                    relative.c.id == reached.c.dam_id,
                ),
            )
        )
    )
    bounded = select(family.c.id).limit(bindparam("limit")).scalar_subquery()
    wanted = select(
        animal.c.id,
        animal.c.organisation_id,
        literal("pending"),
        literal(0),
        literal(False),
        bindparam("at", type_=STATE.c.requested_at.type),
    ).where(
        animal.c.id.in_(bounded),
        animal.c.organisation_id != bindparam("organisation", type_=animal.c.organisation_id.type),
    )
    insert = sqlite.insert(STATE)
    statement: Insert = insert.from_select(
        ["animal_id", "organisation_id", "status", "family_size", "exact", "requested_at"],
        wanted,
    ).on_conflict_do_update(
        index_elements=[STATE.c.animal_id],
        set_={"requested_at": func.coalesce(STATE.c.requested_at, insert.excluded.requested_at)},
    )
    return statement


def _probability(value: str, exact: bool) -> Probability:
    """A kept probability: a Fraction when kept as one (``"2/3"``, ``"1"``), else a float
    (the odds of a family past the exact bound, an explanation's effects)."""
    if exact and not any(c in value for c in ".eEn"):
        return Fraction(value)
    return float(value)


def _gene_row(organisation_id: uuid.UUID, odds: StoredGeneOdds, position: int) -> dict[str, Any]:
    return {
        "animal_id": None,
        "locus": odds.locus,
        "organisation_id": organisation_id,
        "position": position,
        "name": odds.name,
        "carrier": odds.carrier_text,
        "carrier_float": float(odds.carrier),
        "proven": odds.proven,
        "genotypes": [
            {
                "name": g.name,
                "alleles": list(g.alleles),
                "probability": probability_text(g.probability),
            }
            for g in odds.genotypes
        ],
        "reasons": [
            {
                "text": r.text,
                "effect": probability_text(r.effect),
                "animal_ids": [str(a) for a in r.animal_ids],
            }
            for r in odds.reasons
        ],
        "method": odds.method,
        "exact": odds.exact,
        "family_size": odds.family_size,
        "computed_at": odds.computed_at,
    }


def _gene_of(row: Any) -> StoredGeneOdds:
    exact = bool(row.exact)
    return StoredGeneOdds(
        locus=row.locus,
        name=row.name,
        carrier=_probability(row.carrier, exact),
        proven=bool(row.proven),
        genotypes=tuple(
            GenotypeOdds(
                g["name"], (g["alleles"][0], g["alleles"][1]), _probability(g["probability"], exact)
            )
            for g in row.genotypes
        ),
        reasons=tuple(
            OddsReason(
                r["text"],
                _probability(r["effect"], exact),
                tuple(uuid.UUID(a) for a in r["animal_ids"]),
            )
            for r in row.reasons
        ),
        method=row.method,
        exact=exact,
        family_size=row.family_size,
        computed_at=row.computed_at,
    )


def _fingerprint(genes: Sequence[StoredGeneOdds]) -> list[tuple[str, str, str, bool]]:
    """What the ``animal.het_odds.changed`` event says of the genes: a change is one of these."""
    return [(g.locus, g.name, g.carrier_text, g.proven) for g in genes]


class SqlHetOddsStore:
    """Kept het odds on a SQLAlchemy session (bound to an organisation, or the upkeep
    worker's read)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @property
    def _postgres(self) -> bool:
        return self._session.bind.dialect.name == "postgresql"

    async def bind_worker(self) -> None:
        """Let this transaction read every organisation's requests (PostgreSQL)."""
        if self._postgres:
            await self._session.execute(
                text("SELECT set_config('reptidex.worker', :worker, true)"), {"worker": WORKER}
            )

    async def for_animals(
        self, organisation_id: uuid.UUID, animal_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[StoredGeneOdds]]:
        """The kept odds of these animals, by animal, genes in catalog order."""
        if not animal_ids:
            return {}
        rows = await self._session.execute(
            select(ODDS)
            .where(ODDS.c.organisation_id == organisation_id, ODDS.c.animal_id.in_(animal_ids))
            .order_by(ODDS.c.animal_id, ODDS.c.position)
        )
        found: dict[uuid.UUID, list[StoredGeneOdds]] = {}
        for row in rows:
            found.setdefault(row.animal_id, []).append(_gene_of(row))
        return found

    async def state_of(
        self, organisation_id: uuid.UUID, animal_id: uuid.UUID
    ) -> StoredHetOdds | None:
        """Everything kept of the animal's het odds, if anything."""
        row = (
            await self._session.execute(
                select(STATE).where(
                    STATE.c.organisation_id == organisation_id, STATE.c.animal_id == animal_id
                )
            )
        ).first()
        if row is None:
            return None
        genes = (await self.for_animals(organisation_id, [animal_id])).get(animal_id, [])
        status: HetOddsStatus = row.status
        return StoredHetOdds(
            organisation_id=row.organisation_id,
            animal_id=row.animal_id,
            status=status,
            note=row.note,
            family_size=row.family_size,
            exact=bool(row.exact),
            computed_at=row.computed_at,
            genes=tuple(genes),
            requested_at=row.requested_at,
        )

    async def replace(
        self,
        organisation_id: uuid.UUID,
        results: Sequence[StoredHetOdds],
        *,
        requested_before: dt.datetime,
    ) -> list[StoredHetOdds]:
        """Keep ``results`` instead of what was kept; the results whose genes changed."""
        if not results:
            return []
        ids = [r.animal_id for r in results]
        before = await self.for_animals(organisation_id, ids)
        await self._session.execute(
            delete(ODDS).where(ODDS.c.organisation_id == organisation_id, ODDS.c.animal_id.in_(ids))
        )
        rows = [
            _gene_row(organisation_id, gene, position) | {"animal_id": result.animal_id}
            for result in results
            for position, gene in enumerate(result.genes)
        ]
        if rows:
            await self._session.execute(ODDS.insert(), rows)
        for result in results:
            values = {
                "animal_id": result.animal_id,
                "organisation_id": organisation_id,
                "status": result.status,
                "note": result.note,
                "family_size": result.family_size,
                "exact": result.exact,
                "computed_at": result.computed_at,
                "requested_at": None,
            }
            insert = (postgresql if self._postgres else sqlite).insert(STATE).values(values)
            await self._session.execute(
                insert.on_conflict_do_update(
                    index_elements=[STATE.c.animal_id],
                    set_={
                        **{k: insert.excluded[k] for k in values if k != "requested_at"},
                        "requested_at": case(
                            (STATE.c.requested_at <= requested_before, None),
                            else_=STATE.c.requested_at,
                        ),
                    },
                )
            )
        return [
            r for r in results if _fingerprint(r.genes) != _fingerprint(before.get(r.animal_id, []))
        ]

    async def request(
        self, organisation_id: uuid.UUID, animal_ids: Sequence[uuid.UUID], at: dt.datetime
    ) -> None:
        """Ask for these animals' families to be computed again (the earliest ask is kept;
        ids that are not the organisation's animals are skipped)."""
        if not animal_ids:
            return
        animal = AnimalRow.__table__
        wanted = select(
            animal.c.id,
            animal.c.organisation_id,
            literal("pending"),
            literal(0),
            literal(False),
            literal(at, STATE.c.requested_at.type),
        ).where(animal.c.organisation_id == organisation_id, animal.c.id.in_(set(animal_ids)))
        insert = (postgresql if self._postgres else sqlite).insert(STATE)
        statement = insert.from_select(
            ["animal_id", "organisation_id", "status", "family_size", "exact", "requested_at"],
            wanted,
        ).on_conflict_do_update(
            index_elements=[STATE.c.animal_id],
            set_={
                "requested_at": case(
                    (STATE.c.requested_at.is_(None), insert.excluded.requested_at),
                    else_=STATE.c.requested_at,
                )
            },
        )
        await self._session.execute(statement)

    async def request_relatives(
        self,
        organisation_id: uuid.UUID,
        animal_ids: Sequence[uuid.UUID],
        at: dt.datetime,
        *,
        limit: int,
    ) -> None:
        """Ask for the animals of other organisations in these animals' families (walked
        over every organisation's animals, at most ``limit`` of them) to be computed again;
        nothing is read back. On PostgreSQL through ``animal_request_family_upkeep``, which
        alone may see and ask for other organisations' animals."""
        starts = sorted(set(animal_ids))[:MOST_STARTS]
        if not starts:
            return
        if self._postgres:
            await self._session.execute(
                text("SELECT animal_request_family_upkeep(CAST(:starts AS uuid[]), :at, :limit)"),
                {"starts": starts, "at": at, "limit": limit},
            )
            return
        await self._session.execute(
            relatives_statement(),
            {
                "starts": starts,
                "at": at,
                "limit": max(0, min(limit, MOST_ANIMALS)),
                "organisation": organisation_id,
            },
        )

    async def forget(self, organisation_id: uuid.UUID, animal_ids: Sequence[uuid.UUID]) -> None:
        """Drop what is kept of these animals of the organisation."""
        for table in (ODDS, STATE):
            await self._session.execute(
                delete(table).where(
                    table.c.organisation_id == organisation_id, table.c.animal_id.in_(animal_ids)
                )
            )

    async def requested(self, before: dt.datetime, limit: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """Up to ``limit`` requests made at or before ``before``, earliest first."""
        rows = await self._session.execute(
            select(STATE.c.organisation_id, STATE.c.animal_id)
            .where(STATE.c.requested_at.is_not(None), STATE.c.requested_at <= before)
            .order_by(STATE.c.requested_at, STATE.c.animal_id)
            .limit(limit)
        )
        return [(row.organisation_id, row.animal_id) for row in rows]
