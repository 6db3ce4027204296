"""The app factory of each service, by name: the composition root the CLI and tests start from."""

from __future__ import annotations

from collections.abc import Callable

from litestar import Litestar

from reptidex.services.animal.app import create_app as create_animal_app
from reptidex.services.commerce.app import create_app as create_commerce_app
from reptidex.services.community.app import create_app as create_community_app
from reptidex.services.core.app import create_app as create_core_app
from reptidex.services.kernel.settings import Settings
from reptidex.services.media.app import create_app as create_media_app
from reptidex.services.ops.app import create_app as create_ops_app

AppFactory = Callable[[Settings | None], Litestar]

APP_FACTORIES: dict[str, AppFactory] = {
    "core": create_core_app,
    "animal": create_animal_app,
    "commerce": create_commerce_app,
    "media": create_media_app,
    "community": create_community_app,
    "ops": create_ops_app,
}
"""Each service's ``create_app``, by service name."""
