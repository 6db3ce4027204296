"""Benchmark of repti-media's renders: a 5-generation pedigree chart as SVG, PNG and PDF, and a
certificate, each fresh against cached, measured side by side.

Run ``python benchmarks/bench_media.py`` (``--quick`` for a short smoke run).

The lineage fetch is excluded: the lineage (63 positions, one repeated ancestor, computed by the
pedigree engine) is built once before timing, as repti-animal would have returned it. "Fresh" is
the full render use case on a new lineage version every time (layout, drawing, encoding, the
row written to the render cache, commit); "cached" is the same use case on an unchanged
lineage, answered from the process's recent renders, and "cached (database)" with that memory
cleared so the render comes from the media database (SQLite). Targets of the issue: SVG under
20 ms, PNG under 200 ms, PDF under 300 ms, cached at least 20x faster than fresh.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from reptidex.adapters.blobs.disk import DiskBlobStore
from reptidex.adapters.render.pdf import PdfRenderer
from reptidex.adapters.render.raster import PngRenderer
from reptidex.adapters.render.svg import SvgRenderer
from reptidex.adapters.sql.media.unit_of_work import SqlMediaUnitOfWork
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.media.lineage import ChartAnimal, LineagePosition, LineageSnapshot
from reptidex.domain.media.ports import ChartRenderer
from reptidex.domain.media.rendering import RecentRenders, RenderRequest
from reptidex.domain.media.use_cases.charts import render
from reptidex.engine import pedigree as ped

TARGETS_MS = {"svg": 20.0, "png": 200.0, "pdf": 300.0}


def five_generation_lineage() -> LineageSnapshot:
    """A complete 5-generation lineage with one repeated ancestor, built with the engine."""
    records: dict[str, ped.Animal] = {}
    counter = iter(range(1, 1000))

    def grow(depth: int) -> str:
        ident = f"BP{next(counter):03d}"
        if depth == 0:
            records[ident] = ped.Animal(ident)
            return ident
        sire, dam = grow(depth - 1), grow(depth - 1)
        records[ident] = ped.Animal(ident, sire=sire, dam=dam)
        return ident

    root = grow(6)
    sire, dam = records[root].sire, records[root].dam
    assert sire is not None and dam is not None  # noqa: PT018
    records[dam] = ped.Animal(dam, sire=records[sire].sire, dam=records[dam].dam)
    pedigree = ped.Pedigree(records.values())
    tree = ped.pedigree_tree(pedigree, root, 5)
    positions = tuple(
        LineagePosition(
            node.position,
            node.generation,
            node.line,
            node.repeat_of,
            ChartAnimal(
                id=str(uuid.uuid5(uuid.NAMESPACE_URL, node.id)),
                code=node.id,
                name=f"Ancestor {node.id}",
                species="ball_python",
                sex="male" if node.line.endswith("S") else "female",
                morph="Pastel Enchi Clown",
                hets=("pied", "ghost") if node.position % 3 == 0 else (),
            ),
        )
        for node in tree.nodes
    )
    coefficient = float(ped.inbreeding(pedigree)[root])
    return LineageSnapshot(uuid.uuid4(), 5, positions, coefficient, 5)


class FixedSource:
    """Returns the prepared lineage at once (the fetch is not measured); ``bump`` makes the
    next lineage a new version, as after a change in repti-animal."""

    def __init__(self, snapshot: LineageSnapshot) -> None:
        self.snapshot = snapshot
        self.version = 0

    def bump(self) -> None:
        self.version += 1

    async def lineage(
        self, animal_id: uuid.UUID, generations: int, *, credential: str | None
    ) -> LineageSnapshot:
        return dataclasses.replace(
            self.snapshot, animal_id=animal_id, version=f"{self.snapshot.version}-{self.version}"
        )


async def _timed(runs: int, action: Callable[[], Awaitable[object]]) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await action()
        times.append((time.perf_counter() - started) * 1000)
    return times


async def bench(runs: int) -> list[tuple[str, float, float, float, int]]:
    renderers: dict[str, ChartRenderer] = {
        "svg": SvgRenderer(),
        "png": PngRenderer(),
        "pdf": PdfRenderer(),
    }
    snapshot = five_generation_lineage()
    source = FixedSource(snapshot)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'media.sqlite3'}"
        upgrade("media", url)
        engine = create_async_engine(url)
        sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        blobs = DiskBlobStore(Path(folder) / "blobs")
        recent = RecentRenders()
        cases = [
            ("pedigree svg", RenderRequest("pedigree", snapshot.animal_id, "svg", generations=5)),
            ("pedigree png", RenderRequest("pedigree", snapshot.animal_id, "png", generations=5)),
            ("pedigree pdf", RenderRequest("pedigree", snapshot.animal_id, "pdf", generations=5)),
            ("certificate pdf", RenderRequest("certificate", snapshot.animal_id, "pdf")),
            ("certificate png", RenderRequest("certificate", snapshot.animal_id, "png")),
        ]
        for label, request in cases:
            size = 0

            async def once(
                fresh: bool, memory: bool = True, request: RenderRequest = request
            ) -> object:
                nonlocal size
                if fresh:
                    source.bump()
                if not memory:
                    recent.invalidate(str(request.animal_id))
                async with SqlMediaUnitOfWork(sessions, blobs) as uow:
                    result = await render(
                        request,
                        source=source,
                        credential=None,
                        uow=uow,
                        recent=recent,
                        renderers=renderers,
                        profile_url="http://127.0.0.1:8004/embed/profile/x",
                        issued="2026-11-25",
                    )
                assert result.cached is not fresh
                size = len(result.render.content)
                return result

            await once(True)  # warm-up: fonts, imports
            fresh = await _timed(runs, lambda: once(True))
            cached = await _timed(runs * 5, lambda: once(False))
            from_db = await _timed(runs * 2, lambda: once(False, memory=False))
            rows.append(
                (
                    label,
                    statistics.median(fresh),
                    statistics.median(cached),
                    statistics.median(from_db),
                    size,
                )
            )
        await engine.dispose()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    args = parser.parse_args(argv)
    runs = 3 if args.quick else 15
    rows = asyncio.run(bench(runs))
    print(f"5-generation pedigree (63 boxes), median of {runs} fresh runs; lineage fetch excluded")
    print(
        f"{'render':<16} {'fresh ms':>9} {'target':>7} {'cached ms':>10} {'x faster':>9} "
        f"{'db-cached ms':>13} {'x faster':>9} {'bytes':>9}"
    )
    failures = 0
    for label, fresh, cached, from_db, size in rows:
        fmt = label.split()[1]
        target = TARGETS_MS.get(fmt) if label.startswith("pedigree") else None
        ok = target is None or fresh < target
        ratio = fresh / cached if cached else float("inf")
        failures += (not ok) + (ratio < 20)
        print(
            f"{label:<16} {fresh:>9.2f} {('<' + format(target, '.0f')) if target else '-':>7} "
            f"{cached:>10.3f} {ratio:>8.0f}x {from_db:>13.2f} {fresh / from_db:>8.1f}x {size:>9}"
            + ("" if ok else "  (over target)")
        )
    print("all targets met" if not failures else f"{failures} target(s) missed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
