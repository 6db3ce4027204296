"""The repti-ops app."""

from __future__ import annotations

from litestar import Litestar

from reptidex.services.kernel.app import build_kernel, create_service_app
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> Litestar:
    """Build repti-ops from settings (default: the environment)."""
    kernel = build_kernel(service_spec("ops"), settings or load_settings())
    return create_service_app(kernel)
