"""``/breeding``: pairs, clutches, hatchlings, statistics and the pairing planner."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from litestar import Controller, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from reptidex.domain.animals.breeding import (
    ClutchDraft,
    ClutchEvidence,
    HatchlingDraft,
    change_clutch,
    change_pair,
    clutch_evidence,
    create_pair,
    get_clutch,
    list_clutches,
    list_pairs,
    pair_outcomes,
    record_clutch,
    register_hatchlings,
    show_pair,
)
from reptidex.domain.animals.breeding_model import BreedingPair, Clutch, PairStatus
from reptidex.domain.animals.breeding_statistics import breeding_statistics
from reptidex.domain.animals.model import AnimalSex
from reptidex.domain.animals.pairing_planner import plan_pairings
from reptidex.services.animal.access import (
    READ,
    SECURITY,
    WRITE,
    CallerActor,
    GeneticsDependency,
    UnitOfWork,
)
from reptidex.services.animal.genetics_schemas import PredictionView, prediction_view
from reptidex.services.animal.schemas import AnimalView, Morph, Name, Notes, animal_view
from reptidex.services.kernel.plausible_dates import PlausibleDate

PairStatusName = Literal["planned", "introduced", "locked", "laid", "failed"]
Season = Annotated[str, msgspec.Meta(min_length=1, max_length=20, examples=["2026"])]
Count = Annotated[int, msgspec.Meta(ge=0, le=500)]
Temperature = Annotated[float, msgspec.Meta(ge=10, le=45, description="Degrees Celsius")]


class PairCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A pairing of a male and a female of the collection for a season."""

    sire_id: uuid.UUID
    dam_id: uuid.UUID
    season: Season | None = None
    status: PairStatusName = "planned"
    notes: Notes | None = None


class PairPatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A pair's new status and/or notes."""

    status: PairStatusName | None = None
    notes: Notes | None = None


class PairSummary(msgspec.Struct, frozen=True):
    """A pair without its prediction."""

    id: uuid.UUID
    sire_id: uuid.UUID
    dam_id: uuid.UUID
    season: str
    status: PairStatusName
    prospective_coi: float
    notes: str | None


class PairView(msgspec.Struct, frozen=True):
    """A pair with its predicted clutch (engine JSON contract) and the offspring's COI."""

    id: uuid.UUID
    sire_id: uuid.UUID
    dam_id: uuid.UUID
    season: str
    status: PairStatusName
    prospective_coi: float
    notes: str | None
    prediction: PredictionView
    transferred: list[uuid.UUID] = []
    """Parents sold to another organisation since: the pair stays in the seller's history and
    its prediction uses the genotype each had when it left."""
    sire_odds_from_pedigree: list[str] = []
    """The genes at which the prediction took the sire's kept pedigree posterior (its het
    odds from the whole recorded family) in place of its typed odds."""
    dam_odds_from_pedigree: list[str] = []
    """The same for the dam."""


def pair_summary(pair: BreedingPair) -> PairSummary:
    """The view of a pair without prediction."""
    return PairSummary(
        pair.id,
        pair.sire_id,
        pair.dam_id,
        pair.season,
        pair.status.value,
        round(pair.prospective_coi, 10),
        pair.notes,
    )


class ClutchCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A clutch: of a pair, or of a dam with its possible sires."""

    laid_on: PlausibleDate
    eggs: Annotated[int, msgspec.Meta(ge=0, le=500)]
    pair_id: uuid.UUID | None = None
    dam_id: uuid.UUID | None = None
    sire_ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=10)] = []
    fertile: Count | None = None
    slugs: Count | None = None
    incubation_temperature: Temperature | None = None
    expected_hatch: PlausibleDate | None = None
    notes: Notes | None = None


class ClutchPatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Changed counts and dates of a clutch (absent fields stay)."""

    fertile: Count | msgspec.UnsetType | None = msgspec.UNSET
    slugs: Count | msgspec.UnsetType | None = msgspec.UNSET
    incubation_temperature: Temperature | msgspec.UnsetType | None = msgspec.UNSET
    expected_hatch: PlausibleDate | msgspec.UnsetType | None = msgspec.UNSET
    hatched_on: PlausibleDate | msgspec.UnsetType | None = msgspec.UNSET
    hatched: Count | msgspec.UnsetType = msgspec.UNSET
    notes: Notes | msgspec.UnsetType | None = msgspec.UNSET


class ClutchView(msgspec.Struct, frozen=True):
    """A clutch with its hatch rate (hatched over fertile eggs, or over eggs)."""

    id: uuid.UUID
    pair_id: uuid.UUID | None
    dam_id: uuid.UUID
    sire_ids: list[uuid.UUID]
    season: str
    laid_on: dt.date
    eggs: int
    fertile: int | None
    slugs: int | None
    incubation_temperature: float | None
    expected_hatch: dt.date | None
    hatched_on: dt.date | None
    hatched: int
    hatch_rate: float | None
    notes: str | None


def clutch_view(clutch: Clutch) -> ClutchView:
    """The view of a clutch."""
    return ClutchView(
        clutch.id,
        clutch.pair_id,
        clutch.dam_id,
        list(clutch.sire_ids),
        clutch.season,
        clutch.laid_on,
        clutch.eggs,
        clutch.fertile,
        clutch.slugs,
        clutch.incubation_temperature,
        clutch.expected_hatch,
        clutch.hatched_on,
        clutch.hatched,
        clutch.hatch_rate,
        clutch.notes,
    )


class ParentOddsView(msgspec.Struct, frozen=True):
    """A parent's odds of carrying a gene: from its record, and given the whole clutch."""

    role: str
    """``sire`` or ``dam``."""
    animal_id: uuid.UUID
    gene: str
    before: str
    """Exact (``"1/2"``)."""
    after: str


class ParentSuggestionView(msgspec.Struct, frozen=True):
    """A gene of a parent the clutch settled (odds of carrying 1 or 0), not yet in its record."""

    role: str
    """``sire`` or ``dam``."""
    animal_id: uuid.UUID
    gene: str
    before: str
    after: str
    suggestion: str
    """E.g. ``mark as proven het Clown``."""
    morph: str | None
    """The parent's morph with only what the clutch ruled out removed (``PATCH`` it as is)."""
    proven_by: list[uuid.UUID]
    """The hatchlings that show it."""


class ClutchEvidenceView(msgspec.Struct, frozen=True):
    """A clutch's hatchlings weighed together, from the records as they are."""

    clutch_id: uuid.UUID
    weighed: bool
    """False for a clutch of several possible sires or with no hatchling registered."""
    hatchlings: int
    """The hatchlings weighed."""
    reason: str | None
    parents: list[ParentOddsView]
    """The parents' odds the clutch moves."""
    suggestions: list[ParentSuggestionView]
    """The genes the clutch settles for a parent."""
    unsettled_ids: list[uuid.UUID]
    """Hatchlings whose stored record the clutch would narrow (edited since they were
    weighed); registering hatchlings of the clutch narrows them."""


def clutch_evidence_view(evidence: ClutchEvidence) -> ClutchEvidenceView:
    """The response body of a clutch's evidence."""
    settled = evidence.settlement
    if settled is None or evidence.sire is None or evidence.dam is None:
        return ClutchEvidenceView(evidence.clutch.id, False, 0, None, [], [], [])
    ids = {"sire": evidence.sire.id, "dam": evidence.dam.id}
    return ClutchEvidenceView(
        evidence.clutch.id,
        True,
        settled.counted,
        settled.reason,
        [
            ParentOddsView(c.role, ids[c.role], c.gene, str(c.before), str(c.after))
            for c in settled.changes
        ],
        [
            ParentSuggestionView(
                s.role,
                ids[s.role],
                s.gene,
                str(s.before),
                str(s.after),
                s.suggestion,
                s.morph,
                list(s.proven_by),
            )
            for s in settled.settled
        ],
        list(settled.records),
    )


class HatchlingBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A hatchling as seen: its visual morph (hets come from the cross), sex, name, code."""

    morph: Morph = "Normal"
    sex: Literal["male", "female", "unknown"] = "unknown"
    name: Name | None = None
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=60)] | None = None


class HatchlingsCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Hatchlings of a clutch."""

    hatchlings: Annotated[list[HatchlingBody], msgspec.Meta(min_length=1, max_length=100)]
    hatched_on: PlausibleDate | None = None


class StatisticsRow(msgspec.Struct, frozen=True):
    """Totals of one pair, female or season."""

    key: str
    pairs: int
    clutches: int
    eggs: int
    fertile: int
    slugs: int
    hatched: int
    hatch_rate: float | None


class OutcomeTallyView(msgspec.Struct, frozen=True):
    """A phenotype: its predicted probability among viable hatchlings, how many of the
    registered hatchlings were expected to show it, and how many did."""

    phenotype: str
    probability: str
    expected: float
    observed: int


class PairOutcomesView(msgspec.Struct, frozen=True):
    """A pair's registered hatchlings against its prediction."""

    pair_id: uuid.UUID
    hatchlings: int
    outcomes: list[OutcomeTallyView]


class PlanRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A target morph to breed, and the COI limit."""

    species: Annotated[str, msgspec.Meta(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")]
    target: Annotated[
        str, msgspec.Meta(min_length=1, max_length=300, examples=["Banana Pied Clown"])
    ]
    max_coi: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.125
    limit: Annotated[int, msgspec.Meta(ge=1, le=200)] = 20
    viable_only: bool = False


class PlannedPairView(msgspec.Struct, frozen=True):
    """A possible pairing with its odds of the target per egg and the offspring's COI."""

    sire_id: uuid.UUID
    sire: str
    dam_id: uuid.UUID
    dam: str
    probability: str
    percent: float
    prospective_coi: float
    sire_odds_from_pedigree: list[str] = []
    """The genes at which the sire was ranked by its kept pedigree posterior (its het odds
    from the whole recorded family) rather than its typed odds."""
    dam_odds_from_pedigree: list[str] = []
    """The same for the dam."""


class PlanView(msgspec.Struct, frozen=True):
    """Pairings best first, within the COI limit."""

    target: str
    max_coi: float
    considered: int
    over_coi_limit: int
    pairs: list[PlannedPairView]


class BreedingController(Controller):
    """Breeding of the caller's organisation."""

    path = "/breeding"
    tags = ("breeding",)
    security = SECURITY

    @post(
        "/pairs",
        guards=WRITE,
        summary="Pair a sire and a dam",
        description="Pair a male and a female of the collection for a season (default: this "
        "year). Returns the pair with its predicted clutch (the engine's outcomes, same shape "
        "as `reptidex genetics cross --json`) and the prospective COI of the offspring. Emits "
        "`breeding.pair_created`; 409 if they are already paired that season.",
    )
    async def create_pair(
        self, actor: CallerActor, uow: UnitOfWork, data: JSONBody[PairCreate]
    ) -> PairView:
        """Pair two animals."""
        result = await create_pair(
            uow,
            actor,
            data.sire_id,
            data.dam_id,
            season=data.season or str(dt.datetime.now(dt.UTC).year),
            notes=data.notes,
            status=PairStatus(data.status),
        )
        return PairView(
            **msgspec.structs.asdict(pair_summary(result.pair)),
            prediction=prediction_view(result.prediction),
            sire_odds_from_pedigree=list(result.sire_from_pedigree),
            dam_odds_from_pedigree=list(result.dam_from_pedigree),
        )

    @get(
        "/pairs",
        guards=READ,
        summary="List pairs",
        description="The organisation's pairs, newest first, filtered by season and status.",
    )
    async def list_pairs(
        self,
        actor: CallerActor,
        uow: UnitOfWork,
        season: Annotated[str | None, QueryParameter(max_length=20)] = None,
        status: Annotated[PairStatusName | None, QueryParameter()] = None,
    ) -> list[PairSummary]:
        """List pairs."""
        pairs = await list_pairs(
            uow, actor, season=season, status=PairStatus(status) if status else None
        )
        return [pair_summary(p) for p in pairs]

    @get(
        "/pairs/{pair_id:uuid}",
        guards=READ,
        summary="Show a pair",
        description="A pair with its predicted clutch from the parents' current genotypes, "
        "each with its het odds from the whole recorded pedigree where repti-animal keeps them "
        "(named in `sire_odds_from_pedigree` and `dam_odds_from_pedigree`). A parent sold to "
        "another organisation since is listed in `transferred` (the pair stays in the "
        "seller's history; its prediction uses the genotype the parent had when sold).",
    )
    async def show_pair(
        self, actor: CallerActor, uow: UnitOfWork, pair_id: FromPath[uuid.UUID]
    ) -> PairView:
        """One pair."""
        result = await show_pair(uow, actor, pair_id)
        return PairView(
            **msgspec.structs.asdict(pair_summary(result.pair)),
            prediction=prediction_view(result.prediction),
            transferred=list(result.transferred),
            sire_odds_from_pedigree=list(result.sire_from_pedigree),
            dam_odds_from_pedigree=list(result.dam_from_pedigree),
        )

    @patch(
        "/pairs/{pair_id:uuid}",
        guards=WRITE,
        summary="Change a pair's status",
        description="Move a pair through planned → introduced → locked → laid (or failed), "
        "or change its notes.",
    )
    async def change_pair(
        self,
        actor: CallerActor,
        uow: UnitOfWork,
        pair_id: FromPath[uuid.UUID],
        data: JSONBody[PairPatch],
    ) -> PairSummary:
        """Change a pair."""
        pair = await change_pair(
            uow,
            actor,
            pair_id,
            status=PairStatus(data.status) if data.status else None,
            notes=data.notes,
        )
        return pair_summary(pair)

    @get(
        "/pairs/{pair_id:uuid}/outcomes",
        guards=READ,
        summary="Compare a pair's hatchlings with its prediction",
        description="For each phenotype the cross predicts (viable offspring), its probability, "
        "the number expected among the hatchlings registered from the pair's clutches, and the "
        "number observed; phenotypes seen but not predicted are listed with probability 0.",
    )
    async def pair_outcomes(
        self, actor: CallerActor, uow: UnitOfWork, pair_id: FromPath[uuid.UUID]
    ) -> PairOutcomesView:
        """Outcomes against prediction."""
        result = await pair_outcomes(uow, actor, pair_id)
        return PairOutcomesView(
            result.pair.id,
            result.hatchlings,
            [
                OutcomeTallyView(o.phenotype, str(o.probability), o.expected, o.observed)
                for o in result.outcomes
            ],
        )

    @post(
        "/clutches",
        guards=WRITE,
        summary="Record a clutch",
        description="A clutch of a pair (`pair_id`), or of a dam with several possible sires "
        "(`dam_id`, `sire_ids`): laid date, eggs, fertile and slug counts, incubation "
        "temperature, expected hatch date. The pair moves to `laid`. Emits "
        "`breeding.clutch_recorded`. 422 when the counts do not add up.",
    )
    async def record_clutch(
        self, actor: CallerActor, uow: UnitOfWork, data: JSONBody[ClutchCreate]
    ) -> ClutchView:
        """Record a clutch."""
        clutch = await record_clutch(
            uow,
            actor,
            ClutchDraft(
                laid_on=data.laid_on,
                eggs=data.eggs,
                pair_id=data.pair_id,
                dam_id=data.dam_id,
                sire_ids=tuple(data.sire_ids),
                fertile=data.fertile,
                slugs=data.slugs,
                incubation_temperature=data.incubation_temperature,
                expected_hatch=data.expected_hatch,
                notes=data.notes,
            ),
        )
        return clutch_view(clutch)

    @get(
        "/clutches",
        guards=READ,
        summary="List clutches",
        description="The organisation's clutches, newest first (of one pair with `pair_id`).",
    )
    async def list_clutches(
        self,
        actor: CallerActor,
        uow: UnitOfWork,
        pair_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
    ) -> list[ClutchView]:
        """List clutches."""
        clutches = await list_clutches(uow, actor, pair_id=pair_id)
        return [clutch_view(c) for c in clutches]

    @get(
        "/clutches/{clutch_id:uuid}",
        guards=READ,
        summary="Show a clutch",
        description="One clutch with its hatch rate.",
    )
    async def show_clutch(
        self, actor: CallerActor, uow: UnitOfWork, clutch_id: FromPath[uuid.UUID]
    ) -> ClutchView:
        """One clutch."""
        return clutch_view(await get_clutch(uow, actor, clutch_id))

    @get(
        "/clutches/{clutch_id:uuid}/evidence",
        guards=READ,
        summary="What a clutch's hatchlings say about their parents",
        description="The clutch's hatchlings (of its one sire and its dam, still in the "
        "collection) weighed together from the records as they are, exactly (Bayes' rule over "
        "the parents' genotypes): the parents' odds of carrying that the clutch moves "
        "(`parents`, exact fractions), the genes it settles for a parent as `suggestions` "
        '(e.g. dam: "mark as proven het Clown", with the morph to write; a suggestion goes once '
        "the parent's record says it), why (`reason`), and `unsettled_ids`, hatchlings whose "
        "stored record the clutch would narrow (edited since). Nothing is written. `weighed` "
        "is false for a clutch of several possible sires or without hatchlings. 409 when the "
        "clutch's records cannot all be true (naming the hatchlings); 404 for another "
        "organisation's clutch. Computed off the event loop, on the genetics threads.",
    )
    async def show_clutch_evidence(
        self,
        actor: CallerActor,
        uow: UnitOfWork,
        genetics: GeneticsDependency,
        clutch_id: FromPath[uuid.UUID],
    ) -> ClutchEvidenceView:
        """A clutch's evidence."""
        evidence = await clutch_evidence(
            uow, actor, clutch_id, compute=genetics.predictions.compute
        )
        return clutch_evidence_view(evidence)

    @patch(
        "/clutches/{clutch_id:uuid}",
        guards=WRITE,
        summary="Change a clutch",
        description="Fertile and slug counts, incubation temperature, expected and actual "
        "hatch dates, hatched count, notes. 422 when counts do not add up.",
    )
    async def change_clutch(
        self,
        actor: CallerActor,
        uow: UnitOfWork,
        clutch_id: FromPath[uuid.UUID],
        data: JSONBody[ClutchPatch],
    ) -> ClutchView:
        """Change a clutch."""
        changes = {
            name: getattr(data, name)
            for name in data.__struct_fields__
            if getattr(data, name) is not msgspec.UNSET
        }
        return clutch_view(await change_clutch(uow, actor, clutch_id, **changes))

    @post(
        "/clutches/{clutch_id:uuid}/hatchlings",
        guards=WRITE,
        summary="Register hatchlings",
        description="Add hatchlings of a clutch to the collection with their parents set (the "
        "sire only when the clutch has one) and, for a clutch of one sire, their genotype as "
        "the distribution the cross predicts narrowed by how each looks (e.g. a Pastel from "
        "Pastel het Clown × het Clown is Pastel 66% het Clown). Then every hatchling of the "
        "clutch (registered now or before) is weighed with the whole clutch, exactly: a "
        "visual Clown proves a 50% het Clown dam het, so its normal-looking siblings from a "
        "het Clown sire are 66% (2/3) het Clown, not 57% (4/7). Each record this changes is "
        "stored with an `animal.updated` whose `genotype_source` (kind `clutch`) says why; the "
        "response lists the new hatchlings as stored. The parents' records are never changed: "
        "`breeding.hatched` carries the genes the clutch settled for them as `suggestions` "
        "(e.g. dam: `mark as proven het Clown`). Emits `animal.created`, `lineage.changed` per "
        "hatchling and `breeding.hatched`. 422 for a morph the cross cannot give, or more "
        "hatchlings than eggs; 409 when the clutch's records cannot all be true (naming the "
        "hatchlings). Computed off the event loop, on the genetics threads.",
    )
    async def register_hatchlings(
        self,
        actor: CallerActor,
        uow: UnitOfWork,
        genetics: GeneticsDependency,
        clutch_id: FromPath[uuid.UUID],
        data: JSONBody[HatchlingsCreate],
    ) -> list[AnimalView]:
        """Register hatchlings."""
        animals = await register_hatchlings(
            uow,
            actor,
            clutch_id,
            [HatchlingDraft(h.morph, AnimalSex(h.sex), h.name, h.code) for h in data.hatchlings],
            hatched_on=data.hatched_on,
            compute=genetics.predictions.compute,
        )
        return [animal_view(a) for a in animals]

    @get(
        "/statistics",
        guards=READ,
        summary="Breeding statistics",
        description="Pairs, clutches, eggs, fertile eggs, slugs, hatchlings and hatch rate per "
        "`group`: pair, female (dam id) or season.",
    )
    async def statistics(
        self,
        actor: CallerActor,
        uow: UnitOfWork,
        group: Annotated[Literal["pair", "female", "season"], QueryParameter()] = "season",
    ) -> list[StatisticsRow]:
        """Breeding statistics."""
        rows = await breeding_statistics(uow, actor, group)
        return [
            StatisticsRow(
                r.key, r.pairs, r.clutches, r.eggs, r.fertile, r.slugs, r.hatched, r.hatch_rate
            )
            for r in rows
        ]

    @post(
        "/plan",
        guards=READ,
        status_code=200,
        summary="Plan pairings for a target",
        description="Rank every male × female pairing of the organisation's active and "
        "holdback animals of a species by the probability per egg of the target morph (e.g. "
        "`Banana Pied Clown`: offspring showing at least those traits), with each pairing's "
        "prospective COI; pairings over `max_coi` are left out (and counted). Each animal is "
        "ranked with its het odds from the whole recorded pedigree where repti-animal keeps "
        "them (a sibling of a visual Clown typed `50% het Clown` counts as 2/3), its typed "
        "odds elsewhere; `sire_odds_from_pedigree` and `dam_odds_from_pedigree` name the genes "
        "taken from the pedigree.",
    )
    async def plan(
        self, actor: CallerActor, uow: UnitOfWork, data: JSONBody[PlanRequest]
    ) -> PlanView:
        """Plan pairings."""
        plan = await plan_pairings(
            uow,
            actor,
            species=data.species,
            target=data.target,
            max_coi=data.max_coi,
            limit=data.limit,
            viable_only=data.viable_only,
        )
        return PlanView(
            data.target,
            data.max_coi,
            plan.considered,
            plan.over_coi_limit,
            [
                PlannedPairView(
                    p.sire.id,
                    p.sire.label,
                    p.dam.id,
                    p.dam.label,
                    str(p.probability),
                    round(float(p.probability * 100), 4),
                    round(p.coi, 10),
                    list(p.sire_from_pedigree),
                    list(p.dam_from_pedigree),
                )
                for p in plan.pairs
            ],
        )
