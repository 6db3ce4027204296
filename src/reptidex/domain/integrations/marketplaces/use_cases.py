"""An organisation's owners and admins enable a partner marketplace's feed (its token shown
once) and import a partner's export; the feed is read by them or by the partner with the
token. An import's dry run reports each row's outcome and changes nothing; the real import
lists each good row in repti-commerce under the partner's listing id (a row imported before
finds its listing), then records the import in the audit trail and publishes
``integration.marketplace_listings_imported``."""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from reptidex.domain.audit import record_change
from reptidex.domain.errors import Conflict, NotFound, PermissionDenied
from reptidex.domain.events import new_event
from reptidex.domain.integrations.events import (
    MARKETPLACE_FEED_CONFIGURED,
    MARKETPLACE_LISTINGS_IMPORTED,
    MarketplaceFeedConfigured,
    MarketplaceListingsImported,
)
from reptidex.domain.integrations.imports import PRODUCER, record_import
from reptidex.domain.integrations.labs.model import LabAnimal
from reptidex.domain.integrations.labs.ports import LabAnimals
from reptidex.domain.integrations.marketplaces.checks import against_animal, check_row
from reptidex.domain.integrations.marketplaces.layout import read_export
from reptidex.domain.integrations.marketplaces.model import (
    FeedListing,
    ImportReport,
    ListingOffer,
    MarketplaceFeed,
    Outcome,
    RowReport,
    new_feed_token,
    token_digest,
)
from reptidex.domain.integrations.marketplaces.ports import (
    FeedUnitOfWork,
    ListingRefused,
    ListingsUnavailable,
    PartnerListings,
)
from reptidex.domain.integrations.subscriptions import Manager

MAX_FEEDS = 20
"""Partner marketplaces an organisation may have."""
FEED_PAGE = 100
"""Listings read from repti-commerce at a time for the feed."""
MAX_FEED_LISTINGS = 5_000
"""The most listings one feed answer holds (the newest)."""
LOOKUPS_AT_ONCE = 8
"""Animals asked of repti-animal side by side."""
REFS_AT_ONCE = 100
"""Partner listing ids asked of repti-commerce in one call."""


def _require_manager(manager: Manager) -> None:
    if not manager.may_manage:
        raise PermissionDenied("Only the organisation's owners and admins manage integrations.")


@dataclass(frozen=True, slots=True)
class FeedDesk:
    """What the marketplace use cases need: units of work scoped to an organisation or to a
    token's digest, repti-commerce's listings, repti-animal's collection, and the clock."""

    unit_of_work: Callable[[uuid.UUID], AbstractAsyncContextManager[FeedUnitOfWork]]
    token_unit_of_work: Callable[[str], AbstractAsyncContextManager[FeedUnitOfWork]]
    listings: PartnerListings
    animals: LabAnimals
    clock: Callable[[], dt.datetime]


async def configure_feed(
    uow: FeedUnitOfWork, manager: Manager, partner: str, rotate_token: bool, now: dt.datetime
) -> tuple[MarketplaceFeed, bool, str | None]:
    """Enable the organisation's feed for ``partner`` (one per partner, by name without case),
    or replace its token when ``rotate_token``: the feed, whether it is new, and the new token
    (``None`` when nothing changes). Audited (``marketplace_feed``, the token withheld) and
    published, unless nothing changes."""
    _require_manager(manager)
    partner = " ".join(partner.split())
    before = await uow.feeds.by_partner(manager.organisation_id, partner)
    if before is not None and not rotate_token:
        return before, False, None
    if before is None and len(await uow.feeds.of(manager.organisation_id)) >= MAX_FEEDS:
        raise Conflict(f"An organisation has at most {MAX_FEEDS} partner marketplaces.")
    token = new_feed_token()
    feed = MarketplaceFeed(
        before.id if before else uuid.uuid4(),
        manager.organisation_id,
        before.partner if before else partner,
        token_digest(token),
        created_at=before.created_at if before else now,
        updated_at=now,
    )
    if before is None:
        await uow.feeds.add(feed)
    else:
        await uow.feeds.save(feed)
    record_change(
        uow.outbox,
        service=PRODUCER,
        resource_kind="marketplace_feed",
        resource_id=feed.id,
        action="created" if before is None else "token_rotated",
        actor_id=manager.user_id,
        organisation_id=manager.organisation_id,
        occurred_at=now,
        before=None if before is None else {"partner": before.partner},
        after={"partner": feed.partner},
        changed_secrets=("feed_token",),
    )
    uow.outbox.add(
        new_event(
            MARKETPLACE_FEED_CONFIGURED,
            producer=PRODUCER,
            payload=MarketplaceFeedConfigured(str(feed.id), feed.partner, before is not None),
            organisation_id=manager.organisation_id,
            actor_id=manager.user_id,
            occurred_at=now,
        )
    )
    await uow.commit()
    return feed, before is None, token


async def list_feeds(uow: FeedUnitOfWork, manager: Manager) -> list[MarketplaceFeed]:
    """The organisation's partner marketplaces."""
    _require_manager(manager)
    return await uow.feeds.of(manager.organisation_id)


async def read_feed(uow: FeedUnitOfWork, manager: Manager, feed_id: uuid.UUID) -> MarketplaceFeed:
    """One of the organisation's partner marketplaces (:class:`NotFound` otherwise)."""
    _require_manager(manager)
    found = await uow.feeds.get(manager.organisation_id, feed_id)
    if found is None:
        raise NotFound(f"No partner marketplace {feed_id} in this organisation.")
    return found


async def partner_feed(desk: FeedDesk, feed_id: uuid.UUID, token: str) -> MarketplaceFeed:
    """The feed ``token`` opens, if it is ``feed_id`` (:class:`NotFound` otherwise: a token
    opens its own feed only, and says nothing of others)."""
    digest = token_digest(token)
    async with desk.token_unit_of_work(digest) as uow:
        found = await uow.feeds.by_token(digest)
    if found is None or found.id != feed_id or not hmac.compare_digest(found.token_digest, digest):
        raise NotFound(f"No partner marketplace {feed_id} for this token.")
    return found


async def feed_pages(
    listings: PartnerListings, organisation_id: uuid.UUID
) -> AsyncIterator[list[FeedListing]]:
    """The organisation's open listings, newest first, a page at a time from repti-commerce
    (at most :data:`MAX_FEED_LISTINGS`; a listing that moves between pages while they are
    read is written once)."""
    seen: set[uuid.UUID] = set()
    offset = 0
    while offset < MAX_FEED_LISTINGS:
        limit = min(FEED_PAGE, MAX_FEED_LISTINGS - offset)
        page, total = await listings.open_page(organisation_id, limit, offset)
        fresh = [x for x in page if x.listing_id not in seen]
        seen.update(x.listing_id for x in fresh)
        if fresh:
            yield fresh
        offset += limit
        if len(page) < limit or offset >= total:
            return


async def _look_up(
    animals: LabAnimals, offers: list[ListingOffer], credential: str | None
) -> dict[str, LabAnimal | None]:
    wanted = list(dict.fromkeys(o.animal for o in offers))
    found: dict[str, LabAnimal | None] = {}
    gate = asyncio.Semaphore(LOOKUPS_AT_ONCE)

    async def one(reference: str) -> None:
        async with gate:
            found[reference] = await animals.find(reference, credential=credential)

    await asyncio.gather(*(one(reference) for reference in wanted))
    return found


async def _imported(
    listings: PartnerListings, refs: list[str], credential: str | None
) -> dict[str, uuid.UUID]:
    found: dict[str, uuid.UUID] = {}
    for start in range(0, len(refs), REFS_AT_ONCE):
        found.update(
            await listings.imported(refs[start : start + REFS_AT_ONCE], credential=credential)
        )
    return found


async def import_listings(
    desk: FeedDesk,
    manager: Manager,
    feed_id: uuid.UUID,
    text: str,
    *,
    dry_run: bool,
    currency: str | None,
    country: str | None,
    credential: str | None,
) -> ImportReport:
    """Read a partner's export and report every row's outcome; unless ``dry_run``, list each
    good row in repti-commerce (under its partner listing id: a row imported before finds its
    listing) and record the import.

    A file over the bounds or without its columns is an :class:`InvalidInput` before anything
    is asked. Two rows with one partner listing id, or naming one animal, are both bad."""
    _require_manager(manager)
    async with desk.unit_of_work(manager.organisation_id) as uow:
        feed = await read_feed(uow, manager, feed_id)
    rows = read_export(text)
    checked = [check_row(row, currency, country) for row in rows]
    offers = [c for c in checked if isinstance(c, ListingOffer)]
    twice_ref = _repeated(o.external_ref for o in offers)
    twice_animal = _repeated(o.animal for o in offers)
    animals = await _look_up(desk.animals, offers, credential)
    imported = await _imported(desk.listings, [o.external_ref for o in offers], credential)
    reports: list[RowReport] = []
    for row, offer in zip(rows, checked, strict=True):
        if isinstance(offer, str):
            reports.append(RowReport(row.line, Outcome.BAD, offer, row.listing_id, row.animal))
            continue
        animal = animals.get(offer.animal)
        animal_id = None if animal is None else animal.id
        report = RowReport(row.line, Outcome.BAD, "", offer.external_ref, offer.animal, animal_id)
        existing = imported.get(offer.external_ref)
        why = (
            "another row of the file has this listing id"
            if offer.external_ref in twice_ref
            else "another row of the file names this animal"
            if offer.animal in twice_animal
            else ""
        )
        if why:
            reports.append(_with(report, Outcome.BAD, why))
        elif existing is not None:
            reports.append(_with(report, Outcome.UNCHANGED, "imported before", listing_id=existing))
        elif why := against_animal(offer, animal):
            reports.append(_with(report, Outcome.BAD, why))
        else:
            assert animal is not None  # against_animal reports a missing animal
            reports.append(await _apply(desk, report, offer, animal, dry_run, credential))
    result = ImportReport(feed.id, feed.partner, dry_run, reports)
    if not dry_run:
        await _record(desk, manager, feed, result)
    return result


def _repeated(values: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    twice: set[str] = set()
    for value in values:
        (twice if value in seen else seen).add(value)
    return twice


def _with(
    report: RowReport, outcome: Outcome, detail: str, listing_id: uuid.UUID | None = None
) -> RowReport:
    return RowReport(
        report.line,
        outcome,
        detail,
        report.partner_listing_id,
        report.animal,
        report.animal_id,
        listing_id,
    )


async def _apply(
    desk: FeedDesk,
    report: RowReport,
    offer: ListingOffer,
    animal: LabAnimal,
    dry_run: bool,
    credential: str | None,
) -> RowReport:
    state = "available" if offer.publish else "draft"
    if dry_run:
        return _with(report, Outcome.APPLIED, f"would be listed ({state})")
    try:
        listing_id = await desk.listings.create(offer, animal.id, credential=credential)
    except (ListingRefused, ListingsUnavailable) as refused:
        return _with(report, Outcome.FAILED, str(refused))
    return _with(report, Outcome.APPLIED, f"listed ({state})", listing_id)


async def _record(
    desk: FeedDesk, manager: Manager, feed: MarketplaceFeed, report: ImportReport
) -> None:
    summary = report.summary()
    await record_import(
        desk.unit_of_work(manager.organisation_id),
        manager,
        desk.clock(),
        resource_kind="marketplace_import",
        event_type=MARKETPLACE_LISTINGS_IMPORTED,
        details={"feed_id": str(feed.id), "partner": feed.partner, **summary},
        payload=lambda import_id: MarketplaceListingsImported(
            str(import_id), str(feed.id), feed.partner, summary
        ),
    )
