"""``GET /audit/logs``: the audit trail, filtered and paged, or exported whole as CSV or
JSON Lines (streamed)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from litestar import Controller, Request, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Stream

from reptidex.domain.audit.ports import MAX_PAGE, AuditQuery
from reptidex.domain.audit.reading import export_trail, search_trail
from reptidex.domain.errors import InvalidInput
from reptidex.services.kernel.auth import BEARER, CurrentPrincipal, requires_user
from reptidex.services.kernel.plausible_dates import PlausibleDateTime
from reptidex.services.ops.access import Trail, reader_of
from reptidex.services.ops.schemas import (
    AuditPage,
    csv_header,
    csv_row,
    jsonl_row,
    view_of,
)

CSV = "text/csv; charset=utf-8"  # streamed: Litestar adds no charset to a stream
JSONL = "application/jsonl"
_ACCEPTED = {"text/csv": "csv", "application/jsonl": "jsonl", "application/x-ndjson": "jsonl"}

Text = Annotated[str | None, QueryParameter(min_length=1, max_length=200)]
Id = Annotated[uuid.UUID | None, QueryParameter()]
Limit = Annotated[
    int, QueryParameter(ge=1, le=MAX_PAGE, description=f"Items per page (1-{MAX_PAGE}).")
]
Offset = Annotated[int, QueryParameter(ge=0, le=10_000_000, description="Items to skip.")]
Instant = Annotated[
    PlausibleDateTime | None,
    QueryParameter(description="RFC 3339 date-time (without a zone: UTC)"),
]
Format = Annotated[
    Literal["json", "csv", "jsonl"] | None,
    QueryParameter(
        description="`json` (a page, the default), or the whole filtered trail as `csv` or "
        "`jsonl`; without it, `Accept: text/csv` or `application/jsonl` choose the export."
    ),
]


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _format(requested: str | None, request: Request[Any, Any, Any]) -> str:
    if requested:
        return requested
    accept = request.headers.get("accept", "")
    for media_type, name in _ACCEPTED.items():
        if media_type in accept:
            return name
    return "json"


class AuditController(Controller):
    """The audit trail of every service's data changes."""

    path = "/audit/logs"
    tags = ("audit",)
    security = BEARER

    @get(
        "/",
        guards=[requires_user],
        summary="Read the audit trail",
        description="Records of data changes, newest first, filtered (every filter narrows) by "
        "`organisation_id`, `actor_id`, `resource_kind`, `resource_id`, `action`, `service` and "
        "`since` (inclusive) / `until` (exclusive) on the time of the change. An organisation's "
        "owners read their organisation's records; platform administrators read every record; "
        "anyone else gets 403. Paged with `limit`/`offset` and the `total`; `format=csv` or "
        "`format=jsonl` (or the `Accept` header) streams every matching record instead.",
        responses={
            200: ResponseSpec(
                AuditPage,
                description="A page (JSON); or the export as `text/csv` or `application/jsonl`",
            )
        },
    )
    async def list_records(
        self,
        request: Request[Any, Any, Any],
        principal: CurrentPrincipal,
        trail: Trail,
        organisation_id: Id = None,
        actor_id: Id = None,
        resource_kind: Text = None,
        resource_id: Text = None,
        action: Text = None,
        service: Text = None,
        since: Instant = None,
        until: Instant = None,
        limit: Limit = 50,
        offset: Offset = 0,
        format: Format = None,
    ) -> AuditPage | Stream:
        """A page of the trail, or its export."""
        start, end = _utc(since), _utc(until)
        if start is not None and end is not None and end <= start:
            raise InvalidInput(
                "`until` must be later than `since`.", field_errors={"until": "not after since"}
            )
        query = AuditQuery(
            organisation_id=organisation_id,
            actor_id=actor_id,
            resource_kind=resource_kind,
            resource_id=resource_id,
            action=action,
            service=service,
            since=start,
            until=end,
            limit=limit,
            offset=offset,
        )
        reader = reader_of(principal)
        chosen = _format(format, request)
        if chosen == "json":
            entries, total = await search_trail(trail, reader, query)
            return AuditPage([view_of(e) for e in entries], total, limit, offset)
        records = export_trail(trail, reader, query)  # refuses here, before the stream starts

        async def lines() -> AsyncIterator[bytes]:
            if chosen == "csv":
                yield csv_header()
            async for entry in records:
                view = view_of(entry)
                yield csv_row(view) if chosen == "csv" else jsonl_row(view)

        # the header, not media_type: Litestar would put the handler's JSON type first
        return Stream(
            lines(),
            headers={
                "content-type": CSV if chosen == "csv" else JSONL,
                "content-disposition": f'attachment; filename="audit.{chosen}"',
            },
        )
