"""Benchmark of repti-community's ``GET /search`` over HTTP against a naive ``ILIKE`` scan of
the same data, and of the index's throughput from events.

Run ``python benchmarks/bench_community_search.py`` (``--quick`` for a small smoke run,
``--documents 1000000`` for the issue's figure). It needs a PostgreSQL server
(``TEST_POSTGRES_URL``, default ``postgresql+asyncpg://postgres@127.0.0.1/postgres``); it
creates a scratch database and a login role and drops both afterwards.

What it does:

1. Migrates the scratch database for repti-community and copies ``--documents`` documents
   into the index (100,000; 10,000 with ``--quick``), printing its progress: listings (45%),
   public animals (35%), breeders (10%) and forum posts (10%) of seven species, with the
   catalogs' gene names as breeders combine them, prices in five currencies, twenty
   countries. The rows are made from the domain's own documents (their folded words), so they
   are what the consumers would have stored; the table is then vacuumed and analysed.
2. Index throughput from events: ``--events`` (5,000; 1,000 with ``--quick``) ``animal.*`` and
   ``listing.*`` events, fresh ones each way: delivered eight at a time to the service's
   batching consumer (one transaction per batch: the marks, one upsert of the documents,
   their words) and, as the baseline, to an idempotent consumer committing one transaction
   per event; then published to a Redis Streams bus (``--redis-url``; left out when no Redis
   answers) whose consumer reads ``--read-count`` entries at a time (100) and hands them to
   the batching consumer at once: documents per second each. ``--indexing-only`` stops
   after this step (and the reindex's batches of 500).
3. Starts repti-community on uvicorn (connected as a non-owner role, as in production) and a
   *naive* server: one endpoint that answers the same query with ``ILIKE '%word%'`` on title
   and body for each word and counts the same facets by ``GROUP BY`` over the same rows.
4. Drives each with ``--clients`` concurrent keep-alive clients (32), interleaved round by
   round, with two-word queries drawn from the catalogs' genes and the hobby's words
   (``pastel clown``, ``banana female``…), in three ways: forty popular queries asked again
   and again (``--requests``, 3,000; each asked once, then all for :data:`WARM_SECONDS`,
   unmeasured before each round, as steady traffic keeps their pages found); the same for :data:`CHURN_SECONDS` each
   round while a document is stored every :data:`CHANGE_INTERVAL` seconds (each change makes
   the kept pages stale: they are found again after the service's refresh interval); and a
   query (or page) not asked before each time, which no kept page answers. The last and the
   naive scan (it is slow) get a tenth of the requests. Prints p50/p95/p99 of each, the ratio of the popular queries' p95 to the
   naive scan's, and the targets (p95 under 50 ms at 32 clients; 2,000 documents/s from
   events).
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
from typing import Any

from loadkit import (
    Workload,
    drive,
    dsn,
    fetch,
    free_port,
    redis_reachable,
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

SEARCH = "GET /search (two words, facets)"
CHURN = "  the same, while the index changes"
FRESH = "  a query not asked before each time"
NAIVE = "naive ILIKE scan (same queries)"
WARM_SECONDS = 3.0
"""Seconds the popular queries are asked unmeasured before each round, after each of them was
asked once and answered: the other workloads' changes and the naive scan's long pause leave
every kept page stale, where steady traffic would have kept them found (the churn workload
measures a changing index)."""
CHURN_SECONDS = 10.0
"""Seconds of the churn workload in each round."""
CHANGE_INTERVAL = 0.1
"""Seconds between two stored changes during the churn workload (each one grows the index's
generation: a kept page is served for the refresh interval after it, then found again)."""
TARGET_P95_MS = 50.0
TARGET_PER_SECOND = 2_000.0
CHUNK = 10_000
SPECIES = (
    "ball_python", "corn_snake", "leopard_gecko", "crested_gecko", "boa_constrictor",
    "western_hognose", "bearded_dragon",
)  # fmt: skip
COUNTRIES = (
    "US", "DE", "GB", "NL", "FR", "CA", "AU", "IT", "ES", "PL", "BE", "AT", "CH", "SE", "DK",
    "CZ", "JP", "BR", "MX", "ZA",
)  # fmt: skip
CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD")
WORDS = (
    "proven", "breeder", "female", "male", "hatchling", "juvenile", "adult", "feeding",
    "frozen", "thawed", "rats", "mice", "great", "shed", "clean", "beautiful", "bright",
    "project", "holdback", "pairing", "clutch", "eggs", "incubation", "temperature", "enclosure",
    "humidity", "shipping", "pickup", "overnight", "price", "negotiable", "trade", "colour",
    "pattern", "reduced", "stripe", "healthy", "docile", "eating", "well", "line", "bred",
)  # fmt: skip
NAIVE_FACETS = {
    "kind": "kind",
    "species": "species",
    "price_band": "price_band",
    "country": "country",
}


def progress(message: str) -> None:
    """A progress line (on stderr: stdout is the report)."""
    print(message, file=sys.stderr, flush=True)


def _genes() -> dict[str, list[str]]:
    from reptidex.engine.genetics import load_catalog

    return {
        s: [allele.name for locus in load_catalog(s).loci for allele in locus.alleles]
        for s in SPECIES
    }


# --- the servers (run in subprocesses) --------------------------------------------------


def serve(kind: str, port: int, database_url: str, data_dir: str) -> None:
    """Run one server until killed: ``community`` (the service) or ``naive`` (ILIKE)."""
    if kind == "naive":
        serve_app(naive_app(database_url), port)
        return
    from reptidex.services.community.app import create_app
    from reptidex.services.kernel.logging import configure_logging
    from reptidex.services.kernel.settings import load_settings

    configure_logging("WARNING", "json")
    settings = load_settings(
        {
            "REPTIDEX_DATA_DIR": data_dir,
            "REPTIDEX_COMMUNITY_DATABASE_URL": database_url,
            "REPTIDEX_LOG_LEVEL": "WARNING",
        }
    )
    serve_app(create_app(settings), port, os.environ.get("BENCH_PROFILE"))


def naive_app(database_url: str) -> Any:
    """``GET /naive?q=``: every word ``ILIKE '%word%'`` on title or body, the first 20 by
    time, and the same facets counted over the same rows."""
    import asyncpg
    from litestar import Litestar, get

    from reptidex.domain.community.search.documents import words

    pool: dict[str, asyncpg.Pool] = {}

    async def start() -> None:
        pool["p"] = await asyncpg.create_pool(dsn(database_url), min_size=10, max_size=10)

    async def stop() -> None:
        await pool["p"].close()

    @get("/naive")
    async def naive(q: str) -> dict[str, Any]:
        terms = words(q)[:8]
        where = " AND ".join(
            f"(title ILIKE ${i + 1} OR body ILIKE ${i + 1})" for i in range(len(terms))
        )
        args = [f"%{t}%" for t in terms]
        async with pool["p"].acquire() as connection, connection.transaction():
            await connection.execute(
                f"CREATE TEMP TABLE hits ON COMMIT DROP AS SELECT * FROM search_document "
                f"WHERE listed AND {where}",
                *args,
            )
            rows = await connection.fetch(
                "SELECT kind, source_id, title, link FROM hits ORDER BY changed_at DESC LIMIT 20"
            )
            facets = {
                name: [
                    (r[0], r[1])
                    for r in await connection.fetch(
                        f"SELECT {column}, count(*) FROM hits WHERE {column} IS NOT NULL "
                        f"GROUP BY 1 ORDER BY 2 DESC LIMIT 20"
                    )
                ]
                for name, column in NAIVE_FACETS.items()
            }
            facets["genes"] = [
                (r[0], r[1])
                for r in await connection.fetch(
                    "SELECT g, count(*) FROM hits, jsonb_array_elements_text(genes) g "
                    "GROUP BY 1 ORDER BY 2 DESC LIMIT 20"
                )
            ]
        return {"items": [dict(r) for r in rows], "facets": facets}

    return Litestar([naive], on_startup=[start], on_shutdown=[stop], logging_config=None)


# --- the data ---------------------------------------------------------------------------


def _document(rng: random.Random, genes: dict[str, list[str]], at: dt.datetime) -> Any:
    from reptidex.domain.community.search.documents import SearchDocument

    species = rng.choice(SPECIES)
    chosen = rng.sample(genes[species], k=min(len(genes[species]), rng.randint(1, 3)))
    hets = rng.sample(genes[species], k=rng.randint(0, 1))
    prose = " ".join(rng.choices(WORDS, k=rng.randint(6, 18)))
    morph = " ".join(chosen)
    draw = rng.random()
    source_id = str(uuid.uuid4())
    country = rng.choice(COUNTRIES)
    if draw < 0.45:
        return SearchDocument(
            kind="listing", source_id=source_id, title=f"{morph} {rng.choice(('male', 'female'))}",
            body=f"{prose}. " + " ".join(f"het {h}" for h in hets), link=f"/l/{source_id}",
            changed_at=at, species=species, genes=tuple(dict.fromkeys((*chosen, *hets))),
            price_amount=rng.randint(50, 5_000) * 100, currency=rng.choice(CURRENCIES),
            country=country, organisation_id=uuid.uuid4(),
        )  # fmt: skip
    if draw < 0.80:
        return SearchDocument(
            kind="animal", source_id=source_id, title=f"{rng.choice(WORDS).title()} ({morph})",
            body=f"{morph}. {species.replace('_', ' ')}. " + " ".join(f"het {h}" for h in hets),
            link=f"/a/{source_id}", changed_at=at, species=species,
            genes=tuple(dict.fromkeys((*chosen, *hets))), organisation_id=uuid.uuid4(),
        )  # fmt: skip
    if draw < 0.90:
        return SearchDocument(
            kind="breeder", source_id=source_id,
            title=f"{rng.choice(WORDS).title()} {rng.choice(('Reptiles', 'Scales', 'Morphs'))}",
            body=f"{prose}. {morph}", link=f"/b/{source_id}", changed_at=at, country=country,
        )  # fmt: skip
    return SearchDocument(
        kind="post", source_id=source_id, title=f"{morph} {rng.choice(WORDS)}?",
        body=prose, link=f"/p/{source_id}", changed_at=at, species=species,
    )  # fmt: skip


async def fill(url: str, count: int, seed: int) -> dict[str, list[str]]:
    """Copy ``count`` documents into the index (and their words), printing the progress;
    returns the genes of each species."""
    import asyncpg

    from reptidex.adapters.sql.community.search_index import row_of

    rng = random.Random(seed)
    genes = _genes()
    now = dt.datetime.now(dt.UTC)
    connection = await asyncpg.connect(dsn(url))
    await connection.set_type_codec(  # jsonb's binary form: a version byte, then the text
        "jsonb",
        encoder=lambda value: b"\x01" + json.dumps(value).encode(),
        decoder=lambda data: json.loads(data[1:]),
        schema="pg_catalog",
        format="binary",
    )
    vocabulary: set[str] = set()
    try:
        started = time.perf_counter()
        done = 0
        while done < count:
            size = min(CHUNK, count - done)
            documents = [_document(rng, genes, now) for _ in range(size)]
            rows = [row_of(d, now) for d in documents]
            columns = list(rows[0])
            await connection.copy_records_to_table(
                "search_document", records=[tuple(r.values()) for r in rows], columns=columns
            )
            for d in documents:
                vocabulary.update(f"{d.title_terms} {d.body_terms}".split())
            done += size
            progress(f"  documents: {done:,} of {count:,} ({time.perf_counter() - started:.1f} s)")
        await connection.copy_records_to_table(
            "search_word", records=[(w,) for w in sorted(vocabulary)], columns=["word"]
        )
        await connection.execute("VACUUM ANALYZE search_document")
        await connection.execute("VACUUM ANALYZE search_word")
    finally:
        await connection.close()
    return genes


def _events(rng: random.Random, count: int, genes: dict[str, list[str]]) -> list[Any]:
    from reptidex.domain.events import new_event

    out = []
    for _ in range(count):
        species = rng.choice(SPECIES)
        chosen = rng.sample(genes[species], k=min(len(genes[species]), 2))
        payload: dict[str, Any]
        if rng.random() < 0.5:
            payload = {
                "animal_id": str(uuid.uuid4()), "code": "BP-26-0001", "name": rng.choice(WORDS),
                "species": species, "sex": "female", "phenotype": " ".join(chosen),
                "status": "available", "visibility": "public", "morph": " ".join(chosen),
                "traits": chosen, "hets": [],
            }  # fmt: skip
            out.append(new_event("animal.updated", producer="animal", payload=payload,
                                 organisation_id=uuid.uuid4()))  # fmt: skip
        else:
            payload = {
                "listing_id": str(uuid.uuid4()), "animal_id": str(uuid.uuid4()),
                "species": species, "state": "available", "price_amount": 25_000,
                "currency": "EUR", "title": " ".join(chosen), "country": "DE",
                "description": " ".join(rng.choices(WORDS, k=12)), "traits": chosen,
            }  # fmt: skip
            out.append(new_event("listing.created", producer="commerce", payload=payload,
                                 organisation_id=uuid.uuid4()))  # fmt: skip
    return out


async def index_throughput(
    url: str, events: list[Any], *, batched: bool, at_once: int = 8
) -> float:
    """Documents per second stored from ``events`` delivered ``at_once`` at a time: by the
    service's batching consumer, or (the baseline) by an idempotent consumer committing one
    transaction per event."""
    from reptidex.adapters.sql.batched_consumer import BatchedConsumer
    from reptidex.adapters.sql.community.search_index import SqlSearchStore
    from reptidex.adapters.sql.engine import create_engine
    from reptidex.adapters.sql.idempotent_consumer import idempotent_handler
    from reptidex.services.community.search_wiring import index_changes, indexed_change

    async def one_event(event: Any, session: Any) -> None:
        change = indexed_change(event)
        if change is not None:
            await SqlSearchStore(session).apply([change])

    engine = create_engine(url, pool_size=at_once)
    group = "community:search"
    handler = (
        BatchedConsumer(engine, "community", group, index_changes, indexed_change)
        if batched
        else idempotent_handler(engine, "community", group, one_event)
    )
    queue = list(reversed(events))

    async def worker() -> None:
        while queue:
            await handler(queue.pop())

    try:
        await handler(queue.pop())  # connections and statements warm
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(at_once)))
        return (len(events) - 1) / (time.perf_counter() - started)
    finally:
        await engine.dispose()


async def bus_throughput(url: str, redis_url: str, events: list[Any], read_count: int) -> float:
    """Documents per second the service's batching consumer stores from ``events`` waiting on
    the Redis Streams bus, read ``read_count`` at a time (each read handed to it at once)."""
    from reptidex.adapters.events import RedisStreamBus
    from reptidex.adapters.sql.batched_consumer import BatchedConsumer
    from reptidex.adapters.sql.engine import create_engine
    from reptidex.services.community.search_wiring import index_changes, indexed_change

    prefix = f"bench-search:{uuid.uuid4().hex[:8]}"
    engine = create_engine(url, pool_size=4)
    consumer = BatchedConsumer(engine, "community", "community:search", index_changes,
                               indexed_change)  # fmt: skip
    handled, done = [0], asyncio.Event()

    class Counted:
        any_order = True

        async def __call__(self, event: Any) -> None:
            await consumer(event)
            handled[0] += 1
            if handled[0] == len(events):
                done.set()

    bus = RedisStreamBus.from_url(redis_url, prefix=prefix, batch_size=read_count, block=0.05)
    try:
        for event in events:
            await bus.publish(event)
        for pattern in ("animal.*", "listing.*"):
            bus.subscribe("community", pattern, Counted())
        started = time.perf_counter()
        await bus.start()
        await asyncio.wait_for(done.wait(), timeout=600)
        return len(events) / (time.perf_counter() - started)
    finally:
        await bus.close(grace=1.0)
        client = RedisStreamBus.from_url(redis_url).redis
        keys = [key async for key in client.scan_iter(f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
        await engine.dispose()


async def indexing(
    url: str, rng: random.Random, genes: dict[str, list[str]], args: argparse.Namespace
) -> dict[str, Any]:
    """The index's throughput from events, each way, with fresh events each (same count)."""
    progress(f"index throughput from events, one transaction each: {args.events:,} events")
    single = await index_throughput(url, _events(rng, args.events + 1, genes), batched=False)
    progress(f"index throughput from events, batching consumer: {args.events:,} events")
    batched = await index_throughput(url, _events(rng, args.events + 1, genes), batched=True)
    on_bus = None
    if await redis_reachable(args.redis_url):
        progress(f"index throughput through Redis Streams (reads of {args.read_count})")
        on_bus = await bus_throughput(
            url, args.redis_url, _events(rng, args.events, genes), args.read_count
        )
    else:
        progress(f"no Redis at {args.redis_url}: the bus's figure is left out")
    progress(f"index throughput in batches: {args.events:,} documents")
    return {
        "index_documents_per_second": round(single, 1),
        "batched_index_documents_per_second": round(batched, 1),
        "bus_index_documents_per_second": None if on_bus is None else round(on_bus, 1),
        "read_count": args.read_count,
        "batch_documents_per_second": round(
            await batch_throughput(url, rng, genes, args.events), 1
        ),
    }


async def batch_throughput(
    url: str, rng: random.Random, genes: dict[str, list[str]], count: int
) -> float:
    """Documents per second stored in batches of 500 (the path ``reptidex search reindex``
    takes), each batch in a transaction."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from reptidex.adapters.sql.community.search_index import SqlSearchIndex
    from reptidex.adapters.sql.engine import create_engine

    engine = create_engine(url, pool_size=1)
    index = SqlSearchIndex(async_sessionmaker(engine, expire_on_commit=False))
    now = dt.datetime.now(dt.UTC)
    batches = [[_document(rng, genes, now) for _ in range(500)] for _ in range(count // 500)]
    try:
        started = time.perf_counter()
        for batch in batches:
            await index.upsert(batch)
        return sum(map(len, batches)) / (time.perf_counter() - started)
    finally:
        await engine.dispose()


def _queries(rng: random.Random, genes: dict[str, list[str]], count: int) -> list[str]:
    """Two-word queries: two genes of a species, or a gene and a hobby word."""
    out = []
    for _ in range(count):
        species = rng.choice(SPECIES)
        first = rng.choice(genes[species]).split()[0]
        second = rng.choice(genes[species]).split()[0] if rng.random() < 0.5 else rng.choice(WORDS)
        out.append(f"{first} {second}".lower())
    return out


def _fresh_searches(
    rng: random.Random, genes: dict[str, list[str]], count: int, asked: set[str]
) -> list[str]:
    """``count`` search paths none of which was asked before (nor is in ``asked``): a new
    two-word query, or a later page of one."""
    from urllib.parse import quote

    out: dict[str, None] = {}
    while len(out) < count:
        q = _queries(rng, genes, 1)[0]
        offset = 20 * rng.randrange(0, 5)
        path = f"/search?q={quote(q)}" + (f"&offset={offset}" if offset else "")
        if path not in asked:
            out[path] = None
    return list(out)


@contextlib.asynccontextmanager
async def changing(
    url: str, rng: random.Random, genes: dict[str, list[str]]
) -> AsyncIterator[list[int]]:
    """Store a new document every :data:`CHANGE_INTERVAL` seconds (as the index's consumers
    do: the document, its words, the generation) while the block runs; yields a list whose one
    item counts the changes."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from reptidex.adapters.sql.community.search_index import SqlSearchIndex
    from reptidex.adapters.sql.engine import create_engine

    engine = create_engine(url, pool_size=1)
    index = SqlSearchIndex(async_sessionmaker(engine, expire_on_commit=False))

    async def change() -> int:
        return await index.upsert([_document(rng, genes, dt.datetime.now(dt.UTC))])

    try:
        async with repeating(change, CHANGE_INTERVAL) as count:
            yield count
    finally:
        await engine.dispose()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Set up, measure, tear down; return the figures."""
    from urllib.parse import quote

    rng = random.Random(args.seed)
    servers: list[asyncio.subprocess.Process] = []
    progress(f"repti-community search benchmark: {args.documents:,} documents")
    async with scratch_database("community") as database:
        try:
            started = time.perf_counter()
            genes = await fill(database.owner_url, args.documents, args.seed)
            fill_seconds = time.perf_counter() - started
            indexed = await indexing(database.app_url, rng, genes, args)
            if args.indexing_only:
                return {"documents": args.documents, **indexed}
            data_dir = os.path.join("/tmp", database.name)
            os.makedirs(data_dir, exist_ok=True)
            ports = {"community": free_port(), "naive": free_port()}
            for kind in ports:
                argv = ["--serve", kind, "--port", str(ports[kind])]
                argv += ["--database-url", database.app_url, "--data-dir", data_dir]
                servers.append(await start_server(__file__, argv, args.verbose))
            await wait_for(ports["community"], "/health")
            await wait_for(ports["naive"], "/naive?q=warm")
            queries = _queries(rng, genes, 40)
            status, page = await fetch(
                ports["community"], request("GET", f"/search?q={quote(queries[0])}")
            )
            if status != 200:
                raise RuntimeError(f"the search answered {status}: {page[:500]!r}")
            found = [json.loads(page)["total"]]
            paths = [f"/search?q={quote(q)}" for q in queries]
            few = max(args.clients, args.requests // 10)
            search = Workload(SEARCH, ports["community"], [request("GET", p) for p in paths])
            churn = Workload(CHURN, search.port, search.requests)
            fresh = Workload(
                FRESH, search.port,
                [request("GET", p) for p in _fresh_searches(rng, genes, few, set(paths))],
                fresh=True,
            )  # fmt: skip
            naive = Workload(
                NAIVE, ports["naive"], [request("GET", f"/naive?q={quote(q)}") for q in queries]
            )
            changed = 0
            for done in range(args.rounds):
                progress(f"round {done + 1} of {args.rounds}: warming up")
                every_one = Workload(SEARCH, search.port, list(search.requests), fresh=True)
                await drive(every_one, args.clients, float("inf"), rng)
                await drive(Workload(SEARCH, search.port, search.requests), args.clients,
                            WARM_SECONDS, rng)  # fmt: skip
                progress(f"round {done + 1} of {args.rounds}")
                await drive(search, args.clients, float("inf"), rng,
                            requests=-(-args.requests // args.rounds))  # fmt: skip
                async with changing(database.app_url, rng, genes) as changes:
                    await drive(churn, args.clients, CHURN_SECONDS, rng)
                changed += changes[0]
                fresh.share(args.rounds - done)
                await drive(fresh, args.clients, float("inf"), rng)
                await drive(naive, args.clients, float("inf"), rng,
                            requests=-(-few // args.rounds))  # fmt: skip
        finally:
            await stop_servers(servers)
    return {
        "documents": args.documents,
        "fill_seconds": round(fill_seconds, 2),
        "first_query": queries[0],
        "first_query_found": found[0],
        "clients": args.clients,
        "changes": changed,
        **indexed,
        "workloads": {w.name: w.figures() for w in (search, churn, fresh, naive)},
    }


def indexing_report(figures: dict[str, Any]) -> list[str]:
    """The index's throughput lines: each way against the one-transaction-per-event baseline,
    and the target on the bus's figure (the production path), else the batching consumer's."""
    single = figures["index_documents_per_second"]
    batched = figures["batched_index_documents_per_second"]
    on_bus = figures["bus_index_documents_per_second"]
    best = on_bus if on_bus is not None else batched
    lines = [
        f"index from events, one transaction per event, 8 at a time (baseline): "
        f"{single:,.0f} documents/s",
        f"index from events, batching consumer, 8 at a time: {batched:,.0f} documents/s "
        f"({batched / single:.1f} times the baseline)",
    ]
    if on_bus is not None:
        lines.append(
            f"index from events through Redis Streams, reads of {figures['read_count']}: "
            f"{on_bus:,.0f} documents/s ({on_bus / single:.1f} times the baseline)"
        )
    return [
        *lines,
        f"target {TARGET_PER_SECOND:,.0f} documents/s from events: "
        f"{verdict(best >= TARGET_PER_SECOND)}; in batches of 500 (the reindex): "
        f"{figures['batch_documents_per_second']:,.0f} documents/s",
    ]


def report(figures: dict[str, Any]) -> str:
    """The figures as a table with the ratio and the targets."""
    if "workloads" not in figures:  # --indexing-only
        return "\n".join(indexing_report(figures))
    rows = figures["workloads"]
    search, naive = rows[SEARCH], rows[NAIVE]
    ratio = naive["p95_ms"] / search["p95_ms"] if search["p95_ms"] else 0.0
    return "\n".join(
        [
            f"repti-community search benchmark: {figures['documents']:,} documents (copied in "
            f"{figures['fill_seconds']} s), {figures['clients']} concurrent clients; "
            f"'{figures['first_query']}' finds {figures['first_query_found']:,}",
            "",
            *table(rows),
            "",
            f"p95: the search {search['p95_ms']} ms, the naive scan {naive['p95_ms']} ms "
            f"({ratio:.1f} times the search's); target p95 < {TARGET_P95_MS:.0f} ms: "
            f"{verdict(search['p95_ms'] < TARGET_P95_MS)}",
            *(
                f"{name.strip()}: p95 {rows[name]['p95_ms']} ms, target: "
                f"{verdict(rows[name]['p95_ms'] < TARGET_P95_MS)}"
                for name in (CHURN, FRESH)
            ),
            f"documents stored during the churn workload: {figures['changes']:,}",
            *indexing_report(figures),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small, short smoke run")
    parser.add_argument("--documents", type=int, help="documents in the index (100,000)")
    parser.add_argument("--events", type=int, help="events for the throughput (5,000)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--requests", type=int, help="search requests in all (3,000)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (3)")
    parser.add_argument(
        "--read-count",
        type=int,
        default=100,
        help="entries per Redis Streams read (100, as REPTIDEX_EVENT_READ_COUNT)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="Redis for the bus's figure",
    )
    parser.add_argument(
        "--indexing-only",
        action="store_true",
        help="measure the index's throughput only (no HTTP servers)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--verbose", action="store_true", help="show the servers' errors")
    parser.add_argument("--serve", choices=["community", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port, args.database_url, args.data_dir)
        return 0
    args.documents = args.documents or (10_000 if args.quick else 100_000)
    args.events = args.events or (1_000 if args.quick else 5_000)
    args.requests = args.requests or (300 if args.quick else 3_000)
    args.rounds = args.rounds or (1 if args.quick else 3)
    figures = asyncio.run(run(args))
    print(json.dumps(figures, indent=2) if args.json else report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
