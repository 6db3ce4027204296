"""The bodies of ``/genetics``: what a prediction or a het proof asks, and what it answers."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec

from reptidex.domain.animals.genetics import MAX_OUTCOMES, Prediction

Morph = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=300,
        description="A morph as breeders write it, e.g. 'Pastel 66% het Clown'.",
        examples=["Pastel het Clown"],
    ),
]
SpeciesId = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=60,
        pattern=r"^[A-Za-z0-9_ -]+$",
        description="A species from GET /taxonomy/species: its id or its name, "
        "case-insensitively ('ball_python' or 'Ball python').",
        examples=["ball_python"],
    ),
]
Ratio = Annotated[str, msgspec.Meta(description="An exact probability, e.g. '3/16'.")]


class PredictRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A pairing to predict: two morphs and a species (or, with a token, two animal ids)."""

    species: SpeciesId | None = None
    sire: Morph | None = None
    dam: Morph | None = None
    sire_id: uuid.UUID | None = None
    dam_id: uuid.UUID | None = None
    viable_only: bool = False
    clutch_size: Annotated[int, msgspec.Meta(ge=1, le=100)] | None = None
    top: (
        Annotated[
            int,
            msgspec.Meta(
                ge=1,
                le=MAX_OUTCOMES,
                description="List only this many outcomes, the most likely first (needed when "
                f"a pairing has more than {MAX_OUTCOMES:,}).",
            ),
        ]
        | None
    ) = None


class PossibleHetView(msgspec.Struct, frozen=True):
    """A gene an outcome may carry, with its exact probability."""

    gene: str
    probability: Ratio


class OutcomeView(msgspec.Struct, frozen=True):
    """One group of look-alike offspring (the engine's JSON contract)."""

    probability: Ratio
    percent: float
    phenotype: str
    traits: list[str]
    hets: list[str]
    possible_hets: list[PossibleHetView]
    sex: Literal["male", "female"] | None
    lethal: bool
    warnings: list[str]


class ClutchOddsView(msgspec.Struct, frozen=True):
    """The odds of at least one hatchling of an outcome in a clutch of ``eggs`` eggs."""

    phenotype: str
    sex: Literal["male", "female"] | None
    eggs: int
    probability: Ratio
    percent: float


class MakerPhaseView(msgspec.Struct, frozen=True):
    """The clutch if the parent's sex-linked genes are of one phase: the cross of the parent
    written with ``maker`` (its outcomes listed as the marginal's are)."""

    maker: Annotated[
        Literal["male maker", "female maker"],
        msgspec.Meta(
            description="'male maker': the gene on the male-determining chromosome (a ball "
            "python male's Y); 'female maker': on the other (his X)."
        ),
    ]
    probability: Annotated[
        str, msgspec.Meta(description="The chance of this phase, e.g. '1/2'.", examples=["1/2"])
    ]
    sire: str | None
    dam: str | None
    lethal_probability: Ratio
    outcome_count: int
    omitted_probability: Ratio
    outcomes: list[OutcomeView]


class MakerSplitView(msgspec.Struct, frozen=True):
    """A parent whose sex-linked genes' phase is unknown: the clutch under each phase."""

    parent: Literal["sire", "dam"]
    genes: Annotated[list[str], msgspec.Meta(examples=[["Banana"]])]
    note: Annotated[
        str,
        msgspec.Meta(
            description="What to read from the phases: one animal's real clutch follows one "
            "of them, skewed by its phase, not the marginal `outcomes` (their average)."
        ),
    ]
    phases: Annotated[
        list[MakerPhaseView], msgspec.Meta(description="Male maker first, then female maker.")
    ]


class PredictionView(msgspec.Struct, frozen=True):
    """A predicted clutch: the engine's JSON contract, how many outcomes there are and what
    the unlisted ones weigh (with ``top``), plus the clutch odds when asked."""

    species: str
    sire: str | None
    dam: str | None
    viable_only: bool
    lethal_probability: Ratio
    outcomes: list[OutcomeView]
    outcome_count: int
    omitted_probability: Ratio
    clutch: list[ClutchOddsView] | None = None
    notes: Annotated[
        list[str],
        msgspec.Meta(
            description="How the parents' morphs were read where a breeder may have meant "
            "another reading (e.g. 'het Clown Pied' read as a double het, not a visual Piebald; "
            "'BEL' read as Lesser Mojave, one of several Blue-Eyed Leucistic pairings)."
        ),
    ] = msgspec.field(default_factory=list)
    maker_phases: Annotated[
        list[MakerSplitView],
        msgspec.Meta(
            description="For a parent whose sex-linked gene may lie on either sex chromosome "
            "(a ball python male written 'Banana', neither 'male maker' nor 'female maker'): "
            "the clutch if he is a male maker and if he is a female maker, each with its "
            "chance and listed as `outcomes` are (the same `top`), and a note. The `outcomes` "
            "above are their average; one male's real clutch follows one phase. Empty when "
            "no parent has such a gene."
        ),
    ] = msgspec.field(default_factory=list)


def prediction_view(prediction: Prediction) -> PredictionView:
    """The response body of a prediction."""
    body: dict[str, Any] = prediction.result.summary()
    body["outcomes"] = prediction.outcomes.to_dicts()
    body["outcome_count"] = prediction.outcome_count
    body["omitted_probability"] = str(prediction.omitted_probability)
    body["notes"] = list(prediction.notes)
    body["maker_phases"] = [split.to_dict() for split in prediction.makers]
    if prediction.clutch is not None:
        body["clutch"] = [
            {
                "phenotype": c.phenotype,
                "sex": c.sex,
                "eggs": c.eggs,
                "probability": str(c.probability),
                "percent": round(float(c.probability * 100), 4),
            }
            for c in prediction.clutch
        ]
    return msgspec.convert(body, PredictionView)


class HetProbabilityRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A possible het to prove out: the animal, its mate, their offspring and the gene."""

    species: SpeciesId
    animal: Morph
    mate: Morph
    gene: Annotated[str, msgspec.Meta(min_length=1, max_length=60, examples=["Clown"])]
    offspring: Annotated[
        list[Morph],
        msgspec.Meta(min_length=1, max_length=500, description="How each hatchling looks."),
    ]
    animal_is: Literal["sire", "dam"] = "sire"


class HetProbabilityView(msgspec.Struct, frozen=True):
    """The probability that the animal carries the gene, before and after its offspring."""

    gene: str
    prior: Ratio
    posterior: Ratio
    posterior_percent: float
    offspring: int
