"""The repti-media app."""

from __future__ import annotations

from litestar import Litestar

from reptidex.services.kernel.app import create_service_app
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> Litestar:
    """Build repti-media from settings (default: the environment)."""
    return create_service_app(service_spec("media"), settings or load_settings())
