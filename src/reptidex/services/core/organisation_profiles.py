"""``GET /orgs/{id}/public``: an organisation's public name, for other services.

repti-media prints the breeder's name on certificates, and repti-animal offers a transfer
only to an organisation that exists; each asks here with its own service token. Only public
fields leave (id and name): never members, plans or contact details.
"""

from __future__ import annotations

import uuid

import msgspec
from litestar import Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath

from reptidex.services.core.identity.wiring import IdentityComponents
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import BEARER, requires_service
from reptidex.services.kernel.problems import Problem


class OrganisationPublicView(msgspec.Struct, frozen=True):
    """What anyone may be shown of an organisation: its id and name."""

    id: uuid.UUID
    name: str


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=description, media_type="application/problem+json"
    )


@get(
    "/orgs/{organisation_id:uuid}/public",
    tags=["organisations"],
    summary="An organisation's public name (service tokens)",
    description="The id and name of an organisation, for other services that show who bred or "
    "keeps an animal (repti-media's certificates) or check that an organisation exists "
    "(repti-animal's transfer offers). Service tokens only; 404 for an unknown organisation. "
    "Cacheable for five minutes.",
    guards=[requires_service()],
    security=BEARER,
    responses={
        401: _problem("No valid credentials."),
        403: _problem("Not a service token."),
        404: _problem("No such organisation."),
    },
)
async def organisation_public(
    organisation_id: FromPath[uuid.UUID], identity: Injected[IdentityComponents]
) -> Response[OrganisationPublicView]:
    """An organisation's public view."""
    organisation = await identity.organisations.public(organisation_id)
    return Response(
        OrganisationPublicView(organisation.id, organisation.name),
        headers={"Cache-Control": "private, max-age=300"},
    )
