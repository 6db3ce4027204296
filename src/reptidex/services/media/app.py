"""The repti-media app: the composition root of the media service.

Controllers: ``/upload`` and ``/media`` (files), ``/render`` (pedigree charts, certificates),
``/embed`` (widgets for breeders' websites).
"""

from __future__ import annotations

from litestar import Litestar

from reptidex.domain.media.blobs import BlobStore
from reptidex.services.kernel.app import create_service_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.settings import Settings, load_settings
from reptidex.services.media.files import FileController
from reptidex.services.media.wiring import media_state

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
) -> Litestar:
    """Build repti-media from settings (default: the environment).

    ``authenticator`` verifies tokens (default: against repti-core's JWKS); ``blobs`` replaces
    the blob store the settings choose.
    """
    settings = settings or load_settings()
    return create_service_app(
        service_spec("media"),
        settings,
        [FileController],
        description=DESCRIPTION,
        state=media_state(settings, blobs),
        authenticator=authenticator,
    )
