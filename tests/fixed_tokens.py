"""An authenticator for API tests that accepts a fixed set of named tokens.

The real verifier is Identity's; these tests name a :class:`Principal` per token instead.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from reptidex.domain.errors import NotAuthenticated
from reptidex.services.kernel.auth import Authenticator, Principal


def principal(subject: str, **fields: Any) -> Principal:
    """A principal for ``subject`` whose token expires in five minutes."""
    return Principal(
        subject=subject,
        token_id=uuid.uuid4().hex,
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5),
        **fields,
    )


class _NoKeys:
    async def public_key(self, kid: str, issued_at: float | None = None) -> None:
        return None


class FixedTokens(Authenticator):
    """Accepts exactly the tokens named in ``principals``."""

    def __init__(self, principals: Mapping[str, Principal]) -> None:
        super().__init__(_NoKeys())
        self._principals = principals

    async def verify(self, token: str) -> Principal:
        try:
            return self._principals[token]
        except KeyError:
            raise NotAuthenticated("The access token is refused: unknown test token.") from None


def bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {name}"}
