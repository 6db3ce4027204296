"""The repti-ops app: the audit trail of every service's data changes (``docs/ops.md``)."""

from __future__ import annotations

from litestar import Litestar

from reptidex.services.kernel.app import build_kernel, create_service_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.settings import Settings, load_settings
from reptidex.services.ops.audit import AuditController
from reptidex.services.ops.wiring import build_ops

CONTROLLERS = [AuditController]


def create_app(
    settings: Settings | None = None, *, authenticator: Authenticator | None = None
) -> Litestar:
    """Build repti-ops from settings (default: the environment)."""
    kernel = build_kernel(service_spec("ops"), settings or load_settings())
    ops = build_ops(kernel)
    return create_service_app(
        kernel,
        CONTROLLERS,
        components=ops,
        dependencies=ops.dependencies(),
        authenticator=authenticator,
    )
