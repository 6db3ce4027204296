"""The repti-media app: the composition root of the media service.

Controllers: ``/upload`` and ``/media`` (files), ``/render`` (pedigree charts, certificates),
``/embed`` (widgets for breeders' websites). Cached renders are dropped when repti-animal
announces ``lineage.changed`` or ``animal.updated`` for an animal they show. The widgets' copy
of animals follows repti-animal's events and is backfilled from its listing in the background
at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping

from litestar import Litestar
from opentelemetry.sdk.trace.export import SpanExporter

from reptidex.domain.media.ports import (
    BlobStore,
    CallerAnimals,
    ChartRenderer,
    ImageProcessor,
    LineageSource,
    OrganisationNames,
    PlanSource,
    SharedAnimalSource,
)
from reptidex.services.kernel.app import build_kernel, create_service_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.personal_data import PERSONAL_DATA_ROUTES
from reptidex.services.kernel.settings import Settings, load_settings
from reptidex.services.media.embeds import EmbedController
from reptidex.services.media.files import FileController
from reptidex.services.media.renders import RenderController
from reptidex.services.media.wiring import build_media

DESCRIPTION = (
    "Files (uploads to local disk or S3, delivery with ETag and Range, signed URLs), pedigree "
    "charts and certificates (SVG, PNG, PDF) and embeddable widgets. Write endpoints take a "
    "bearer token from repti-core and act in its active organisation. Errors are RFC 9457 "
    "problem+json."
)


def create_app(
    settings: Settings | None = None,
    *,
    authenticator: Authenticator | None = None,
    blobs: BlobStore | None = None,
    lineage: LineageSource | None = None,
    plans: PlanSource | None = None,
    animals: CallerAnimals | None = None,
    organisations: OrganisationNames | None = None,
    shared: SharedAnimalSource | None = None,
    images: ImageProcessor | None = None,
    renderers: Mapping[str, ChartRenderer] | None = None,
    backfill_on_start: bool = True,
    span_exporter: SpanExporter | None = None,
) -> Litestar:
    """Build repti-media from settings (default: the environment).

    ``authenticator`` verifies tokens (default: against repti-core's JWKS); ``blobs``,
    ``lineage``, ``plans``, ``animals``, ``organisations``, ``shared``, ``images`` and
    ``renderers`` replace the blob store, lineage source, plan source, the caller's animals
    (repti-animal's answer to "is this animal yours?"), organisation names, repti-animal's
    listing, image processor and chart renderers (by format) the settings choose.
    ``backfill_on_start`` runs a backfill of the widgets' copy of animals in the background.
    ``span_exporter`` turns tracing on with spans going there (tests); otherwise
    ``REPTIDEX_OTLP_ENDPOINT`` decides.
    """
    kernel = build_kernel(
        service_spec("media"), settings or load_settings(), span_exporter=span_exporter
    )
    media = build_media(
        kernel,
        blobs=blobs,
        lineage=lineage,
        plans=plans,
        animals=animals,
        organisations=organisations,
        shared=shared,
        images=images,
        chart_renderers=renderers,
    )
    return create_service_app(
        kernel,
        [FileController, RenderController, EmbedController, *PERSONAL_DATA_ROUTES],
        components=media,
        description=DESCRIPTION,
        dependencies=media.dependencies(),
        lifespan=media.lifespans(backfill_on_start=backfill_on_start),
        authenticator=authenticator,
    )
