"""``GET /audit/reports/personal-data``: who changed or read personal data in a period
(GDPR and SOC 2 evidence), as JSON or CSV."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from reptidex.domain.audit.compliance import ReportQuery, personal_data_report
from reptidex.services.kernel.auth import BEARER, CurrentPrincipal, requires_user
from reptidex.services.kernel.plausible_dates import PlausibleDateTime
from reptidex.services.kernel.problems import PROBLEM_MEDIA_TYPE, Problem
from reptidex.services.ops.access import Trail, reader_of
from reptidex.services.ops.audit import CSV, Limit, Offset
from reptidex.services.ops.compliance_schemas import (
    PersonalDataReportView,
    report_csv,
    report_view,
)

Bound = Annotated[
    PlausibleDateTime,
    QueryParameter(description="RFC 3339 date-time (without a zone: UTC)"),
]
Id = Annotated[uuid.UUID | None, QueryParameter()]
Format = Annotated[
    Literal["json", "csv"] | None,
    QueryParameter(
        description="`json` (the default) or `csv` (one line per actor and resource); "
        "without it, `Accept: text/csv` chooses CSV."
    ),
]


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=description, media_type=PROBLEM_MEDIA_TYPE
    )


class ComplianceController(Controller):
    """Compliance reports over the audit trail."""

    path = "/audit/reports"
    tags = ("audit",)
    security = BEARER

    @get(
        "/personal-data",
        guards=[requires_user],
        summary="Who changed or read personal data in a period",
        description="Per actor, the resources holding personal data (the personal-data "
        "inventory's kinds: accounts, memberships, invitations, orders' buyers, uploads, "
        "forum and notification data, …) that they changed or read (`accessed` records) "
        "between `since` (inclusive) and `until` (exclusive), with counts, and a page "
        "(`limit`, `offset`) of the records behind them, newest first. `user_id` keeps the "
        "records about one user, `organisation_id` one organisation's. Platform "
        "administrators read every record; an organisation's owners their organisation's "
        "(another organisation is 403); anyone else 403. `format=csv` gives one line per "
        "actor and resource.",
        responses={
            200: ResponseSpec(
                PersonalDataReportView, description="The report (JSON), or its CSV (`text/csv`)"
            ),
            401: _problem("No valid access token."),
            403: _problem("Neither a platform administrator nor the organisation's owner."),
        },
    )
    async def personal_data(
        self,
        request: Request[Any, Any, Any],
        principal: CurrentPrincipal,
        trail: Trail,
        since: Bound,
        until: Bound,
        user_id: Id = None,
        organisation_id: Id = None,
        limit: Limit = 50,
        offset: Offset = 0,
        format: Format = None,
    ) -> PersonalDataReportView | Response[bytes]:
        """The report."""
        query = ReportQuery(
            since=_utc(since),
            until=_utc(until),
            organisation_id=organisation_id,
            subject_id=user_id,
            limit=limit,
            offset=offset,
        )
        report = await personal_data_report(trail, reader_of(principal), query)
        chosen = format or ("csv" if "text/csv" in request.headers.get("accept", "") else "json")
        if chosen == "csv":
            return Response(
                report_csv(report),
                headers={
                    "content-type": CSV,
                    "content-disposition": 'attachment; filename="personal-data-report.csv"',
                },
            )
        return report_view(report)
