"""The repti-community app: the composition root of the forums (``/community/forums``:
categories, threads, posts, reactions, follows, moderation) and of their answer to repti-ops'
GDPR requests (``/internal/personal-data``)."""

from __future__ import annotations

from litestar import Litestar

from reptidex.domain.forums.posting import ForumRules
from reptidex.domain.rate_limits import RateLimiter
from reptidex.services.community.forum_moderation import ForumModerationController
from reptidex.services.community.forum_wiring import build_forums
from reptidex.services.community.forums import ForumController
from reptidex.services.kernel.app import build_kernel, create_service_app, provide_value
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.personal_data import PERSONAL_DATA_ROUTES
from reptidex.services.kernel.settings import Settings, load_settings

DESCRIPTION = (
    "The community: forums with categories, threads and posts in Markdown (kept as sanitised "
    "HTML), mentions, reactions, following, and moderation. Reading public forums needs no "
    "token; writing takes a user's bearer token from repti-core; moderating, a platform "
    "administrator's. Errors are RFC 9457 problem+json."
)

CONTROLLERS = [ForumController, ForumModerationController, *PERSONAL_DATA_ROUTES]


def create_app(
    settings: Settings | None = None,
    *,
    authenticator: Authenticator | None = None,
    forum_rules: ForumRules | None = None,
    rate_limiter: RateLimiter | None = None,
) -> Litestar:
    """Build repti-community from settings (default: the environment).

    ``authenticator`` verifies tokens (default: against repti-core's JWKS); ``forum_rules``
    replace the forums' posting limits and ``rate_limiter`` the kernel's counters (tests).
    """
    kernel = build_kernel(service_spec("community"), settings or load_settings())
    forums = build_forums(kernel, rules=forum_rules, rate_limiter=rate_limiter)
    return create_service_app(
        kernel,
        CONTROLLERS,
        components=forums,
        description=DESCRIPTION,
        dependencies={
            **forums.dependencies(),
            "personal_data": provide_value(forums.personal_data),
        },
        lifespan=forums.lifespans(),
        authenticator=authenticator,
    )
