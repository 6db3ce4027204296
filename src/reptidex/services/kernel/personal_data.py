"""``POST /internal/personal-data/export`` and ``/erase``: the GDPR port every service answers
for repti-ops, with ops' service token only (``docs/ops.md``).

A service puts :data:`PERSONAL_DATA_ROUTES` among its controllers and provides its
:class:`~reptidex.domain.privacy.ports.PersonalDataHolder` as the ``personal_data``
dependency.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeAlias

import msgspec
from litestar import Controller, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from reptidex.domain.privacy.ports import PersonalDataHolder
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import BEARER, requires_service
from reptidex.services.kernel.problems import PROBLEM_MEDIA_TYPE, Problem

Holder: TypeAlias = Injected[PersonalDataHolder]


class PersonalDataSubject(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The user whose data is exported."""

    user_id: uuid.UUID


class PersonalDataErasure(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The user whose data is erased, and the pseudonym that replaces their id in what the
    service must keep."""

    user_id: uuid.UUID
    pseudonym: uuid.UUID


class PersonalDataExport(msgspec.Struct, frozen=True):
    """Everything the service holds about the user."""

    data: dict[str, Any]


class PersonalDataErased(msgspec.Struct, frozen=True):
    """How many items of each kind the erasure removed or anonymised."""

    erased: dict[str, int]


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=description, media_type=PROBLEM_MEDIA_TYPE
    )


_REFUSALS = {
    401: _problem("No valid credentials."),
    403: _problem("Not repti-ops' service token."),
}


class PersonalDataController(Controller):
    """The service's GDPR port, for repti-ops."""

    path = "/internal/personal-data"
    tags = ("internal",)
    security = BEARER
    guards = [requires_service("ops")]  # noqa: RUF012 (Litestar's declaration)

    @post(
        "/export",
        status_code=200,
        summary="Export a user's personal data (repti-ops only)",
        description="Everything this service holds about the user, as JSON. Only repti-ops' "
        "service token is accepted.",
        responses=_REFUSALS,
    )
    async def export(
        self, data: JSONBody[PersonalDataSubject], personal_data: Holder
    ) -> PersonalDataExport:
        """The user's data."""
        return PersonalDataExport(await personal_data.export(data.user_id))

    @post(
        "/erase",
        status_code=200,
        summary="Erase a user's personal data (repti-ops only)",
        description="Removes what this service may drop and anonymises (with the pseudonym) "
        "what it must keep; idempotent. Only repti-ops' service token is accepted.",
        responses=_REFUSALS,
    )
    async def erase(
        self, data: JSONBody[PersonalDataErasure], personal_data: Holder
    ) -> PersonalDataErased:
        """Erase the user's data."""
        return PersonalDataErased(await personal_data.erase(data.user_id, data.pseudonym))


PERSONAL_DATA_ROUTES = [PersonalDataController]
"""The routes a service adds to answer repti-ops' GDPR requests."""
