"""The repti-ops app: the audit trail of every service's data changes and GDPR export and
erasure (``docs/ops.md``)."""

from __future__ import annotations

from collections.abc import Mapping

from litestar import Litestar

from reptidex.domain.privacy.ports import PersonalDataHolder
from reptidex.domain.privacy.use_cases import RetryPolicy
from reptidex.services.kernel.app import build_kernel, create_service_app
from reptidex.services.kernel.auth import Authenticator, ServiceTokenClient
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.settings import Settings, load_settings
from reptidex.services.ops.audit import AuditController
from reptidex.services.ops.gdpr import GdprController
from reptidex.services.ops.wiring import build_ops

CONTROLLERS = [AuditController, GdprController]


def create_app(
    settings: Settings | None = None,
    *,
    authenticator: Authenticator | None = None,
    holders: Mapping[str, PersonalDataHolder] | None = None,
    retry: RetryPolicy | None = None,
    tokens: ServiceTokenClient | None = None,
) -> Litestar:
    """Build repti-ops from settings (default: the environment).

    ``authenticator`` verifies tokens (default: against repti-core's JWKS); ``holders``
    replace services' personal data by name, ``retry`` the GDPR retry policy and ``tokens``
    ops' own service token client.
    """
    kernel = build_kernel(service_spec("ops"), settings or load_settings())
    ops = build_ops(kernel, holders=holders, retry=retry, tokens=tokens)
    return create_service_app(
        kernel,
        CONTROLLERS,
        components=ops,
        dependencies=ops.dependencies(),
        lifespan=[ops.run_worker],
        authenticator=authenticator,
    )
