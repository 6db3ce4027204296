"""``/admin/gdpr``: a user's personal data exported from, or erased in, every service; the
request's progress; the export's archive."""

from __future__ import annotations

import datetime as dt
import uuid

from litestar import Controller, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from reptidex.domain.privacy.model import RequestKind
from reptidex.domain.privacy.use_cases import (
    Requester,
    download_export,
    read_request,
    request_privacy,
)
from reptidex.services.kernel.auth import BEARER, CurrentPrincipal, Principal, requires_user
from reptidex.services.kernel.problems import PROBLEM_MEDIA_TYPE, Problem
from reptidex.services.ops.access import Privacy
from reptidex.services.ops.gdpr_schemas import GdprRequestView, GdprSubject, request_view


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=description, media_type=PROBLEM_MEDIA_TYPE
    )


def _requester(principal: Principal) -> Requester:
    return Requester(principal.require_user(), platform_admin=principal.platform_admin)


_ASKING = {
    401: _problem("No valid access token."),
    403: _problem("Neither the user nor a platform administrator."),
}
_READING = {
    401: _problem("No valid access token."),
    404: _problem("No such request, or not the caller's."),
}


class GdprController(Controller):
    """GDPR export and erasure of a user's personal data across every service."""

    path = "/admin/gdpr"
    tags = ("gdpr",)
    security = BEARER
    guards = [requires_user]  # noqa: RUF012 (Litestar's declaration)

    async def _ask(
        self, principal: Principal, privacy: Privacy, data: JSONBody[GdprSubject], kind: RequestKind
    ) -> GdprRequestView:
        requester = _requester(principal)
        async with privacy.unit_of_work() as uow:
            request = await request_privacy(
                uow,
                requester,
                data.user_id or requester.user_id,
                kind,
                privacy.services,
                dt.datetime.now(dt.UTC),
            )
        return request_view(request)

    @post(
        "/export",
        status_code=202,
        summary="Export a user's personal data",
        description="Asks every service for all the personal data it holds about the user "
        "(the caller's own, or `user_id`'s for a platform administrator); follow the progress "
        "at `GET /admin/gdpr/requests/{id}` and download the zip at its `archive_url`. A "
        "service that does not answer is asked again with backoff.",
        responses=_ASKING,
    )
    async def export(
        self, principal: CurrentPrincipal, privacy: Privacy, data: JSONBody[GdprSubject]
    ) -> GdprRequestView:
        """Start an export."""
        return await self._ask(principal, privacy, data, RequestKind.EXPORT)

    @post(
        "/erase",
        status_code=202,
        summary="Erase a user's personal data",
        description="Asks every service to erase the user's personal data, or to anonymise "
        "what law or the ledger requires it to keep (audit records keep the event under a "
        "pseudonym). The account can no longer sign in and its address is gone. A service "
        "that does not answer is asked again with backoff until it does.",
        responses=_ASKING,
    )
    async def erase(
        self, principal: CurrentPrincipal, privacy: Privacy, data: JSONBody[GdprSubject]
    ) -> GdprRequestView:
        """Start an erasure."""
        return await self._ask(principal, privacy, data, RequestKind.ERASURE)

    @get(
        "/requests/{request_id:uuid}",
        summary="A GDPR request's progress",
        description="The request and each service's part of it, for its requester, its user "
        "or a platform administrator.",
        responses=_READING,
    )
    async def read(
        self, principal: CurrentPrincipal, privacy: Privacy, request_id: FromPath[uuid.UUID]
    ) -> GdprRequestView:
        """One request."""
        async with privacy.unit_of_work() as uow:
            request = await read_request(uow.requests, _requester(principal), request_id)
        return request_view(request)

    @get(
        "/requests/{request_id:uuid}/archive",
        summary="Download an export's archive",
        description="A zip of `request.json` and one `<service>.json` per service, once the "
        "export is completed (409 before, or once the user's data was erased since). Each "
        "download is recorded in the audit trail as the caller's access (`accessed`) to the "
        "user's personal data.",
        response_description="The archive (`application/zip`)",
        responses={
            **_READING,
            409: _problem("The export is not completed, or its data was erased since."),
        },
        media_type="application/zip",
    )
    async def archive(
        self, principal: CurrentPrincipal, privacy: Privacy, request_id: FromPath[uuid.UUID]
    ) -> Response[bytes]:
        """The zip of an export."""
        async with privacy.unit_of_work() as uow:
            request, archive = await download_export(uow, _requester(principal), request_id)
        return Response(
            archive,
            media_type="application/zip",
            headers={
                "content-disposition": f'attachment; filename="reptidex-export-{request.id}.zip"',
                "cache-control": "no-store",
            },
        )
