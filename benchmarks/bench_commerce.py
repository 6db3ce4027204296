"""Benchmark of repti-commerce's marketplace search over HTTP against a bare endpoint.

Run ``python benchmarks/bench_commerce.py`` (``--quick`` for a small smoke run,
``--listings N`` for another count). It needs a PostgreSQL server (``TEST_POSTGRES_URL``,
default ``postgresql+asyncpg://postgres@127.0.0.1/postgres``); it creates a scratch database
and a login role and drops both afterwards.

What it does:

1. Migrates the scratch database for repti-commerce and copies ``--listings`` listings into
   it (100,000; 5,000 with ``--quick``), printing its progress: five species in marketplace
   proportions (ball pythons more than half), 32 genes over visual, het and possible het as
   breeders list them (a recessive such as Clown mostly as a het, a dominant one visual),
   prices from the genes in USD, EUR, GBP, CAD and AUD by the seller's country, 3,000 sellers
   of very different sizes, 82% available (the rest on hold, sold, drafts, hidden, expired),
   a third with an end date. The rows are made by the adapter's own mapping
   (``listing_columns``) with the service's documents, so they are what the service would
   have stored; the table is then
   vacuumed and analysed, as autovacuum would have done.
2. Starts repti-commerce on uvicorn (connected as a non-owner role under row-level security,
   as in production) and, once it answers, a *baseline*: a bare Litestar app whose one
   endpoint returns the bytes of the issue's search page. Waits until the search cache is in
   use (its listener of listing changes connected).
3. Drives each with ``--clients`` concurrent keep-alive clients (32), interleaving the
   workloads round by round so that all see the same machine, ``--requests`` requests per
   workload in all (3,000; 300 with ``--quick``), each a public search without a token:

   - ``gene=clown&zygosity=het&sort=price`` (the issue's search), asked again and again as a
     marketplace's visitors do: after the first, from the search cache;
   - a gene of a species with a zygosity, sorted by price (30 such searches, at random);
   - ball pythons in USD within a price range, dearest first;
   - the front page: every open listing, newest first;
   - the issue's search with a ``max_price`` new at every request: each read from the
     database (the path of a search nobody asked since the last listing change);
   - the same by one client alone (the database path's latency without queueing);
   - the same with other price bounds while a listing changes every 100 ms (each change, a
     price written as the listing's organisation, drops every page and price table kept).

4. Prints requests per second and latency percentiles of each, the search cache's figures,
   and for the issue's search, cached and not, the ratio of its throughput to the baseline's
   and the target (p95 under 50 ms at 32 clients).

``--workers N`` runs N processes of each server on one port (SO_REUSEPORT), as
``reptidex serve --workers N`` does. ``BENCH_PROFILE=/path/prefix`` writes a cProfile of each
repti-commerce process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from loadkit import (
    Workload,
    baseline_app,
    drive,
    dsn,
    fetch,
    free_port,
    repeating,
    request,
    scratch_database,
    serve_app,
    start_server,
    stop_servers,
    table,
    verdict,
    wait_for,
)

SEARCH = "/marketplace/listings?gene=clown&zygosity=het&sort=price"
"""The issue's search: a gene filter and the price sort."""
BASELINE = "baseline (fixed JSON)"
ISSUE = "gene=clown&zygosity=het&sort=price"
UNCACHED = "  the same, a new max_price each time"
ALONE = "  the same, one client alone"
CHURN = "  the same, while listings change"
CHANGE_INTERVAL = 0.1
"""Seconds between two listing changes during the churn workload (every change drops every
page and price table the search cache keeps)."""
TARGET_P95_MS = 50.0
CHUNK = 10_000
"""Listings copied at a time (and between two progress lines)."""


# --- the servers (run in subprocesses) --------------------------------------------------


def serve(kind: str, port: int, database_url: str, data_dir: str) -> None:
    """Run one server until killed: ``commerce`` (the service) or ``baseline`` (the bytes of
    ``<data_dir>/baseline.json``)."""
    if kind == "baseline":
        serve_app(baseline_app(Path(data_dir, "baseline.json").read_bytes()), port)
        return
    from reptidex.services.commerce.app import create_app
    from reptidex.services.kernel.logging import configure_logging
    from reptidex.services.kernel.settings import load_settings

    configure_logging("WARNING", "json")
    settings = load_settings(
        {
            "REPTIDEX_DATA_DIR": data_dir,
            "REPTIDEX_COMMERCE_DATABASE_URL": database_url,
            "REPTIDEX_LOG_LEVEL": "WARNING",
        }
    )
    serve_app(create_app(settings), port, os.environ.get("BENCH_PROFILE"))


# --- the data ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Gene:
    """A gene as listings carry it: how often visual, het and possible het (per listing of
    its species); a dominant gene is only ever visual."""

    name: str
    visual: float
    het: float = 0.0
    possible_het: float = 0.0


def _recessive(name: str, visual: float, het: float, possible: float) -> Gene:
    return Gene(name, visual, het, possible)


SPECIES: dict[str, tuple[float, int, tuple[Gene, ...]]] = {
    # species: (share of the listings, base price in USD cents, genes)
    "ball_python": (
        0.55,
        12_000,
        (
            Gene("Pastel", 0.22),
            Gene("Spider", 0.06),
            Gene("Enchi", 0.10),
            Gene("Mojave", 0.07),
            Gene("Lesser", 0.06),
            Gene("Yellow Belly", 0.10),
            Gene("Cinnamon", 0.05),
            Gene("GHI", 0.05),
            Gene("Banana", 0.05),
            _recessive("Clown", 0.04, 0.12, 0.07),
            _recessive("Pied", 0.04, 0.10, 0.06),
            _recessive("Albino", 0.03, 0.06, 0.04),
            _recessive("Axanthic", 0.02, 0.05, 0.03),
            _recessive("Desert Ghost", 0.02, 0.05, 0.03),
            _recessive("Hypo", 0.02, 0.04, 0.03),
        ),
    ),
    "corn_snake": (
        0.15,
        6_000,
        (
            Gene("Tessera", 0.06),
            _recessive("Amel", 0.25, 0.15, 0.06),
            _recessive("Anery", 0.15, 0.12, 0.06),
            _recessive("Hypo", 0.10, 0.08, 0.05),
            _recessive("Charcoal", 0.06, 0.06, 0.04),
            _recessive("Caramel", 0.05, 0.05, 0.03),
            _recessive("Motley", 0.08, 0.06, 0.04),
            _recessive("Stripe", 0.05, 0.05, 0.03),
        ),
    ),
    "leopard_gecko": (
        0.15,
        8_000,
        (
            Gene("Mack Snow", 0.15),
            Gene("Enigma", 0.04),
            _recessive("Tremper Albino", 0.20, 0.15, 0.08),
            _recessive("Bell Albino", 0.05, 0.06, 0.04),
            _recessive("Eclipse", 0.08, 0.10, 0.06),
            _recessive("Blizzard", 0.04, 0.05, 0.04),
        ),
    ),
    "western_hognose": (
        0.10,
        20_000,
        (
            Gene("Anaconda", 0.15),
            Gene("Arctic", 0.06),
            _recessive("Albino", 0.10, 0.12, 0.06),
            _recessive("Axanthic", 0.06, 0.08, 0.05),
            _recessive("Toffee", 0.04, 0.06, 0.04),
        ),
    ),
    "boa_constrictor": (
        0.05,
        25_000,
        (
            Gene("Hypo", 0.25),
            Gene("Jungle", 0.08),
            _recessive("Anery", 0.06, 0.10, 0.05),
            _recessive("Albino", 0.06, 0.10, 0.05),
        ),
    ),
}
COUNTRIES = (
    # country, currency, exchange rate from USD, share of the sellers
    ("US", "USD", 1.0, 0.45),
    ("DE", "EUR", 0.92, 0.12),
    ("GB", "GBP", 0.79, 0.10),
    ("CA", "CAD", 1.36, 0.08),
    ("NL", "EUR", 0.92, 0.06),
    ("FR", "EUR", 0.92, 0.05),
    ("AU", "AUD", 1.5, 0.05),
    ("PL", "EUR", 0.92, 0.04),
    ("ES", "EUR", 0.92, 0.03),
    ("IT", "EUR", 0.92, 0.02),
)
STATES = (
    ("available", 0.82),
    ("sold", 0.08),
    ("on_hold", 0.03),
    ("draft", 0.03),
    ("hidden", 0.02),
    ("expired", 0.02),
)
SELLERS = 3_000
POSSIBLE = (Fraction(1, 2), Fraction(2, 3))


@dataclass(frozen=True, slots=True)
class Seller:
    """An organisation that sells: where it is and what it charges in."""

    id: uuid.UUID
    country: str
    currency: str
    rate: float
    ships: bool


def _sellers(rng: random.Random) -> tuple[list[Seller], list[float]]:
    """The sellers and their weights (a few large breeders, many hobbyists)."""
    sellers = []
    for _ in range(SELLERS):
        country, currency, rate, _share = rng.choices(COUNTRIES, [c[3] for c in COUNTRIES])[0]
        sellers.append(Seller(uuid.uuid4(), country, currency, rate, rng.random() < 0.6))
    return sellers, [rng.paretovariate(1.2) for _ in sellers]


def _listing(rng: random.Random, seller: Seller, now: dt.datetime) -> Any:
    """One listing of a made-up animal."""
    from reptidex.domain.commerce.listing_model import (
        AnimalSnapshot,
        Listing,
        ListingState,
        PossibleHet,
    )
    from reptidex.domain.commerce.money import Money

    species = rng.choices(list(SPECIES), [s[0] for s in SPECIES.values()])[0]
    _, base, genes = SPECIES[species]
    traits: list[str] = []
    hets: list[str] = []
    possible: list[PossibleHet] = []
    factor = 1.0
    for gene in genes:
        roll = rng.random()
        if roll < gene.visual:
            traits.append(gene.name)
            factor *= 2.5 if gene.het else 1.5
        elif roll < gene.visual + gene.het:
            hets.append(gene.name)
            factor *= 1.4
        elif roll < gene.visual + gene.het + gene.possible_het:
            possible.append(PossibleHet(gene.name, rng.choice(POSSIBLE)))
            factor *= 1.1
    words = traits + [f"het {h}" for h in hets]
    words += [f"{round(p.probability * 100)}% het {p.gene}" for p in possible]
    morph = " ".join(words) or "Normal"
    sex = rng.choices(("male", "female", "unknown"), (0.45, 0.45, 0.1))[0]
    hatched = now.date() - dt.timedelta(days=rng.randint(30, 1500))
    created = now - dt.timedelta(seconds=rng.randint(0, 365 * 86_400))
    state = ListingState(rng.choices([s for s, _ in STATES], [w for _, w in STATES])[0])
    ends = None
    if state is ListingState.EXPIRED:
        ends = now - dt.timedelta(days=rng.randint(1, 60))
    elif rng.random() < 0.33:
        ends = now + dt.timedelta(days=rng.randint(1, 90), seconds=rng.randint(0, 86_399))
    amount = base * factor * seller.rate * rng.lognormvariate(0, 0.35)
    animal = AnimalSnapshot(
        animal_id=uuid.uuid4(),
        species=species,
        sex=sex,
        hatch_date=hatched,
        morph=morph,
        phenotype=" ".join(traits) or "Normal",
        traits=tuple(traits),
        hets=tuple(hets),
        possible_hets=tuple(possible),
        code=f"{species[:2].upper()}-{rng.randint(1, 99_999):05d}",
    )
    return Listing(
        id=uuid.uuid4(),
        organisation_id=seller.id,
        animal=animal,
        title=f"{morph} {species.replace('_', ' ')} ({sex})",
        description=f"{morph}, hatched {hatched:%B %Y}. Feeding well on frozen/thawed. "
        "Captive bred; lineage on request.",
        price=Money.of(max(500, round(amount / 500) * 500), seller.currency),
        status=state,
        country=seller.country,
        shipping_available=seller.ships,
        pickup_available=rng.random() < 0.8,
        expires_at=ends,
        created_at=created,
        updated_at=created,
    )


def _row(listing: Any, columns: list[str], documents: Any) -> tuple[Any, ...]:
    from reptidex.adapters.sql.commerce.mapping import listing_columns

    values = listing_columns(listing)
    from reptidex.adapters.sql.commerce.listing_documents import document_columns

    values |= document_columns(
        documents, listing.id, listing.version, listing.created_at, listing.updated_at, values
    )
    values["animal"] = json.dumps(values["animal"])
    values.update(
        id=listing.id,
        version=listing.version,
        created_at=listing.created_at,
        updated_at=listing.updated_at,
        sa_orm_sentinel=None,
    )
    return tuple(values[c] for c in columns)


@contextlib.asynccontextmanager
async def changing(owner_url: str, rng: random.Random) -> AsyncIterator[list[int]]:
    """Change an available listing's price every :data:`CHANGE_INTERVAL` seconds (as its
    organisation, a new version: the row's document is cleared) while the block runs; yields
    a list whose one item counts the changes."""
    import asyncpg

    connection = await asyncpg.connect(dsn(owner_url))
    picked = await connection.fetch(
        "SELECT id, organisation_id FROM listing WHERE state = 'available' ORDER BY id LIMIT 1000"
    )

    async def change() -> int:
        ident, organisation = rng.choice(picked)
        async with connection.transaction():
            await connection.execute(
                "SELECT set_config('reptidex.organisation_id', $1, true)", str(organisation)
            )
            await connection.execute(
                "UPDATE listing SET price_amount = price_amount + 1, version = version + 1 "
                "WHERE id = $1",
                ident,
            )
        return 1

    try:
        async with repeating(change, CHANGE_INTERVAL) as count:
            yield count
    finally:
        await connection.close()


def progress(message: str) -> None:
    """A progress line (on stderr: stdout is the report)."""
    print(message, file=sys.stderr, flush=True)


async def fill(url: str, count: int, seed: int) -> None:
    """Copy ``count`` listings into the ``listing`` table, printing the progress."""
    import asyncpg

    from reptidex.services.commerce.listing_documents import listing_documents

    documents = listing_documents()
    rng = random.Random(seed)
    sellers, weights = _sellers(rng)
    now = dt.datetime.now(dt.UTC)
    connection = await asyncpg.connect(dsn(url))
    try:
        columns = [
            r["column_name"]
            for r in await connection.fetch(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'listing' ORDER BY ordinal_position"
            )
        ]
        started = time.perf_counter()
        done = 0
        while done < count:
            size = min(CHUNK, count - done)
            batch = [
                _row(_listing(rng, seller, now), columns, documents)
                for seller in rng.choices(sellers, weights, k=size)
            ]
            await connection.copy_records_to_table("listing", records=batch, columns=columns)
            done += size
            progress(f"  listings: {done:,} of {count:,} ({time.perf_counter() - started:.1f} s)")
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


# --- the load ---------------------------------------------------------------------------


def _gene_searches(rng: random.Random, count: int) -> list[bytes]:
    """``count`` searches for a gene of a species with a zygosity, sorted by price."""
    pairs = [(s, g.name) for s, (_, _, genes) in SPECIES.items() for g in genes]
    out = []
    for _ in range(count):
        species, gene = rng.choice(pairs)
        zygosity = rng.choice(("visual", "het", "possible_het", "any"))
        key = gene.lower().replace(" ", "")
        path = f"/marketplace/listings?species={species}&gene={key}&zygosity={zygosity}"
        out.append(request("GET", f"{path}&sort=price"))
    return out


def _workloads(port: int, baseline: int, rng: random.Random, fresh: int) -> list[Workload]:
    """The baseline, the searches (the same few asked again and again, as a marketplace's
    visitors do) and the issue's search with a price bound new at each request (``fresh`` of
    them: never a page from the cache), then as many again while listings change."""
    bounds = rng.sample(range(50_000, 2_000_000, 50), 2 * fresh)
    return [
        Workload(BASELINE, baseline, [request("GET", "/fixed")]),
        Workload(ISSUE, port, [request("GET", SEARCH)]),
        Workload("species, gene, zygosity; by price", port, _gene_searches(rng, 30)),
        Workload(
            "ball pythons, USD 200-1000, -price",
            port,
            [
                request(
                    "GET",
                    "/marketplace/listings?species=ball_python&currency=USD"
                    "&min_price=20000&max_price=100000&sort=-price",
                )
            ],
        ),
        Workload("front page (newest)", port, [request("GET", "/marketplace/listings")]),
        Workload(
            UNCACHED,
            port,
            [request("GET", f"{SEARCH}&max_price={bound}") for bound in bounds[:fresh]],
            fresh=True,
        ),
        Workload(
            CHURN,
            port,
            [request("GET", f"{SEARCH}&max_price={bound}") for bound in bounds[fresh:]],
            fresh=True,
        ),
    ]


async def _cache_figures(port: int) -> dict[str, float]:
    """The search cache's figures from ``/metrics`` (of whichever worker answers)."""
    _, body = await fetch(port, request("GET", "/metrics"))
    figures: dict[str, float] = {}
    for line in body.decode().splitlines():
        if line.startswith("reptidex_search_cache_"):
            figures[line.split("{")[0].removeprefix("reptidex_search_cache_")] = float(
                line.rsplit(" ", 1)[1]
            )
    return figures


async def _wait_for_cache(port: int, within: float = 60.0) -> None:
    """Return once the search cache is in use (its listener connected) in every worker asked
    (ten answers in a row); raise if it is not ``within`` seconds."""
    deadline = time.perf_counter() + within
    in_a_row = 0
    while in_a_row < 10:
        if time.perf_counter() > deadline:
            raise RuntimeError("the search cache did not come into use")
        in_use = (await _cache_figures(port)).get("in_use") == 1
        in_a_row = in_a_row + 1 if in_use else 0
        if not in_use:
            await asyncio.sleep(0.2)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Set up, measure, tear down; return the figures."""
    rng = random.Random(args.seed)
    servers: list[asyncio.subprocess.Process] = []
    progress(f"repti-commerce benchmark: migrating a scratch database, {args.listings:,} listings")
    async with scratch_database("commerce") as database:
        try:
            started = time.perf_counter()
            await fill(database.owner_url, args.listings, args.seed)
            fill_seconds = time.perf_counter() - started
            data_dir = os.path.join("/tmp", database.name)
            os.makedirs(data_dir, exist_ok=True)
            ports = {"commerce": free_port(), "baseline": free_port()}

            async def start(kind: str) -> None:
                argv = ["--serve", kind, "--port", str(ports[kind])]
                argv += ["--database-url", database.app_url, "--data-dir", data_dir]
                for _ in range(args.workers):
                    servers.append(await start_server(__file__, argv, args.verbose))

            await start("commerce")
            await wait_for(ports["commerce"], "/health")
            status, page = await fetch(ports["commerce"], request("GET", SEARCH))
            if status != 200:
                raise RuntimeError(f"the search answered {status}: {page[:500]!r}")
            await asyncio.to_thread(Path(data_dir, "baseline.json").write_bytes, page)
            await start("baseline")
            await wait_for(ports["baseline"], "/fixed")
            await _wait_for_cache(ports["commerce"])
            alone_count = max(args.rounds, args.requests // 10)
            workloads = _workloads(
                ports["commerce"], ports["baseline"], rng, args.requests + alone_count
            )
            uncached = next(work for work in workloads if work.name == UNCACHED)
            alone = Workload(ALONE, uncached.port, uncached.requests[args.requests :], fresh=True)
            del uncached.requests[args.requests :]
            del next(work for work in workloads if work.name == CHURN).requests[args.requests :]
            progress("warming up")
            for work in workloads:
                if not work.fresh:
                    warm = Workload(work.name, work.port, work.requests)
                    await drive(warm, args.clients, 1.0, rng)
            per_round = -(-args.requests // args.rounds)
            changed = 0
            for done in range(args.rounds):
                progress(f"round {done + 1} of {args.rounds}")
                for work in workloads:
                    if work.fresh:
                        work.share(args.rounds - done)
                    if work.name == CHURN:
                        async with changing(database.owner_url, rng) as changes:
                            await drive(work, args.clients, float("inf"), rng, requests=per_round)
                        changed += changes[0]
                    else:
                        await drive(work, args.clients, float("inf"), rng, requests=per_round)
                alone.share(args.rounds - done)
                await drive(alone, 1, float("inf"), rng)
            cache = await _cache_figures(ports["commerce"])
        finally:
            await stop_servers(servers)
    return {
        "listings": args.listings,
        "found": json.loads(page)["total"],
        "page_bytes": len(page),
        "clients": args.clients,
        "workers": args.workers,
        "fill_seconds": round(fill_seconds, 2),
        "search_cache": cache,
        "changes": changed,
        "workloads": {w.name: w.figures() for w in [*workloads, alone]},
    }


def report(figures: dict[str, Any]) -> str:
    """The figures as a table with the ratios and the target."""
    rows = figures["workloads"]
    baseline = rows[BASELINE]
    cache = figures["search_cache"]

    def against_baseline(name: str) -> str:
        row = rows[name]
        ratio = row["per_second"] / baseline["per_second"] if baseline["per_second"] else 0.0
        met = verdict(row["p95_ms"] < TARGET_P95_MS)
        return (
            f"  {name}: {row['per_second']} req/s, {ratio:.2f} of the baseline's; p95 "
            f"{row['p95_ms']} ms ({met})"
        )

    return "\n".join(
        [
            f"repti-commerce benchmark: {figures['listings']:,} listings (copied in "
            f"{figures['fill_seconds']} s), {figures['clients']} concurrent clients, "
            f"{figures['workers']} server process(es) per app; GET {SEARCH} finds "
            f"{figures['found']:,} ({figures['page_bytes']:,} bytes a page)",
            "",
            *table(rows),
            "",
            f"search cache (one worker): {cache.get('hits_total', 0):,.0f} pages from memory, "
            f"{cache.get('misses_total', 0):,.0f} read from the database, "
            f"{cache.get('entries', 0):,.0f} kept",
            f"at {figures['clients']} clients, against the baseline (target: p95 < "
            f"{TARGET_P95_MS:.0f} ms):",
            against_baseline(ISSUE),
            against_baseline(UNCACHED),
            against_baseline(CHURN),
            f"    ({figures['changes']:,} listing changes, one every "
            f"{CHANGE_INTERVAL * 1000:.0f} ms, each dropping every page and price table kept)",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small, short smoke run")
    parser.add_argument("--listings", type=int, help="listings in the database (100,000)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--requests", type=int, help="requests per workload in all (3,000)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (3)")
    parser.add_argument("--workers", type=int, default=1, help="server processes of each app (1)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--verbose", action="store_true", help="show the servers' errors")
    parser.add_argument("--serve", choices=["commerce", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port, args.database_url, args.data_dir)
        return 0
    args.listings = args.listings or (5_000 if args.quick else 100_000)
    args.requests = args.requests or (300 if args.quick else 3_000)
    args.rounds = args.rounds or (1 if args.quick else 3)
    figures = asyncio.run(run(args))
    print(json.dumps(figures, indent=2) if args.json else report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
