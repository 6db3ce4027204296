"""The repti-community app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from litestar import Litestar

from reptidex.domain.ads.ports import ListingOwners
from reptidex.services.community.ad_wiring import build_ads
from reptidex.services.community.ads import AD_CONTROLLERS
from reptidex.services.kernel.app import build_kernel, create_service_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.settings import Settings, load_settings

CONTROLLERS = [*AD_CONTROLLERS]


def create_app(
    settings: Settings | None = None,
    *,
    authenticator: Authenticator | None = None,
    listings: ListingOwners | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    ad_serve_per_minute: int | None = None,
    ad_record_per_minute: int | None = None,
) -> Litestar:
    """Build repti-community from settings (default: the environment).

    ``authenticator`` verifies tokens (default: against repti-core's JWKS); ``listings``
    replaces repti-commerce's listings for advertising, ``clock`` its time, and the two limits
    its public endpoints' requests per address and minute.
    """
    kernel = build_kernel(service_spec("community"), settings or load_settings())
    limits = {
        name: value
        for name, value in (
            ("serve_per_minute", ad_serve_per_minute),
            ("record_per_minute", ad_record_per_minute),
        )
        if value is not None
    }
    ads = build_ads(kernel, listings=listings, clock=clock, **limits)
    return create_service_app(
        kernel,
        CONTROLLERS,
        components=ads,
        dependencies=ads.dependencies(),
        lifespan=ads.lifespans(),
        collectors=ads.collectors(),
        authenticator=authenticator,
    )
