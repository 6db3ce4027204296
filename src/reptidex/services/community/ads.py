"""``/ads``: an organisation's campaigns, credits and reports; the public sponsored slots and
the recording of their impressions and clicks."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from reptidex.domain.ads.campaigns import (
    BoostKind,
    Campaign,
    CampaignStatus,
    CampaignTerms,
    Targeting,
)
from reptidex.domain.ads.management import (
    CampaignChanges,
    campaign_report,
    change_campaign,
    create_campaign,
    credit_balances,
    list_campaigns,
    show_campaign,
)
from reptidex.domain.ads.serving import (
    MAX_SLOTS,
    AdContext,
    Viewer,
    choose_sponsored,
    record_click,
    record_impression,
)
from reptidex.domain.commerce.money import Currency, Money
from reptidex.services.community.ad_access import (
    READ,
    SECURITY,
    WRITE,
    AdDesk,
    Ads,
    advertiser_of,
    bearer_of,
)
from reptidex.services.community.ad_schemas import (
    CampaignCreate,
    CampaignPage,
    CampaignPatch,
    CampaignView,
    Country,
    CreditsView,
    Key,
    RecordView,
    ReportDay,
    ReportView,
    ServeView,
    StatusName,
    TargetingBody,
    TokenBody,
    balance_view,
    campaign_view,
    ctr,
    record_view,
    report_day,
    slot_view,
)
from reptidex.services.kernel.auth import CurrentPrincipal, OptionalPrincipal, Principal
from reptidex.services.kernel.csv_lines import csv_line
from reptidex.services.kernel.plausible_dates import PlausibleDate
from reptidex.services.kernel.rate_limits import ClientAddress

MAX_PAGE = 100
Limit = Annotated[
    int, QueryParameter(ge=1, le=MAX_PAGE, description=f"Items per page (1-{MAX_PAGE}).")
]
Offset = Annotated[int, QueryParameter(ge=0, le=10_000_000, description="Items to skip.")]
CampaignId = FromPath[uuid.UUID]
Since = Annotated[PlausibleDate | None, QueryParameter(description="First day (UTC)")]
Until = Annotated[PlausibleDate | None, QueryParameter(description="Last day (UTC), included")]
NOT_YOURS = {404: ResponseSpec(None, description="No such campaign of the caller's organisation")}
REPORT_COLUMNS = ("day", "impressions", "clicks", "spent", "spent_millis", "ctr")


def targeting_of(body: TargetingBody) -> Targeting:
    """The domain targeting of a request's."""
    return Targeting(tuple(body.species), tuple(body.genes), tuple(body.countries))


def changes_of(data: JSONBody[CampaignPatch]) -> CampaignChanges:
    """The domain changes of a patch (absent fields kept)."""
    values: dict[str, Any] = {}
    for name in ("name", "daily_budget", "total_budget", "cpm", "starts_on", "ends_on"):
        if getattr(data, name) is not msgspec.UNSET:
            values[name] = getattr(data, name)
    if data.status is not msgspec.UNSET:
        values["status"] = CampaignStatus(data.status)
    if data.targeting is not msgspec.UNSET:
        values["targeting"] = targeting_of(data.targeting)
    return CampaignChanges(**values)


class AdCampaignController(Controller):
    """An organisation's campaigns, ad credits and reports."""

    path = "/ads"
    tags = ("ads",)
    security = SECURITY

    @post(
        "/campaigns",
        guards=WRITE,
        summary="Start a campaign",
        description="A campaign of your organisation (members and above) that boosts some of "
        "its marketplace listings (`boost: listings`, 1-20 `listing_ids`, each checked with "
        "repti-commerce as yours) or its breeder profile (`boost: breeder`). Budgets are "
        "integer minor units of `currency`: `daily_budget` (spread over the UTC day by "
        "pacing) and `total_budget` (at least a day's); `cpm` is the bid per thousand "
        "impressions, the cost model (clicks are free). `starts_on` to `ends_on` (UTC days, "
        "both included, at most 366, not ending in the past). `targeting` lists species and "
        "gene keys and ISO 3166 countries (at most 20 each); an empty list admits everyone. "
        "The campaign serves while it has credits (`GET /ads/credits`).",
    )
    async def create(
        self,
        ads: Ads,
        principal: CurrentPrincipal,
        request: Request[Any, Any, Any],
        data: JSONBody[CampaignCreate],
    ) -> CampaignView:
        """Start a campaign."""
        actor = advertiser_of(principal, bearer_of(request))
        currency = Currency.of(data.currency)
        terms = CampaignTerms(
            name=data.name,
            daily_budget=Money(data.daily_budget, currency),
            total_budget=Money(data.total_budget, currency),
            cpm=data.cpm,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            targeting=Targeting() if data.targeting is None else targeting_of(data.targeting),
        )
        async with ads.units.open(actor.organisation_id) as uow:
            campaign = await create_campaign(
                uow,
                actor,
                BoostKind(data.boost),
                tuple(data.listing_ids),
                terms,
                ads.listings,
                ads.clock(),
            )
        return campaign_view(campaign)

    @get(
        "/campaigns",
        guards=READ,
        summary="Your campaigns",
        description="Your organisation's campaigns, newest first, paged; `status` narrows them.",
    )
    async def campaigns(
        self,
        ads: Ads,
        principal: CurrentPrincipal,
        campaign_status: Annotated[
            StatusName | None, QueryParameter(name="status", description="Only these")
        ] = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> CampaignPage:
        """A page of campaigns."""
        actor = advertiser_of(principal)
        async with ads.units.open(actor.organisation_id) as uow:
            found, total = await list_campaigns(
                uow,
                actor,
                None if campaign_status is None else CampaignStatus(campaign_status),
                limit,
                offset,
            )
        return CampaignPage([campaign_view(c) for c in found], total, limit, offset)

    @get(
        "/campaigns/{campaign_id:uuid}",
        guards=READ,
        summary="A campaign",
        description="One of your organisation's campaigns and its spend; 404 for any other.",
        responses=NOT_YOURS,
    )
    async def campaign(
        self, ads: Ads, principal: CurrentPrincipal, campaign_id: CampaignId
    ) -> CampaignView:
        """A campaign."""
        actor = advertiser_of(principal)
        async with ads.units.open(actor.organisation_id) as uow:
            return campaign_view(await show_campaign(uow, actor, campaign_id))

    @patch(
        "/campaigns/{campaign_id:uuid}",
        guards=WRITE,
        summary="Pause, resume or edit a campaign",
        description="`status` pauses (`paused`) or resumes (`active`) it; the other fields "
        "change its terms under the rules of its creation. The total budget cannot go below "
        "the spend so far. 409 when another change (or spend past the new budget) came first.",
        responses=NOT_YOURS,
    )
    async def change(
        self,
        ads: Ads,
        principal: CurrentPrincipal,
        campaign_id: CampaignId,
        data: JSONBody[CampaignPatch],
    ) -> CampaignView:
        """Change a campaign."""
        actor = advertiser_of(principal)
        async with ads.units.open(actor.organisation_id) as uow:
            campaign = await change_campaign(uow, actor, campaign_id, changes_of(data), ads.clock())
        return campaign_view(campaign)

    @get(
        "/campaigns/{campaign_id:uuid}/report",
        guards=READ,
        summary="A campaign's report per day",
        description="Each UTC day from `since` to `until` (both included, at most 366; "
        "default: the last 30 days): impressions charged, clicks, spend (minor units rounded "
        "down, and exactly in millis) and CTR, with totals.",
        responses=NOT_YOURS,
    )
    async def report(
        self,
        ads: Ads,
        principal: CurrentPrincipal,
        campaign_id: CampaignId,
        since: Since = None,
        until: Until = None,
    ) -> ReportView:
        """The report."""
        campaign, first, last, rows = await _report(ads, principal, campaign_id, since, until)
        impressions = sum(r.impressions for r in rows)
        clicks = sum(r.clicks for r in rows)
        spent = sum(r.spent_millis for r in rows)
        return ReportView(
            campaign_id=campaign.id,
            currency=campaign.currency,
            since=first,
            until=last,
            days=rows,
            impressions=impressions,
            clicks=clicks,
            spent=spent // 1000,
            spent_millis=spent,
            ctr=ctr(clicks, impressions),
        )

    @get(
        "/campaigns/{campaign_id:uuid}/report.csv",
        guards=READ,
        summary="A campaign's report per day as CSV",
        description="The days of the report, one line each: `day`, `impressions`, `clicks`, "
        "`spent`, `spent_millis`, `ctr` (no cell a spreadsheet would run as a formula).",
        responses=NOT_YOURS,
        media_type="text/csv",
    )
    async def report_csv(
        self,
        ads: Ads,
        principal: CurrentPrincipal,
        campaign_id: CampaignId,
        since: Since = None,
        until: Until = None,
    ) -> Response[bytes]:
        """The report, as CSV."""
        campaign, first, last, rows = await _report(ads, principal, campaign_id, since, until)
        body = b"".join([csv_line(REPORT_COLUMNS), *(_csv_row(r) for r in rows)])
        name = f"campaign-{campaign.id}-{first.isoformat()}-{last.isoformat()}.csv"
        return Response(
            body,
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @get(
        "/credits",
        guards=READ,
        summary="Your ad credits",
        description="Your organisation's ad credits per currency (bought through repti-core's "
        "billing, spent by impressions).",
    )
    async def credits(self, ads: Ads, principal: CurrentPrincipal) -> CreditsView:
        """The balances."""
        actor = advertiser_of(principal)
        async with ads.units.open(actor.organisation_id) as uow:
            balances = await credit_balances(uow, actor)
        return CreditsView([balance_view(b) for b in balances])


async def _report(
    ads: AdDesk,
    principal: Principal,
    campaign_id: uuid.UUID,
    since: dt.date | None,
    until: dt.date | None,
) -> tuple[Campaign, dt.date, dt.date, list[ReportDay]]:
    actor = advertiser_of(principal)
    last = until or ads.clock().date()
    first = since or last - dt.timedelta(days=29)
    async with ads.units.open(actor.organisation_id) as uow:
        campaign, days = await campaign_report(uow, actor, campaign_id, first, last)
    return campaign, first, last, [report_day(d) for d in days]


def _csv_row(row: ReportDay) -> bytes:
    return csv_line([row.day, row.impressions, row.clicks, row.spent, row.spent_millis, row.ctr])


def _viewer(principal: Principal | None, address: str) -> Viewer:
    if principal is not None and principal.user_id is not None:
        return Viewer.user(principal.organisation_id, principal.user_id)
    return Viewer(None if principal is None else principal.organisation_id, f"address:{address}")


class AdServingController(Controller):
    """Sponsored slots and their impressions and clicks (public, limited per address)."""

    path = "/ads"
    tags = ("ads",)

    @get(
        "/serve",
        summary="Sponsored slots for a page",
        description="Up to `slots` (1-5) sponsored results for a page about `species`, "
        "`genes` (at most 20) and `country`: campaigns running today that target them, with "
        "budget, pacing and credits left for one more impression, highest bid first. Each is "
        "marked `sponsored` and carries an impression token (post it to `/ads/impressions` "
        "when the slot is shown, within 15 minutes) and a click token (to `/ads/clicks`, "
        "within an hour). A signed-in caller never sees its own organisation's campaigns. "
        "At most 120 requests a minute per address (429).",
    )
    async def serve(
        self,
        ads: Ads,
        optional_principal: OptionalPrincipal,
        client_address: ClientAddress,
        species: Annotated[Key | None, QueryParameter(description="Species key")] = None,
        genes: Annotated[
            list[Key] | None, QueryParameter(max_items=20, description="Gene keys")
        ] = None,
        country: Annotated[Country | None, QueryParameter(description="ISO 3166")] = None,
        slots: Annotated[int, QueryParameter(ge=1, le=MAX_SLOTS)] = 2,
    ) -> ServeView:
        """The slots."""
        await ads.serve_limit.check_address(client_address)
        context = AdContext(
            species=species,
            genes=frozenset(genes or ()),
            country=country,
            viewer_organisation=None
            if optional_principal is None
            else optional_principal.organisation_id,
        )
        chosen = await choose_sponsored(ads.units, ads.signer, context, ads.clock(), slots)
        ads.metrics.served(len(chosen))
        return ServeView([slot_view(s) for s in chosen])

    @post(
        "/impressions",
        status_code=HTTP_200_OK,
        summary="Record an impression",
        description="The impression a slot's token vouches for, charged at the campaign's "
        "bid per thousand within its total budget, the day's paced budget and its credits. "
        "Not counted: the advertiser's own organisation (`self`), the same viewer's same "
        "slot within 30 minutes (`duplicate`), an expired token. 422 for a token that is not "
        "an impression token of this service. At most 240 recordings a minute per address.",
    )
    async def impression(
        self,
        ads: Ads,
        optional_principal: OptionalPrincipal,
        client_address: ClientAddress,
        data: JSONBody[TokenBody],
    ) -> RecordView:
        """Record an impression."""
        await ads.record_limit.check_address(client_address)
        viewer = _viewer(optional_principal, client_address)
        async with ads.units.serving() as serving:
            outcome = await record_impression(serving, ads.signer, data.token, viewer, ads.clock())
        ads.metrics.recorded("impression", outcome.value)
        return record_view(outcome)

    @post(
        "/clicks",
        status_code=HTTP_200_OK,
        summary="Record a click",
        description="The click a slot's token vouches for (clicks are counted, not charged), "
        "under the filters of impressions. At most 240 recordings a minute per address.",
    )
    async def click(
        self,
        ads: Ads,
        optional_principal: OptionalPrincipal,
        client_address: ClientAddress,
        data: JSONBody[TokenBody],
    ) -> RecordView:
        """Record a click."""
        await ads.record_limit.check_address(client_address)
        viewer = _viewer(optional_principal, client_address)
        async with ads.units.serving() as serving:
            outcome = await record_click(serving, ads.signer, data.token, viewer, ads.clock())
        ads.metrics.recorded("click", outcome.value)
        return record_view(outcome)


AD_CONTROLLERS = [AdCampaignController, AdServingController]
"""The advertising controllers."""
