"""``/genetics``: clutch predictions and proving out possible hets, public and rate-limited."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, MediaType, Request, Response, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from reptidex.domain.animals.genetics import MAX_OUTCOMES, PredictionLimits, het_probability
from reptidex.domain.animals.use_cases import predict_pairing
from reptidex.domain.errors import InvalidInput, NotAuthenticated, PermissionDenied
from reptidex.domain.identity.model import Role
from reptidex.services.animal.access import GeneticsDependency, actor_of
from reptidex.services.animal.genetics_schemas import (
    HetProbabilityRequest,
    HetProbabilityView,
    PredictionView,
    PredictRequest,
    prediction_view,
)
from reptidex.services.animal.predictions import Predictions
from reptidex.services.kernel.auth import provide_optional_principal


def _json(body: bytes) -> Response[bytes]:
    return Response(body, media_type=MediaType.JSON)


def _folded(text: str | None) -> str:
    return " ".join((text or "").split())


async def predict_from_morphs(predictions: Predictions, data: PredictRequest) -> bytes:
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
    return await predictions.from_morphs(
        data.species or "",
        _folded(data.sire),
        _folded(data.dam),
        viable_only=data.viable_only,
        clutch_size=data.clutch_size,
        top=data.top,
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
        "hatchling in a clutch of that many eggs. A pairing with more than "
        f"{MAX_OUTCOMES:,} outcomes needs `top`: the most likely outcomes are listed, with "
        "`outcome_count` and the `omitted_probability` of the rest; work beyond the limits "
        "(outcomes, the parents' possible-het combinations, clutch odds) is a 422 saying how "
        "to ask for less, refused before it starts. A parent whose sex-linked gene's phase is "
        "unknown (a ball python male written 'Banana', without 'male maker' or 'female "
        "maker') adds `maker_phases`: the clutch under each phase beside the marginal "
        "`outcomes` (their average), with a note that one male's real clutch follows one "
        "phase. Public and rate-limited per address (429 "
        "with Retry-After). An unreadable morph is a 422 naming the word and the closest genes.",
        status_code=200,
        responses={
            200: ResponseSpec(data_container=PredictionView, description="The predicted clutch.")
        },
    )
    async def predict(
        self,
        data: JSONBody[PredictRequest],
        request: Request[Any, Any, Any],
        genetics: GeneticsDependency,
    ) -> Response[bytes]:
        """Predict a clutch."""
        await genetics.limit.check(request)
        predictions = genetics.predictions
        if data.sire_id is None and data.dam_id is None:
            return _json(await predict_from_morphs(predictions, data))
        if data.sire_id is None or data.dam_id is None or data.sire or data.dam:
            raise InvalidInput(
                "Give either sire and dam morphs with a species, or sire_id and dam_id.",
                field_errors={"sire_id": "give both ids, without morphs"},
            )
        # The caller is read here, not as a second dependency: a handler's dependencies are
        # resolved in a task group, which costs the public morph path a fifth of its time.
        optional_principal = await provide_optional_principal(request)
        if optional_principal is None:
            raise NotAuthenticated(
                "Predicting from animal ids needs an access token of the animals' organisation."
            )
        if not optional_principal.has_role(Role.VIEWER):
            raise PermissionDenied("This needs a role in the animals' organisation.")
        async with genetics.units.open(optional_principal.organisation_id) as uow:
            prediction = await predict_pairing(
                uow,
                actor_of(optional_principal),
                data.sire_id,
                data.dam_id,
                viable_only=data.viable_only,
                clutch_size=data.clutch_size,
                top=data.top,
                limits=predictions.limits,
                compute=predictions.compute,
            )
        return _json(msgspec.json.encode(prediction_view(prediction)))

    @post(
        "/het-probability",
        summary="Prove out a possible het",
        description="Bayes' rule over the parents' possible genotypes: the probability that "
        "`animal` carries `gene` after it produced `offspring` (how each hatchling looks) with "
        "`mate`. E.g. a 66% het Clown male bred to a Clown female that gave six normals is het "
        "with probability 1/33. Parents whose possible hets make more than "
        f"{PredictionLimits().parent_options} genotype combinations are a 422. Public and "
        "rate-limited per address.",
        status_code=200,
    )
    async def het_probability(
        self,
        data: JSONBody[HetProbabilityRequest],
        request: Request[Any, Any, Any],
        genetics: GeneticsDependency,
    ) -> HetProbabilityView:
        """Prove out a possible het."""
        await genetics.limit.check(request)
        predictions = genetics.predictions
        result = await predictions.compute(
            lambda: het_probability(
                data.species,
                data.animal,
                data.mate,
                data.offspring,
                data.gene,
                animal_is_sire=data.animal_is == "sire",
                limits=predictions.limits,
            )
        )
        return HetProbabilityView(
            result.gene,
            str(result.prior),
            str(result.posterior),
            round(float(result.posterior * 100), 4),
            result.offspring,
        )
