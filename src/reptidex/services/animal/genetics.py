"""``/genetics``: clutch predictions and proving out possible hets, public and rate-limited."""

from __future__ import annotations

import functools
import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, MediaType, Response, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from reptidex.domain.animals.genetics import (
    Prediction,
    het_probability,
    predict_morphs,
)
from reptidex.domain.animals.use_cases import predict_pairing
from reptidex.domain.errors import InvalidInput, NotAuthenticated, PermissionDenied
from reptidex.domain.identity.model import Role
from reptidex.services.animal.access import OnDemandUnitsOfWork, actor_of
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import Principal
from reptidex.services.kernel.rate_limits import AddressLimit, ClientAddress

GeneticsLimit = Injected[AddressLimit]
"""A handler parameter ``genetics_limit``: the public genetics endpoints' limit per address."""

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
        pattern=r"^[a-z0-9_]+$",
        description="A species id from GET /taxonomy/species.",
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


class PredictionView(msgspec.Struct, frozen=True):
    """A predicted clutch: the engine's JSON contract, plus the clutch odds when asked."""

    species: str
    sire: str | None
    dam: str | None
    viable_only: bool
    lethal_probability: Ratio
    outcomes: list[OutcomeView]
    clutch: list[ClutchOddsView] | None = None


def prediction_view(prediction: Prediction) -> PredictionView:
    """The response body of a prediction."""
    body: dict[str, Any] = prediction.result.to_dict()
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


@functools.lru_cache(maxsize=2048)
def _morph_prediction(
    species: str, sire: str, dam: str, viable_only: bool, clutch_size: int | None
) -> bytes:
    # A prediction is a pure function of its request, and breeders ask for the same popular
    # crosses again and again: remember the last few thousand answers, encoded (errors are not
    # kept).
    return msgspec.json.encode(
        prediction_view(
            predict_morphs(species, sire, dam, viable_only=viable_only, clutch_size=clutch_size)
        )
    )


def _json(body: bytes) -> Response[bytes]:
    return Response(body, media_type=MediaType.JSON)


def _folded(text: str | None) -> str:
    return " ".join((text or "").split())


async def predict_from_morphs(data: PredictRequest) -> bytes:
    """Validate and run a morph-string prediction; the JSON body of the answer."""
    missing = {
        name: "required with morph strings"
        for name, value in (("species", data.species), ("sire", data.sire), ("dam", data.dam))
        if not value
    }
    if missing:
        raise InvalidInput(
            "Give species, sire and dam morphs (or sire_id and dam_id with a token).",
            field_errors=missing,
        )
    return _morph_prediction(
        data.species or "",
        _folded(data.sire),
        _folded(data.dam),
        data.viable_only,
        data.clutch_size,
    )


class GeneticsController(Controller):
    """Genetics over the API: free, no token for morph strings, rate-limited per address."""

    path = "/genetics"
    tags = ("genetics",)

    @post(
        "/predict",
        summary="Predict a clutch",
        description="The exact offspring distribution of a sire and a dam given as morph strings "
        "and a species (public), or of two animals of the caller's collection given by "
        "`sire_id`/`dam_id` (bearer token; their stored genotypes, possible hets included), "
        "in the engine's JSON contract (same as `reptidex genetics cross --json`):"
        " outcomes with exact probabilities, hets, possible hets, lethality. `viable_only` "
        "conditions on survival; `clutch_size` adds, per outcome, the odds of at least one such "
        "hatchling in a clutch of that many eggs. Public and rate-limited per address (429 with "
        "Retry-After). An unreadable morph is a 422 naming the word and the closest genes.",
        status_code=200,
        responses={
            200: ResponseSpec(data_container=PredictionView, description="The predicted clutch.")
        },
    )
    async def predict(
        self,
        data: JSONBody[PredictRequest],
        optional_principal: NamedDependency[Principal | None],
        genetics_limit: GeneticsLimit,
        client_address: ClientAddress,
        units: OnDemandUnitsOfWork,
    ) -> Response[bytes]:
        """Predict a clutch."""
        await genetics_limit.check(client_address)
        if data.sire_id is None and data.dam_id is None:
            return _json(await predict_from_morphs(data))
        if data.sire_id is None or data.dam_id is None or data.sire or data.dam:
            raise InvalidInput(
                "Give either sire and dam morphs with a species, or sire_id and dam_id.",
                field_errors={"sire_id": "give both ids, without morphs"},
            )
        if optional_principal is None:
            raise NotAuthenticated(
                "Predicting from animal ids needs an access token of the animals' organisation."
            )
        if not optional_principal.has_role(Role.VIEWER):
            raise PermissionDenied("This needs a role in the animals' organisation.")
        async with units.open(optional_principal.organisation_id) as uow:
            prediction = await predict_pairing(
                uow,
                actor_of(optional_principal),
                data.sire_id,
                data.dam_id,
                viable_only=data.viable_only,
                clutch_size=data.clutch_size,
            )
        return _json(msgspec.json.encode(prediction_view(prediction)))

    @post(
        "/het-probability",
        summary="Prove out a possible het",
        description="Bayes' rule over the parents' possible genotypes: the probability that "
        "`animal` carries `gene` after it produced `offspring` (how each hatchling looks) with "
        "`mate`. E.g. a 66% het Clown male bred to a Clown female that gave six normals is het "
        "with probability 1/33. Public and rate-limited per address.",
        status_code=200,
    )
    async def het_probability(
        self,
        data: JSONBody[HetProbabilityRequest],
        genetics_limit: GeneticsLimit,
        client_address: ClientAddress,
    ) -> HetProbabilityView:
        """Prove out a possible het."""
        await genetics_limit.check(client_address)
        result = het_probability(
            data.species,
            data.animal,
            data.mate,
            data.offspring,
            data.gene,
            animal_is_sire=data.animal_is == "sire",
        )
        return HetProbabilityView(
            result.gene,
            str(result.prior),
            str(result.posterior),
            round(float(result.posterior * 100), 4),
            result.offspring,
        )
