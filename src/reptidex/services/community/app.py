"""The repti-community app: search across the platform (``docs/community.md``)."""

from __future__ import annotations

from litestar import Litestar

from reptidex.domain.community.search.ports import SearchIndex
from reptidex.services.community.search import SearchController
from reptidex.services.community.wiring import build_community
from reptidex.services.kernel.app import build_kernel, create_service_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.settings import Settings, load_settings

CONTROLLERS = [SearchController]


def create_app(
    settings: Settings | None = None,
    *,
    authenticator: Authenticator | None = None,
    search_index: SearchIndex | None = None,
) -> Litestar:
    """Build repti-community from settings (default: the environment).

    ``authenticator`` verifies tokens (default: against repti-core's JWKS); ``search_index``
    replaces the search index.
    """
    kernel = build_kernel(service_spec("community"), settings or load_settings())
    community = build_community(kernel, search_index=search_index)
    return create_service_app(
        kernel,
        CONTROLLERS,
        components=community,
        dependencies=community.dependencies(),
        lifespan=community.lifespans(),
        authenticator=authenticator,
    )
