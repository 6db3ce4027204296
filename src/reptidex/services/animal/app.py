"""The repti-animal app: the composition root of the animal service.

Controllers: ``/taxonomy`` (species and genes, public), ``/genetics`` (predictions and proving
out hets, public and rate-limited), ``/animals`` (the caller's collection),
``/lineage`` (pedigree trees),
``/breeding`` (pairs, clutches, hatchlings, statistics, planner), husbandry logs, CSV import and
export, transfers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.di import Provide

from reptidex.services.animal.access import DEPENDENCIES
from reptidex.services.animal.animals import AnimalController
from reptidex.services.animal.breeding import BreedingController
from reptidex.services.animal.collection import CollectionController
from reptidex.services.animal.genetics import GeneticsController
from reptidex.services.animal.husbandry import HusbandryController
from reptidex.services.animal.lineage import LineageController
from reptidex.services.animal.lineage_cache import LineageCache, LineageCacheMetrics
from reptidex.services.animal.lineage_sources import PedigreeMirrorMetrics, listen_for_changes
from reptidex.services.animal.predictions import Predictions
from reptidex.services.animal.public import PublicController
from reptidex.services.animal.ratelimit import AddressLimit
from reptidex.services.animal.taxonomy import TaxonomyController
from reptidex.services.kernel.app import create_service_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.settings import Settings, load_settings

DESCRIPTION = (
    "The breeder's collection: species and gene catalogs, genetics predictions, animals, "
    "lineage, breeding pairs and clutches. Collection endpoints take a bearer token from "
    "repti-core and are scoped to its active organisation (viewers read, members and above "
    "write). Errors are RFC 9457 problem+json."
)


def create_app(
    settings: Settings | None = None,
    *,
    genetics_per_minute: int = 120,
    authenticator: Authenticator | None = None,
) -> Litestar:
    """Build repti-animal from settings (default: the environment).

    ``genetics_per_minute`` limits the public genetics endpoints per client address (0: off);
    ``authenticator`` verifies tokens (default: against repti-core's JWKS).
    """
    cache = LineageCache()
    predictions = Predictions()

    @asynccontextmanager
    async def prediction_threads(_app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            predictions.close()

    app = create_service_app(
        service_spec("animal"),
        settings or load_settings(),
        [
            TaxonomyController,
            GeneticsController,
            CollectionController,
            AnimalController,
            HusbandryController,
            LineageController,
            BreedingController,
            PublicController,
        ],
        description=DESCRIPTION,
        dependencies={
            **DEPENDENCIES,
            "predictions": Provide(lambda: predictions, sync_to_thread=False),
        },
        state={
            "genetics_rate_limit": AddressLimit("genetics", genetics_per_minute),
            "lineage_cache": cache,
        },
        lifespan=[listen_for_changes, prediction_threads],
        authenticator=authenticator,
    )
    registry = app.state["metrics"].registry
    registry.register(LineageCacheMetrics(cache, "animal"))
    registry.register(PedigreeMirrorMetrics(app, "animal"))
    return app
