"""``/integrations``: the configuration of an organisation's integrations (genetics labs and
partner marketplaces), its lab integrations and the import of a lab's results file into its
animals' genotypes, for its owners and admins."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from reptidex.domain.identity.model import Role
from reptidex.domain.integrations.labs.reading import MAX_FILE_BYTES, MAX_ROWS
from reptidex.domain.integrations.labs.use_cases import (
    configure_lab,
    import_results,
    list_labs,
    read_lab,
)
from reptidex.domain.integrations.marketplaces.use_cases import FeedDesk, configure_feed
from reptidex.domain.integrations.subscriptions import Manager
from reptidex.services.kernel.auth import BEARER, CurrentPrincipal, requires_role
from reptidex.services.kernel.problems import PROBLEM_MEDIA_TYPE, Problem
from reptidex.services.ops.access import Labs, Marketplaces, manager_of
from reptidex.services.ops.lab_schemas import (
    ConfigureAnswer,
    ConfigureRequest,
    ImportRequest,
    ImportView,
    LabIntegrationView,
    LabList,
    import_csv,
    import_view,
    lab_view,
)
from reptidex.services.ops.marketplace_schemas import (
    MarketplaceAnswer,
    MarketplaceConfigure,
    marketplace_view,
)


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=description, media_type=PROBLEM_MEDIA_TYPE
    )


def _bearer(request: Request[Any, Any, Any]) -> str | None:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


_ACCESS = {
    401: _problem("No valid access token."),
    403: _problem("Not an owner or admin of the active organisation."),
}
_ONE = {**_ACCESS, 404: _problem("No such lab integration in the organisation.")}
Format = Annotated[
    Literal["json", "csv"],
    QueryParameter(description="`csv`: the rows as a CSV file (formula-safe cells)."),
]


async def _configure_marketplace(
    desk: FeedDesk, manager: Manager, data: MarketplaceConfigure
) -> MarketplaceAnswer:
    async with desk.unit_of_work(manager.organisation_id) as uow:
        feed, created, token = await configure_feed(
            uow, manager, data.partner, data.rotate_token, desk.clock()
        )
    view = marketplace_view(feed)
    return MarketplaceAnswer(
        **{n: getattr(view, n) for n in view.__struct_fields__}, created=created, feed_token=token
    )


class LabController(Controller):
    """Genetics lab integrations of the caller's active organisation."""

    path = "/integrations"
    tags = ("integrations",)
    security = BEARER
    guards = [requires_role(Role.ADMIN)]  # noqa: RUF012 (Litestar's declaration)

    @post(
        "/configure",
        status_code=200,
        summary="Configure a genetics lab or a partner marketplace",
        description="`kind: genetics_lab`: make the organisation's integration with a lab, or "
        "change it (one per lab, by name): the headers of its results files' columns and, if "
        "the lab gives one, its API key, sealed through the key management and never shown "
        "again. Audited (`lab_integration`) and published (`integration.lab_configured`). "
        "`kind: partner_marketplace`: enable the feed of the organisation's available "
        "listings for a partner (one per partner, by name), or with `rotate_token` replace "
        "its token; the token is in the answer this once, stored only as its SHA-256. "
        "Audited (`marketplace_feed`) and published "
        "(`integration.marketplace_feed_configured`).",
        responses={
            **_ACCESS,
            409: _problem("The organisation has the most integrations of the kind it may have."),
            422: _problem("An invalid body: two roles naming one header, a blank name."),
        },
    )
    async def configure(
        self,
        principal: CurrentPrincipal,
        labs: Labs,
        marketplaces: Marketplaces,
        data: JSONBody[ConfigureRequest | MarketplaceConfigure],
    ) -> ConfigureAnswer | MarketplaceAnswer:
        """Configure."""
        manager = manager_of(principal)
        if isinstance(data, MarketplaceConfigure):
            return await _configure_marketplace(marketplaces, manager, data)
        desk = labs.imports
        async with desk.unit_of_work(manager.organisation_id) as uow:
            integration, created = await configure_lab(
                uow,
                labs.keys,
                manager,
                data.lab,
                data.columns.to_mapping(),
                data.api_key,
                desk.clock(),
            )
        view = lab_view(integration)
        return ConfigureAnswer(
            **{n: getattr(view, n) for n in view.__struct_fields__}, created=created
        )

    @get("/labs", summary="The organisation's lab integrations", responses=_ACCESS)
    async def list_all(self, principal: CurrentPrincipal, labs: Labs) -> LabList:
        """Every lab integration, oldest first (never an API key)."""
        manager = manager_of(principal)
        async with labs.imports.unit_of_work(manager.organisation_id) as uow:
            found = await list_labs(uow, manager)
        return LabList([lab_view(i) for i in found])

    @get("/labs/{integration_id:uuid}", summary="A lab integration", responses=_ONE)
    async def read(
        self, principal: CurrentPrincipal, labs: Labs, integration_id: FromPath[uuid.UUID]
    ) -> LabIntegrationView:
        """One lab integration."""
        manager = manager_of(principal)
        async with labs.imports.unit_of_work(manager.organisation_id) as uow:
            return lab_view(await read_lab(uow, manager, integration_id))

    @post(
        "/labs/{integration_id:uuid}/imports",
        status_code=200,
        request_max_body_size=2 * MAX_FILE_BYTES + 64 * 1024,
        summary="Import a lab's results file",
        description=f"A CSV (at most {MAX_FILE_BYTES:,} bytes and {MAX_ROWS:,} rows) with the "
        "integration's columns: the animal (id or code), the test (the gene; or named in the "
        "result), the result (`het Clown positive`, `Clown negative`, `visual`), the report "
        "id and date. A dry run (the default) reports every row's outcome and changes "
        "nothing. The real import changes each animal in repti-animal with the caller's "
        "token (a proven het replaces a possible het, a negative removes one; a record that "
        "says otherwise is a `conflict`, not overwritten), naming the lab and report as the "
        "source, then audits the import (`lab_import`) and publishes "
        "`integration.lab_results_imported`. `format=csv` answers the rows as CSV.",
        responses={
            **_ONE,
            413: _problem("The body is too large."),
            422: _problem(
                "The file cannot be read: too large, too many rows, no header or a required "
                "column missing, text the CSV reader refuses."
            ),
            503: _problem("repti-animal could not be reached."),
        },
    )
    async def import_file(
        self,
        request: Request[Any, Any, Any],
        principal: CurrentPrincipal,
        labs: Labs,
        integration_id: FromPath[uuid.UUID],
        data: JSONBody[ImportRequest],
        format: Format = "json",
    ) -> ImportView | Response[str]:
        """Import (or check) a results file."""
        manager = manager_of(principal)
        report = await import_results(
            labs.imports,
            manager,
            integration_id,
            data.csv,
            dry_run=data.dry_run,
            credential=_bearer(request),
        )
        if format == "csv":
            return Response(import_csv(report), media_type="text/csv")
        return import_view(report)
