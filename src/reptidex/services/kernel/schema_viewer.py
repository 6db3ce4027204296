"""The API documentation's viewer, served by every service itself (no CDN).

``/schema`` shows Swagger UI, whose script and style come from the pinned
``swagger-ui-bundle-v2`` package and are served under :data:`ASSETS`, so the page works on a
machine without internet and shows the same viewer on every install. The OpenAPI document
itself is ``/schema/openapi.json``.
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.router import Router
from litestar.static_files import create_static_files_router

ASSETS = "/schema/assets"
"""Where the viewer's files are served."""
ASSET_FILES = Path(swagger_ui_bundle.swagger_ui_path)
"""The viewer's files as the package installs them."""


def schema_viewer() -> SwaggerRenderPlugin:
    """Swagger UI at ``/schema`` (and ``/schema/swagger``), from :data:`ASSETS`."""
    return SwaggerRenderPlugin(
        js_url=f"{ASSETS}/swagger-ui-bundle.js",
        css_url=f"{ASSETS}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS}/swagger-ui-standalone-preset.js",
        path="/swagger",
        # Litestar's default icon comes from a CDN; the bundle ships its own
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS}/favicon-32x32.png'>",
    )


def schema_assets() -> Router:
    """The route of the viewer's files (left out of the OpenAPI document)."""
    return create_static_files_router(
        path=ASSETS, directories=[ASSET_FILES], include_in_schema=False, name="schema-assets"
    )
