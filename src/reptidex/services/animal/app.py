"""The repti-animal app: the composition root of the animal service.

Controllers: ``/taxonomy`` (species and genes), ``/genetics`` (predictions, proving out hets).
"""

from __future__ import annotations

from litestar import Litestar

from reptidex.services.animal.genetics import GeneticsController
from reptidex.services.animal.ratelimit import AddressLimit
from reptidex.services.animal.taxonomy import TaxonomyController
from reptidex.services.kernel.app import create_service_app
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.settings import Settings, load_settings

DESCRIPTION = (
    "The breeder's collection: species and gene catalogs, genetics predictions, animals, "
    "lineage, breeding pairs and clutches. Errors are RFC 9457 problem+json."
)


def create_app(settings: Settings | None = None, *, genetics_per_minute: int = 120) -> Litestar:
    """Build repti-animal from settings (default: the environment).

    ``genetics_per_minute`` limits the public genetics endpoints per client address (0: off).
    """
    return create_service_app(
        service_spec("animal"),
        settings or load_settings(),
        [TaxonomyController, GeneticsController],
        description=DESCRIPTION,
        state={"genetics_rate_limit": AddressLimit("genetics", genetics_per_minute)},
    )
