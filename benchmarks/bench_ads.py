"""Benchmark of repti-community's charge of an impression on PostgreSQL, against a baseline.

Run ``python benchmarks/bench_ads.py`` (``--quick`` for a small smoke run). It needs a
PostgreSQL server (``TEST_POSTGRES_URL``, default
``postgresql+asyncpg://postgres@127.0.0.1/postgres``); it creates a scratch database and a
login role (row-level security applies to it, as in production) and drops both afterwards.

What it does: makes campaigns with room for every impression and credits to pay them, then
records ``--impressions`` impressions (4,000; 400 with ``--quick``) from ``--clients``
concurrent tasks (32), each in a transaction of its own through the service's own adapter
(``SqlAdServing``, ``record_impression``):

- *one campaign*: every impression charges the same campaign, whose row lock queues them;
- *32 campaigns of one organisation*: the charges spread over the campaigns and queue on the
  organisation's credits;
- *baseline*: the same transactions noting the sighting only (the duplicate filter's insert,
  no charge), the cost of a transaction that writes one row.

It prints the impressions per second of each and their ratio to the baseline's.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from loadkit import scratch_database
from reptidex.adapters.sql.community.ad_credits_consumer import credit_purchase
from reptidex.adapters.sql.engine import create_engine
from reptidex.domain.ads.campaigns import BoostKind, CampaignTerms
from reptidex.domain.ads.management import Advertiser, create_campaign
from reptidex.domain.ads.ports import Sighting
from reptidex.domain.ads.serving import Outcome, Viewer, record_impression
from reptidex.domain.ads.tokens import AdTicket, TicketSigner
from reptidex.domain.commerce.money import Money
from reptidex.domain.events import new_event
from reptidex.services.community.ad_wiring import AdUnitsOfWork

LATE = dt.datetime.now(dt.UTC).replace(hour=23, minute=59, second=0, microsecond=0)
SIGNER = TicketSigner(b"benchmark-key-of-thirty-two-byte")


class NoListings:
    """A breeder campaign checks no listing."""

    async def seller_of(self, listing_id: uuid.UUID, *, credential: str | None) -> uuid.UUID | None:
        return None


async def _campaigns(units: AdUnitsOfWork, organisation: uuid.UUID, count: int) -> list[str]:
    actor = Advertiser(organisation, uuid.uuid4(), may_write=True)
    terms = CampaignTerms(
        "Bench", Money.of(10**9, "EUR"), Money.of(10**9, "EUR"), 100, LATE.date(), LATE.date()
    )
    for _ in range(count):
        async with units.open(organisation) as uow:
            await create_campaign(uow, actor, BoostKind.BREEDER, (), terms, NoListings(), LATE)
    async with units.serving() as serving:
        running = await serving.candidates(LATE.date(), count)
    return [
        SIGNER.sign(
            AdTicket(
                kind="impression",
                campaign_id=str(c.campaign.id),
                organisation_id=str(organisation),
                slot=0,
                target=str(organisation),
                expires_at=int(LATE.timestamp()) + 3600,
            )
        )
        for c in running
    ]


async def _credit(sessions: async_sessionmaker[AsyncSession], organisation: uuid.UUID) -> None:
    event = new_event(
        "billing.ad_credits_purchased",
        producer="core",
        organisation_id=organisation,
        payload={"payment_ref": f"pi_{uuid.uuid4().hex}", "amount": 10**8, "currency": "EUR"},
    )
    async with sessions() as session, session.begin():
        await credit_purchase(event, session)


async def _timed(
    clients: int, total: int, one: Callable[[int], Awaitable[bool]]
) -> tuple[float, int]:
    queue = iter(range(total))
    counted = 0

    async def worker() -> None:
        nonlocal counted
        for index in queue:
            done = await one(index)  # awaited first: ``counted +=`` would read it before
            counted += done

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return total / (time.perf_counter() - started), counted


async def run(args: argparse.Namespace) -> dict[str, Any]:
    async with scratch_database("community") as database:
        engine = create_engine(database.app_url, pool_size=args.clients)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        units = AdUnitsOfWork(sessions)
        try:
            figures: dict[str, Any] = {}
            for name, count in (("one campaign", 1), ("32 campaigns", 32)):
                organisation = uuid.uuid4()
                await _credit(sessions, organisation)
                tokens = await _campaigns(units, organisation, count)

                async def charge(index: int, tokens: list[str] = tokens) -> bool:
                    async with units.serving() as serving:
                        viewer = Viewer(None, f"viewer:{uuid.uuid4()}")
                        outcome = await record_impression(
                            serving, SIGNER, tokens[index % len(tokens)], viewer, LATE
                        )
                    return outcome is Outcome.COUNTED

                rate, counted = await _timed(args.clients, args.impressions, charge)
                figures[name] = {"per_second": round(rate, 1), "counted": counted}

            campaign = uuid.uuid4()

            async def note(index: int) -> bool:
                async with units.serving() as serving:
                    sighting = Sighting(campaign, campaign, "impression", 0, uuid.uuid4().hex, 1)
                    first = await serving.first_sighting(sighting)
                    await serving.commit()
                return first

            rate, counted = await _timed(args.clients, args.impressions, note)
            figures["baseline"] = {"per_second": round(rate, 1), "counted": counted}
            for name in ("one campaign", "32 campaigns"):
                figures[name]["ratio"] = round(
                    figures[name]["per_second"] / figures["baseline"]["per_second"], 2
                )
            return figures
        finally:
            await engine.dispose()


def report(figures: dict[str, Any]) -> str:
    lines = [f"{'workload':<16} {'impressions/s':>14} {'counted':>8} {'vs baseline':>12}"]
    for name, row in figures.items():
        ratio = f"{row['ratio']:.2f}x" if "ratio" in row else "1.00x"
        lines.append(f"{name:<16} {row['per_second']:>14.1f} {row['counted']:>8} {ratio:>12}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small, short smoke run")
    parser.add_argument("--impressions", type=int, help="impressions per workload (4,000)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent tasks (32)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    args.impressions = args.impressions or (400 if args.quick else 4_000)
    figures = asyncio.run(run(args))
    print(json.dumps(figures, indent=2) if args.json else report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
