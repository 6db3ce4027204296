"""Benchmark of repti-animal over HTTP: lineage and clutch prediction against a bare endpoint.

Run ``python benchmarks/bench_animal.py`` (add ``--quick`` for a small smoke run). It needs a
PostgreSQL server (``TEST_POSTGRES_URL``, default ``postgresql+asyncpg://postgres@127.0.0.1/
postgres``); it creates a scratch database and a login role and drops both afterwards.

What it does:

1. Fills the ``animal`` table with a pedigree of ``--animals`` animals (100,000; 5,000 with
   ``--quick``) over 20 generations, in one organisation: each generation's parents come from a
   breeding pool of the previous one, so pedigrees collapse as in real collections.
2. Starts three servers on uvicorn, one process each: repti-animal (connected as a non-owner
   role under row-level security, as in production; tokens verified with a local key), the
   same with its pedigree mirror turned off (``statement``: every lineage not in the cache is
   read by the one recursive query), and a *baseline*, a bare Litestar app whose one endpoint
   returns a fixed JSON body (the same bytes a prediction returns).
3. Warms up, then waits until the mirror holds the collection (the first lineage asked for
   makes each worker load it; the time is printed).
4. Drives each with ``--clients`` concurrent keep-alive connections (32), interleaving the
   workloads round by round so that all see the same machine: the baseline,
   ``POST /genetics/predict`` for a 3-gene cross, ``GET /lineage/{id}?generations=5`` of 500
   animals of the last three generations drawn at random (as a breeder's pages and the
   widgets revisit animals: after the first visit these come from the lineage cache, which
   PostgreSQL's change notices keep exact), the same for animals never asked before (each
   request a different animal: every one computed, from the mirror: the cold path), and the
   cold path again on the server without the mirror (each computed from the database). The
   animals never asked before are shared out among the rounds, so each round measures them.
5. Prints requests per second and latency percentiles of each, the ratio of prediction to
   baseline throughput, the mirror's against the statement's, where the lineages came from,
   and the targets (p95 under 50 ms; prediction throughput at least half the baseline's),
   for the cold lineage too.

``--workers N`` runs N processes of each server on one port (SO_REUSEPORT), as
``reptidex serve --workers N`` does. Set
``BENCH_PROFILE=/path/prefix`` to write a cProfile of each repti-animal server process.

The database, the servers and the load generator are ``loadkit``'s, shared with the other
HTTP benchmarks.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import sys
import time
import uuid
from typing import Any

from loadkit import (
    Workload,
    baseline_app,
    bench_authenticator,
    bench_keys,
    bench_token,
    drive,
    dsn,
    fetch,
    free_port,
    request,
    scratch_database,
    serve_app,
    start_server,
    stop_servers,
    table,
    verdict,
    wait_for,
)

PREDICT_BODY = {
    "species": "ball_python",
    "sire": "Pastel Spider het Clown",
    "dam": "Pastel het Clown",
}
GENERATIONS = 20
MORPHS = ("Normal", "Pastel", "het Clown", "Clown", "Spider", "Pastel het Clown")


# --- the servers (run in subprocesses) --------------------------------------------------


def serve(kind: str, port: int, database_url: str, public_key: str, data_dir: str) -> None:
    """Run one server until killed: ``animal`` (the service), ``statement`` (the service with
    its pedigree mirror turned off: every lineage not in the cache is read by the one
    recursive statement) or ``baseline`` (a fixed JSON body: the bytes a prediction returns)."""
    if kind == "baseline":
        serve_app(baseline_app(_fixed_body()), port)
        return
    from reptidex.services.animal.app import create_app
    from reptidex.services.kernel.logging import configure_logging
    from reptidex.services.kernel.settings import load_settings

    configure_logging("WARNING", "json")
    environ = {
        "REPTIDEX_DATA_DIR": data_dir,
        "REPTIDEX_ANIMAL_DATABASE_URL": database_url,
        "REPTIDEX_LOG_LEVEL": "WARNING",
    }
    if kind == "statement":
        environ["REPTIDEX_LINEAGE_MIRROR_ANIMALS"] = "0"  # the mirror off
    settings = load_settings(environ)
    app = create_app(settings, genetics_per_minute=0, authenticator=bench_authenticator(public_key))
    serve_app(app, port, os.environ.get("BENCH_PROFILE") if kind == "animal" else None)


def _fixed_body() -> bytes:
    from reptidex.engine.genetics import cross_morphs, load_catalog

    result = cross_morphs(load_catalog("ball_python"), PREDICT_BODY["sire"], PREDICT_BODY["dam"])
    return json.dumps(result.to_dict(), separators=(",", ":")).encode()


# --- the data ---------------------------------------------------------------------------


def _genotype_rows() -> list[tuple[str, str, str, str, str]]:
    """(morph, phenotype, genotype JSON, trait index, gene index) of a few morphs."""
    from reptidex.adapters.sql.animal.mapping import bar_index, genotype_data
    from reptidex.domain.animals.model import describe_genotype
    from reptidex.engine.genetics import load_catalog, parse_genotype

    catalog = load_catalog("ball_python")
    out = []
    for morph in MORPHS:
        record = describe_genotype(catalog, parse_genotype(catalog, morph), morph)
        out.append(
            (
                morph,
                record.phenotype,
                json.dumps(genotype_data(record)),
                bar_index(record.traits),
                bar_index(record.genes),
            )
        )
    return out


async def fill(url: str, animals: int, organisation: uuid.UUID, seed: int) -> list[uuid.UUID]:
    """Insert the pedigree; return the ids of the last three generations."""
    import asyncpg

    rng = random.Random(seed)
    genotypes = _genotype_rows()
    per_generation = max(10, animals // GENERATIONS)
    now = dt.datetime.now(dt.UTC)
    records: list[tuple[Any, ...]] = []
    previous: list[tuple[uuid.UUID, str]] = []
    recent: list[uuid.UUID] = []
    for generation in range(GENERATIONS):
        males = [i for i, s in previous if s == "male"]
        females = [i for i, s in previous if s == "female"]
        # a breeding pool per generation: a few males, more females (as in collections)
        sires = rng.sample(males, min(len(males), max(2, per_generation // 25)))
        dams = rng.sample(females, min(len(females), max(2, per_generation // 8)))
        current: list[tuple[uuid.UUID, str]] = []
        for n in range(per_generation):
            ident = uuid.uuid4()
            sex = "male" if n % 2 else "female"
            morph, phenotype, genotype, traits, genes = rng.choice(genotypes)
            sire = rng.choice(sires) if sires else None
            dam = rng.choice(dams) if dams else None
            records.append(
                (
                    ident,
                    organisation,
                    f"BN-{generation:02d}-{n:05d}",
                    None,
                    "ball_python",
                    sex,
                    dt.date(2000 + generation, 5, 1),
                    "bred",
                    morph,
                    phenotype,
                    genotype,
                    traits,
                    genes,
                    "|",
                    sire,
                    dam,
                    "active",
                    "private",
                    "[]",
                    "[]",
                    now,
                    now,
                )
            )
            current.append((ident, sex))
            if generation >= GENERATIONS - 3:
                recent.append(ident)
        previous = current
    connection = await asyncpg.connect(dsn(url))
    try:
        await connection.copy_records_to_table(
            "animal",
            records=records,
            columns=[
                "id",
                "organisation_id",
                "code",
                "name",
                "species",
                "sex",
                "hatch_date",
                "origin",
                "morph",
                "phenotype",
                "genotype",
                "trait_index",
                "gene_index",
                "tag_index",
                "sire_id",
                "dam_id",
                "status",
                "visibility",
                "tags",
                "photo_ids",
                "created_at",
                "updated_at",
            ],
        )
        await connection.execute("ANALYZE animal")
    finally:
        await connection.close()
    return recent


# --- the load ---------------------------------------------------------------------------


async def _metrics(port: int) -> dict[str, float]:
    """The service's lineage figures from ``/metrics`` (of whichever worker answers)."""
    _, body = await fetch(port, request("GET", "/metrics"))
    figures: dict[str, float] = {}
    for line in body.decode().splitlines():
        if line.startswith(("reptidex_pedigree_mirror_", "reptidex_lineage_cache_")):
            figures[line.split("{")[0]] = float(line.rsplit(" ", 1)[1])
    return figures


async def _wait_for_mirror(port: int, animals: int, ask: Workload, within: float = 120.0) -> float:
    """Seconds until the pedigree mirror holds the collection in every worker asked (ten
    answers in a row), asking for a lineage between reads (a worker loads when asked); raise
    if it does not within ``within``."""
    started = time.perf_counter()
    in_a_row = 0
    rng = random.Random(0)
    while in_a_row < 10:
        if time.perf_counter() - started > within:
            raise RuntimeError("the pedigree mirror did not load the collection")
        await drive(Workload(ask.name, ask.port, ask.requests), 2, 0.05, rng)
        figures = await _metrics(port)
        loaded = figures.get("reptidex_pedigree_mirror_animals", 0) >= animals
        in_a_row = in_a_row + 1 if loaded else 0
        if not loaded:
            await asyncio.sleep(0.2)
    return time.perf_counter() - started


def _lineage(ident: uuid.UUID, token: str) -> bytes:
    return request("GET", f"/lineage/{ident}?generations=5", token=token)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Set up, measure, tear down; return the figures."""
    organisation = uuid.uuid4()
    rng = random.Random(args.seed)
    keys = bench_keys()
    private_key, public_key = keys.private_key, keys.public_text
    servers: list[asyncio.subprocess.Process] = []
    async with scratch_database("animal") as database:
        try:
            started = time.perf_counter()
            recent = await fill(database.owner_url, args.animals, organisation, args.seed)
            fill_seconds = time.perf_counter() - started
            ports = {"animal": free_port(), "statement": free_port(), "baseline": free_port()}
            data_dir = os.path.join("/tmp", database.name)
            for kind, port in [(k, p) for k, p in ports.items() for _ in range(args.workers)]:
                argv = ["--serve", kind, "--port", str(port), "--database-url", database.app_url]
                argv += ["--public-key", public_key, "--data-dir", data_dir]
                servers.append(await start_server(__file__, argv, args.verbose))
            await wait_for(ports["animal"], "/health")
            await wait_for(ports["statement"], "/health")
            await wait_for(ports["baseline"], "/fixed")
            token = bench_token(private_key, organisation, "member")
            # a breeder's page and the widgets revisit the same animals (served from the
            # lineage cache once computed); every first visit computes one (a miss, measured
            # apart)
            shuffled = rng.sample(recent, len(recent))
            revisited, first_visits = shuffled[:500], shuffled[500:]
            body = json.dumps(PREDICT_BODY).encode()
            workloads = [
                Workload(
                    "baseline (fixed JSON)", ports["baseline"], [request("POST", "/fixed", body)]
                ),
                Workload(
                    "POST /genetics/predict (3 genes)",
                    ports["animal"],
                    [request("POST", "/genetics/predict", body)],
                ),
                Workload(
                    "GET /lineage/{id}?generations=5",
                    ports["animal"],
                    [_lineage(ident, token) for ident in revisited],
                ),
                Workload(
                    "  the same, each animal once (cold)",
                    ports["animal"],
                    [_lineage(ident, token) for ident in first_visits],
                    fresh=True,
                ),
                Workload(
                    "  cold, mirror off (the statement)",
                    ports["statement"],
                    [_lineage(ident, token) for ident in first_visits],
                    fresh=True,
                ),
            ]
            for work in workloads:  # warm up: connections, the repeated lineages
                if not work.fresh:
                    await drive(
                        Workload(work.name, work.port, work.requests), args.clients, 1.0, rng
                    )
            # the first lineage asked for made each worker load the collection into its
            # pedigree mirror; measure once that is done (the steady state)
            # asked meanwhile: lineages of other depths than the measured ones (the cache
            # does not hold them, so each reaches the mirror, which loads when asked)
            asked = Workload(
                "other depths",
                ports["animal"],
                [
                    request("GET", f"/lineage/{ident}?generations={g}&descendants={d}", token=token)
                    for ident in revisited[:50]
                    for g in range(1, 5)
                    for d in range(0, 21)
                ],
            )
            mirror_seconds = await _wait_for_mirror(ports["animal"], args.animals, asked)
            for done in range(args.rounds):
                for work in workloads:
                    if work.fresh:
                        work.share(args.rounds - done)
                    await drive(work, args.clients, args.seconds, rng)
            served = await _metrics(ports["animal"])
        finally:
            await stop_servers(servers)
    figures: dict[str, Any] = {
        "animals": args.animals,
        "generations": GENERATIONS,
        "clients": args.clients,
        "workers": args.workers,
        "fill_seconds": round(fill_seconds, 2),
        "mirror_wait_seconds": round(mirror_seconds, 2),
        "served": served,
        "workloads": {},
    }
    for work in workloads:
        figures["workloads"][work.name] = work.figures()
    return figures


def report(figures: dict[str, Any]) -> str:
    """The figures as a table with the ratios and targets."""
    rows = figures["workloads"]
    lines = [
        f"repti-animal benchmark: {figures['animals']:,} animals over {figures['generations']} "
        f"generations (filled in {figures['fill_seconds']} s), {figures['clients']} concurrent "
        f"clients, {figures['workers']} server process(es) per app",
        "",
        *table(rows),
    ]
    served = figures["served"]
    lines += [
        "",
        f"pedigree mirror: {served.get('reptidex_pedigree_mirror_animals', 0):,.0f} animals held"
        f" (ready {figures['mirror_wait_seconds']} s after the warm-up); in one worker: "
        f"{served.get('reptidex_lineage_cache_hits_total', 0):,.0f} lineages from the cache, "
        f"{served.get('reptidex_pedigree_mirror_answered_total', 0):,.0f} computed from the "
        f"mirror, {served.get('reptidex_pedigree_mirror_deferred_total', 0):,.0f} from the "
        "database",
    ]
    baseline, predict, lineage, cold, statement = rows.values()
    ratio = predict["per_second"] / baseline["per_second"] if baseline["per_second"] else 0.0

    lines += [
        "",
        f"predict throughput / baseline: {ratio:.2f} (target >= 0.50: {verdict(ratio >= 0.5)})",
        f"p95 (target < 50 ms): predict {predict['p95_ms']} ms ({verdict(predict['p95_ms'] < 50)})"
        f", lineage {lineage['p95_ms']} ms ({verdict(lineage['p95_ms'] < 50)}), lineage of "
        f"animals not seen before {cold['p95_ms']} ms ({verdict(cold['p95_ms'] < 50)})",
        f"p95 / baseline p95: predict {predict['p95_ms'] / baseline['p95_ms']:.2f}, lineage "
        f"{lineage['p95_ms'] / baseline['p95_ms']:.2f}, cold lineage "
        f"{cold['p95_ms'] / baseline['p95_ms']:.2f}",
        f"cold lineage, mirror against the statement: "
        f"{cold['per_second'] / max(statement['per_second'], 1e-9):.2f}x the throughput, p95 "
        f"{cold['p95_ms']} against {statement['p95_ms']} ms",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small, short smoke run")
    parser.add_argument("--animals", type=int, help="animals in the pedigree (100,000)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--seconds", type=float, help="seconds per workload per round (10)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (3)")
    parser.add_argument("--workers", type=int, default=1, help="server processes of each app (1)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--verbose", action="store_true", help="show the servers' errors")
    parser.add_argument(
        "--serve", choices=["animal", "statement", "baseline"], help=argparse.SUPPRESS
    )
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--public-key", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port, args.database_url, args.public_key, args.data_dir)
        return 0
    args.animals = args.animals or (5_000 if args.quick else 100_000)
    args.seconds = args.seconds or (2.0 if args.quick else 10.0)
    args.rounds = args.rounds or (1 if args.quick else 3)
    figures = asyncio.run(run(args))
    print(json.dumps(figures, indent=2) if args.json else report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
