"""``/animals/{id}/het-odds``: an animal's odds of carrying each recessive of its family,
from the whole recorded pedigree, with why."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

import msgspec
from litestar import Controller, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath

from reptidex.domain.animals.het_odds import GeneOdds, HetOdds, HetOddsLimits
from reptidex.domain.animals.het_odds_upkeep import ask_for_upkeep, current_het_odds
from reptidex.domain.animals.stored_het_odds import StoredGeneOdds, StoredHetOdds
from reptidex.domain.animals.stored_het_odds import probability_text as _text
from reptidex.services.animal.access import (
    READ,
    SECURITY,
    WRITE,
    CallerActor,
    GeneticsDependency,
    UnitOfWork,
)
from reptidex.services.kernel.problems import Problem


class GenotypeOddsView(msgspec.Struct, frozen=True):
    """One genotype of the locus and its posterior probability."""

    genotype: str
    """As breeders write it: ``Normal``, ``het Clown``, ``Clown``, ``Albino/Candy``."""
    alleles: tuple[str, str]
    """Two allele ids, the wild type ``+``."""
    probability: str
    """Exact (``"2/3"``) when the answer is ``exact``, else a decimal number."""


class ReasonView(msgspec.Struct, frozen=True):
    """A group of relatives' records that moved the animal's odds of carrying."""

    text: str
    """E.g. ``proven by 2 visual Clown offspring with Hera (BP-26-0002)``."""
    effect: str
    """Its effect on the probability of carrying (with every record minus without it)."""
    animal_ids: list[uuid.UUID]
    """The relatives whose records these are."""


class GeneOddsView(msgspec.Struct, frozen=True):
    """The animal's posterior at one locus (a recessive gene or an allelic complex)."""

    locus: str
    name: str
    genotypes: list[GenotypeOddsView]
    carrier: str
    """The probability of carrying at least one mutant allele."""
    carrier_percent: float
    proven: bool
    """True when ``carrier`` is 1: every non-carrier genotype is ruled out."""
    method: str
    """``junction_tree``: exact inference on the whole family."""
    explanation: list[ReasonView]
    """The records that moved the odds, largest effect first."""


class HetOddsView(msgspec.Struct, frozen=True):
    """An animal's het odds from its whole recorded family."""

    animal_id: uuid.UUID
    code: str
    species: str
    family_size: int
    """The animals the odds are computed from (the animal, its relatives the organisation
    may see, and external parents named on records)."""
    exact: bool
    """True: probabilities are exact fractions. False: the family is larger than the exact
    bound and they are floats (double precision)."""
    genes: list[GeneOddsView]
    notes: list[str]
    source: Literal["kept", "computed"] = "computed"
    """``kept``: the odds the upkeep keeps, up to date with every record of the family;
    ``computed``: computed for this answer (a change not taken into account yet)."""
    computed_at: dt.datetime | None = None
    """When these odds were computed."""


class KeptGeneOddsView(msgspec.Struct, frozen=True):
    """An animal's kept posterior at one locus, as its page shows it."""

    locus: str
    name: str
    summary: str
    """``proven het Clown`` when the posterior is 1, else e.g. ``66% het Clown``."""
    carrier: str
    """Exact (``"2/3"``) when ``exact``, else a decimal number."""
    carrier_percent: float
    """Rounded to one decimal."""
    proven: bool
    genotypes: list[GenotypeOddsView]
    explanation: list[ReasonView]
    """Empty for odds estimated by sampling (an explanation needs exact inference)."""
    method: str
    """``junction_tree``: exact inference; ``gibbs``: estimated by Gibbs sampling, for a
    family too interbred for exact inference (``note`` gives the largest standard error)."""
    exact: bool


class KeptHetOddsView(msgspec.Struct, frozen=True):
    """What repti-animal keeps of an animal's het odds, computed in the background from its
    whole recorded family whenever a relative's record changes."""

    status: Literal["pending", "computed", "too_large", "too_complex", "contradiction"]
    """``computed``: ``genes`` holds the odds; ``pending``: never computed yet; otherwise why
    no odds are kept (the family too large, too interbred, or its records contradicting
    each other: ``note`` says which)."""
    note: str | None
    family_size: int
    exact: bool
    computed_at: dt.datetime | None
    up_to_date: bool
    """False while a relative's change waits to be computed."""
    genes: list[KeptGeneOddsView]


LIMITS = HetOddsLimits()
"""The default bounds, as the operation's description states them."""


def _gene_view(gene: GeneOdds) -> GeneOddsView:
    return GeneOddsView(
        locus=gene.locus,
        name=gene.name,
        genotypes=[
            GenotypeOddsView(g.name, g.alleles, _text(g.probability)) for g in gene.genotypes
        ],
        carrier=_text(gene.carrier),
        carrier_percent=round(float(gene.carrier) * 100, 4),
        proven=gene.proven,
        method=gene.method,
        explanation=[ReasonView(r.text, _text(r.effect), list(r.animal_ids)) for r in gene.reasons],
    )


def het_odds_view(
    odds: HetOdds, *, kept: bool = False, computed_at: dt.datetime | None = None
) -> HetOddsView:
    """The response body of the het odds."""
    return HetOddsView(
        animal_id=odds.animal.id,
        code=odds.animal.code,
        species=odds.animal.species,
        family_size=odds.family_size,
        exact=odds.exact,
        genes=[_gene_view(g) for g in odds.genes],
        notes=list(odds.notes),
        source="kept" if kept else "computed",
        computed_at=computed_at,
    )


def kept_gene_view(gene: StoredGeneOdds) -> KeptGeneOddsView:
    """One kept locus as an animal's page shows it."""
    return KeptGeneOddsView(
        locus=gene.locus,
        name=gene.name,
        summary=gene.summary,
        carrier=gene.carrier_text,
        carrier_percent=gene.percent,
        proven=gene.proven,
        genotypes=[
            GenotypeOddsView(g.name, g.alleles, _text(g.probability)) for g in gene.genotypes
        ],
        explanation=[ReasonView(r.text, _text(r.effect), list(r.animal_ids)) for r in gene.reasons],
        method=gene.method,
        exact=gene.exact,
    )


def kept_het_odds_view(state: StoredHetOdds) -> KeptHetOddsView:
    """What is kept of an animal's het odds."""
    return KeptHetOddsView(
        status=state.status,
        note=state.note,
        family_size=state.family_size,
        exact=state.exact,
        computed_at=state.computed_at,
        up_to_date=state.fresh,
        genes=[kept_gene_view(g) for g in state.genes],
    )


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=description, media_type="application/problem+json"
    )


class HetOddsController(Controller):
    """Het odds from the whole pedigree."""

    path = "/animals/{animal_id:uuid}"
    tags = ("animals",)
    security = SECURITY

    @get(
        "/het-odds",
        guards=READ,
        summary="Het odds from the whole pedigree",
        description="For every recessive gene (and allelic complex with a recessive allele) "
        "named in the morphs of the animal's family (its relatives connected by parent links "
        "that the organisation may see: parents, grandparents, siblings, offspring, mates' "
        "offspring, external parents by name), the animal's posterior genotype distribution "
        "given every recorded morph of the family, the probability of carrying, `proven` when "
        "it is 1, the method, and the explanation (which relatives' records moved the odds). "
        f'Exact fractions (`"2/3"`) for families up to {LIMITS.exact_animals:,} animals; '
        "larger families get floats, with `exact` false and a note. A family above "
        f"{LIMITS.family_animals:,} animals is a 422, refused before any work, as is one too "
        "interbred for exact inference (no approximation is given). Records that cannot "
        "all be true (a normal-looking hatchling of two visual Clowns) are a 409 naming the "
        "animals (`errors[]`, field `animals.<id>`). 404 for an animal not in the caller's "
        "organisation. `source` says where the answer comes from: `kept` when the odds the "
        "background upkeep keeps are up to date with every record of the family (computed "
        "after each of its animals last changed, no change waiting), else `computed` for "
        "this answer, off the event loop, on the genetics threads; `computed_at` says when.",
        responses={
            200: ResponseSpec(data_container=HetOddsView, description="The het odds."),
            409: _problem("The family's records contradict each other; the animals are named."),
            422: _problem("The family is too large or too interbred for het odds."),
        },
    )
    async def het_odds(
        self,
        actor: CallerActor,
        uow: UnitOfWork,
        genetics: GeneticsDependency,
        animal_id: FromPath[uuid.UUID],
    ) -> HetOddsView:
        """An animal's het odds."""
        answer = await current_het_odds(
            uow,
            actor,
            animal_id,
            compute=genetics.predictions.compute,
            limits=genetics.het_odds,
            now=dt.datetime.now(dt.UTC),
        )
        return het_odds_view(answer.odds, kept=answer.kept, computed_at=answer.computed_at)

    @post(
        "/het-odds/refresh",
        guards=WRITE,
        status_code=202,
        summary="Compute the kept het odds again",
        description="Ask for the odds repti-animal keeps of the animal's family to be computed "
        "again by the background upkeep (the answer: what is kept, `up_to_date` false until "
        "then). Every recorded change asks for it already, the organisation's own and other "
        "organisations' changes in the same family alike (the offspring of an animal sold "
        "with its ancestry shared); this asks at once, e.g. after a change of what the "
        "organisation may see that recorded nothing new. 404 for an animal not in the "
        "caller's organisation, 403 for a viewer.",
        responses={
            202: ResponseSpec(data_container=KeptHetOddsView, description="Asked."),
        },
    )
    async def refresh_het_odds(
        self, actor: CallerActor, uow: UnitOfWork, animal_id: FromPath[uuid.UUID]
    ) -> KeptHetOddsView:
        """Ask for the animal's family's het odds to be computed again."""
        state = await ask_for_upkeep(uow, actor, animal_id, dt.datetime.now(dt.UTC))
        return kept_het_odds_view(state)
