"""The repti-animal app: the composition root of the animal service.

Controllers: ``/taxonomy`` (species and genes, public), ``/genetics`` (predictions and proving
out hets, public and rate-limited), ``/animals`` (the caller's collection),
``/lineage`` (pedigree trees),
``/breeding`` (pairs, clutches, hatchlings, statistics, planner), husbandry logs, CSV import and
export, transfer offers and transfers.
"""

from __future__ import annotations

from litestar import Litestar
from opentelemetry.sdk.trace.export import SpanExporter

from reptidex.domain.animals.ports import OrganisationDirectory
from reptidex.services.animal.animals import AnimalController
from reptidex.services.animal.breeding import BreedingController
from reptidex.services.animal.collection import CollectionController
from reptidex.services.animal.genetics import GeneticsController
from reptidex.services.animal.het_odds import HetOddsController
from reptidex.services.animal.husbandry import HusbandryController
from reptidex.services.animal.lineage import LineageController
from reptidex.services.animal.public import PublicController
from reptidex.services.animal.sales import SaleController
from reptidex.services.animal.taxonomy import TaxonomyController
from reptidex.services.animal.transfers import TransferController
from reptidex.services.animal.wiring import build_animal
from reptidex.services.kernel.app import build_kernel, create_service_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.personal_data import PERSONAL_DATA_ROUTES
from reptidex.services.kernel.settings import Settings, load_settings

DESCRIPTION = (
    "The breeder's collection: species and gene catalogs, genetics predictions, animals, "
    "lineage, breeding pairs and clutches. Collection endpoints take a bearer token from "
    "repti-core and are scoped to its active organisation (viewers read, members and above "
    "write). Errors are RFC 9457 problem+json."
)

CONTROLLERS = [
    TaxonomyController,
    GeneticsController,
    CollectionController,
    TransferController,
    AnimalController,
    HusbandryController,
    HetOddsController,
    LineageController,
    BreedingController,
    PublicController,
    SaleController,
    *PERSONAL_DATA_ROUTES,
]


def create_app(
    settings: Settings | None = None,
    *,
    genetics_per_minute: int = 120,
    authenticator: Authenticator | None = None,
    organisations: OrganisationDirectory | None = None,
    span_exporter: SpanExporter | None = None,
) -> Litestar:
    """Build repti-animal from settings (default: the environment).

    ``genetics_per_minute`` limits the public genetics endpoints per client address (0: off);
    ``authenticator`` verifies tokens (default: against repti-core's JWKS); ``organisations``
    says which organisations exist (default: repti-core, asked with the service's token).
    ``span_exporter`` turns tracing on with spans going there (tests); otherwise
    ``REPTIDEX_OTLP_ENDPOINT`` decides.
    """
    kernel = build_kernel(
        service_spec("animal"), settings or load_settings(), span_exporter=span_exporter
    )
    animal = build_animal(
        kernel, genetics_per_minute=genetics_per_minute, organisations=organisations
    )
    return create_service_app(
        kernel,
        CONTROLLERS,
        components=animal,
        description=DESCRIPTION,
        dependencies=animal.dependencies(),
        lifespan=animal.lifespans(),
        authenticator=authenticator,
        collectors=animal.collectors(kernel.spec.name),
    )
