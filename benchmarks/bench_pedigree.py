"""Benchmark of the pedigree engine: inbreeding of every animal, a kinship matrix, a lineage.

Run ``python benchmarks/bench_pedigree.py`` (add ``--quick`` for a small smoke run,
``--read-only`` for just the large-CSV figures, or ``--lineage-only`` for just the lineage
figures).

The largest simulated pedigree is also written as a CSV in a temporary folder and read
back: ``read_csv`` (column-wise parsing, ``Pedigree.from_columns``) against the
straightforward path (one ``Animal`` per row, ``find_problems`` on the records, the pedigree
set up animal by animal: ``Pedigree._one_by_one``), then the CLI
``reptidex pedigree inbreeding`` is run on it end to end.

Each figure is compared with a baseline measured in the same run: a straightforward
pure-Python Meuwissen & Luo (1992) written below (one animal at a time, ancestors
visited youngest first through a heap, full sibs copied). When the baseline would take
too long on a whole pedigree it is timed on a random sample of families and scaled up
to all families; the output says so.

Simulated pedigrees model reptile breeding: many small breeding colonies (about ten
females and three males each), a clutch per female per year (Poisson, mean 8), breeders
replaced from the colony's own hatchlings after a few seasons (overlapping generations),
and some hatchlings traded to other colonies. This gives realistic inbreeding (mean F
of a few percent, rising over the years) and loops through traded animals.

The lineage of one animal (repti-animal's ``GET /lineage/{id}``: tree, ancestors,
descendants, inbreeding, completeness, equivalent generations) is computed by
``lineage_of`` on the records the pedigree mirror reads for it, from a simulated pedigree of
100,000 animals, for 500 animals of its second half (breeders among them have descendants):
to 5 generations with 3 of descendants (the default request) and to 10 generations (larger
ancestries). The baseline is the implementation ``lineage_of`` had before it called the
engine's :class:`~reptidex.engine.pedigree.PedigreeLinks` (its own walks and recursions on
the parent links, kept below as it was), timed call by call in the same rounds; the two
results must be equal.
"""

from __future__ import annotations

import argparse
import heapq
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from reptidex.domain.animals.lineage import (
    Inbreeding,
    Lineage,
    LineageEntry,
    LineagePosition,
    LineageRecord,
    lineage_of,
    origin_of,
)
from reptidex.domain.animals.pedigree_mirror import PedigreeMirror
from reptidex.domain.animals.use_cases import Actor
from reptidex.domain.errors import Conflict, NotFound
from reptidex.engine import pedigree as ped
from reptidex.engine.pedigree import (
    Animal,
    Pedigree,
    inbreeding,
    kinship_matrix,
    read_csv,
    read_records,
    update_inbreeding,
)

GENEA140 = Path(__file__).resolve().parents[1] / "tests" / "data" / "genea140.csv"


# --- the baseline -------------------------------------------------------------------


def meuwissen_luo(sire: list[int], dam: list[int]) -> list[float]:
    """Pure-Python Meuwissen & Luo (1992); parents precede offspring, -1 is unknown."""
    n = len(sire)
    f = [0.0] * n
    d = [1.0] * n
    for i in range(n):
        s, m = sire[i], dam[i]
        if s >= 0 and m >= 0:
            d[i] = 0.5 - 0.25 * (f[s] + f[m])
        elif s >= 0 or m >= 0:
            d[i] = 0.75 - 0.25 * (f[s] if s >= 0 else f[m])
        if s < 0 or m < 0:
            continue
        if i > 0 and sire[i - 1] == s and dam[i - 1] == m:
            f[i] = f[i - 1]
            continue
        f[i] = _ml_one(i, sire, dam, d) - 1.0
    return f


def _ml_one(i: int, sire: list[int], dam: list[int], d: list[float]) -> float:
    coefficient = {i: 1.0}
    heap = [-i]
    total = 0.0
    while heap:
        j = -heapq.heappop(heap)
        lj = coefficient.pop(j)
        total += lj * lj * d[j]
        for p in (sire[j], dam[j]):
            if p >= 0:
                if p in coefficient:
                    coefficient[p] += 0.5 * lj
                else:
                    coefficient[p] = 0.5 * lj
                    heapq.heappush(heap, -p)
    return total


def _ml_row(i: int, sire: list[int], dam: list[int]) -> dict[int, float]:
    """The non-zero entries of row ``i`` of L (Meuwissen & Luo's ancestor walk)."""
    coefficient = {i: 1.0}
    row: dict[int, float] = {}
    heap = [-i]
    while heap:
        j = -heapq.heappop(heap)
        lj = coefficient.pop(j)
        row[j] = lj
        for p in (sire[j], dam[j]):
            if p >= 0:
                if p in coefficient:
                    coefficient[p] += 0.5 * lj
                else:
                    coefficient[p] = 0.5 * lj
                    heapq.heappush(heap, -p)
    return row


def baseline_kinship_matrix(ped: Pedigree, ids: list[str]) -> list[list[float]]:
    """Pure Python: F of all animals, then K[a][b] = sum_j L_aj L_bj d_j / 2."""
    sire = ped.sire.tolist()
    dam = ped.dam.tolist()
    f = meuwissen_luo(sire, dam)
    d = [1.0] * len(sire)
    for i, (s, m) in enumerate(zip(sire, dam, strict=True)):
        if s >= 0 and m >= 0:
            d[i] = 0.5 - 0.25 * (f[s] + f[m])
        elif s >= 0 or m >= 0:
            d[i] = 0.75 - 0.25 * (f[s] if s >= 0 else f[m])
    rows = [_ml_row(ped.index(x), sire, dam) for x in ids]
    out = [[0.0] * len(ids) for _ in ids]
    for a, row_a in enumerate(rows):
        for b in range(a, len(ids)):
            row_b = rows[b]
            small, large = (row_a, row_b) if len(row_a) <= len(row_b) else (row_b, row_a)
            value = 0.5 * sum(v * large[j] * d[j] for j, v in small.items() if j in large)
            out[a][b] = out[b][a] = value
    return out


def baseline_on_sample(
    ped: Pedigree, f_fast: np.ndarray[Any, Any], sample: int, seed: int = 1
) -> tuple[float, float, int, int]:
    """Time the baseline's per-family work on a random sample of families.

    Returns (scaled seconds for all families, largest |difference| from the fast F,
    sampled families, all families). The Mendelian factors come from the fast F, so only
    the baseline's ancestor walk (its whole cost) is timed.
    """
    sire = ped.sire.tolist()
    dam = ped.dam.tolist()
    fs = f_fast.tolist()
    d = [1.0] * len(sire)
    for i, (s, m) in enumerate(zip(sire, dam, strict=True)):
        if s >= 0 and m >= 0:
            d[i] = 0.5 - 0.25 * (fs[s] + fs[m])
        elif s >= 0 or m >= 0:
            d[i] = 0.75 - 0.25 * (fs[s] if s >= 0 else fs[m])
    both = np.flatnonzero((ped.sire >= 0) & (ped.dam >= 0))
    pairs = ped.sire[both] * len(sire) + ped.dam[both]
    _, first = np.unique(pairs, return_index=True)
    families = both[first]
    rng = np.random.default_rng(seed)
    chosen = rng.choice(families, size=min(sample, families.shape[0]), replace=False)
    worst = 0.0
    start = time.perf_counter()
    for i in chosen.tolist():
        value = _ml_one(i, sire, dam, d) - 1.0
        worst = max(worst, abs(value - fs[i]))
    elapsed = time.perf_counter() - start
    return elapsed * families.shape[0] / chosen.shape[0], worst, chosen.shape[0], families.size


# --- simulated pedigrees ---------------------------------------------------------------


def simulate(
    target: int,
    years: int = 40,
    seed: int = 7,
    females: int = 10,
    males: int = 3,
    trade: float = 0.3,
) -> Pedigree:
    """A pedigree of about ``target`` animals from colonies over ``years`` seasons."""
    rng = np.random.default_rng(seed)
    clutch_mean = 8.0
    per_year = target / years
    colonies = max(1, round(per_year / (clutch_mean * females)))
    sire_list: list[np.ndarray[Any, Any]] = []
    dam_list: list[np.ndarray[Any, Any]] = []
    next_id = 0
    # founders: the breeding stock of every colony
    b_colony = np.repeat(np.arange(colonies), females + males)
    b_male = np.tile(np.r_[np.zeros(females, bool), np.ones(males, bool)], colonies)
    b_id = np.arange(b_colony.shape[0])
    b_age = rng.integers(0, 4, size=b_id.shape[0])
    next_id = b_id.shape[0]
    sire_list.append(np.full(next_id, -1))
    dam_list.append(np.full(next_id, -1))
    total = next_id
    year = 0
    while total < target and year < 4 * years:
        year += 1
        # each female pairs with a random male of her colony
        order = np.lexsort((b_male, b_colony))
        b_colony, b_male, b_id, b_age = b_colony[order], b_male[order], b_id[order], b_age[order]
        male_idx = np.flatnonzero(b_male)
        male_col = b_colony[male_idx]
        lo = np.searchsorted(male_col, np.arange(colonies))
        hi = np.searchsorted(male_col, np.arange(colonies), side="right")
        fem = np.flatnonzero(~b_male & (hi[b_colony] > lo[b_colony]))
        span = hi[b_colony[fem]] - lo[b_colony[fem]]
        mates = male_idx[lo[b_colony[fem]] + (rng.random(fem.shape[0]) * span).astype(int)]
        clutch = rng.poisson(clutch_mean, size=fem.shape[0])
        kid_dam = np.repeat(b_id[fem], clutch)
        kid_sire = np.repeat(b_id[mates], clutch)
        kid_col = np.repeat(b_colony[fem], clutch)
        room = target - total
        if kid_dam.shape[0] > room:
            kid_dam, kid_sire, kid_col = kid_dam[:room], kid_sire[:room], kid_col[:room]
        k = kid_dam.shape[0]
        kid_id = np.arange(next_id, next_id + k)
        next_id += k
        total += k
        sire_list.append(kid_sire)
        dam_list.append(kid_dam)
        # breeders age; each leaves after 3-7 seasons and is replaced by a hatchling
        b_age = b_age + 1
        leaving = b_age > rng.integers(3, 8, size=b_age.shape[0])
        if k == 0 or not leaving.any():
            continue
        out_col = b_colony[leaving]
        out_male = b_male[leaving]
        recruits = rng.integers(0, k, size=(out_col.shape[0],))
        # most recruits come from the colony's own clutches, some are bought elsewhere
        own = rng.random(out_col.shape[0]) > trade
        by_col = np.argsort(kid_col, kind="stable")
        col_lo = np.searchsorted(kid_col[by_col], out_col)
        col_hi = np.searchsorted(kid_col[by_col], out_col, side="right")
        has_own = own & (col_hi > col_lo)
        pick = col_lo + (rng.random(out_col.shape[0]) * (col_hi - col_lo)).astype(int)
        recruits = np.where(has_own, by_col[np.minimum(pick, k - 1)], recruits)
        b_id = np.concatenate([b_id[~leaving], kid_id[recruits]])
        b_colony = np.concatenate([b_colony[~leaving], out_col])
        b_male = np.concatenate([b_male[~leaving], out_male])
        b_age = np.concatenate([b_age[~leaving], np.zeros(out_col.shape[0], dtype=int)])
    sire = np.concatenate(sire_list)
    dam = np.concatenate(dam_list)
    # an animal recruited twice in one season as male and female is impossible here:
    # recruits keep the sex of the breeder they replace, so check roles and fix rare clashes
    both_roles = np.intersect1d(sire[sire >= 0], dam[dam >= 0])
    if both_roles.size:
        clash = np.isin(dam, both_roles)
        dam[clash] = -1
    return Pedigree.from_parent_indices(sire, dam)


# --- measuring ---------------------------------------------------------------------------


def measure(func: Callable[[], Any]) -> tuple[float, float, Any]:
    """(seconds, peak traced MiB, result): time untraced, then peak memory traced."""
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20, result


def line(label: str, seconds: float, peak: float, base: float, note: str = "") -> None:
    ratio = base / seconds if seconds > 0 else float("inf")
    print(
        f"{label:<34} {seconds:9.3f} s  peak {peak:8.1f} MiB  "
        f"baseline {base:9.2f} s  speed-up x{ratio:,.0f}{note}",
        flush=True,
    )


def bench_inbreeding(label: str, ped: Pedigree, full_baseline: bool, sample: int) -> None:
    seconds, peak, table = measure(lambda: inbreeding(ped))
    f = table.array
    print(
        f"  {label}: {len(ped):,} animals, depth {int(ped.depth.max())}, "
        f"mean F {f.mean():.4f}, max F {f.max():.4f}, inbred {np.mean(f > 0):.1%}",
        flush=True,
    )
    if full_baseline:
        start = time.perf_counter()
        base_f = meuwissen_luo(ped.sire.tolist(), ped.dam.tolist())
        base = time.perf_counter() - start
        diff = float(np.max(np.abs(np.array(base_f) - f)))
        line(f"F {label}", seconds, peak, base, f"  (full baseline, max |diff| {diff:.1e})")
    else:
        base, diff, got, families = baseline_on_sample(ped, f, sample)
        line(
            f"F {label}",
            seconds,
            peak,
            base,
            f"  (baseline timed on {got:,} of {families:,} families and scaled up; "
            f"max |diff| {diff:.1e})",
        )


def bench_clutch(ped: Pedigree) -> None:
    """Adding a clutch: the incremental update against computing everything again."""
    table = inbreeding(ped)
    sire = int(ped.sire[-1])
    dam = int(ped.dam[-1])
    clutch = [
        Animal(f"egg{k}", ped.ids[sire] if sire >= 0 else None, ped.ids[dam] if dam >= 0 else None)
        for k in range(8)
    ]
    start = time.perf_counter()
    bigger = ped.extend(clutch)
    extend_seconds = time.perf_counter() - start
    seconds, peak, updated = measure(lambda: update_inbreeding(table, bigger))
    start = time.perf_counter()
    full = inbreeding(bigger)
    base = time.perf_counter() - start
    assert np.array_equal(updated.array, full.array)
    line(
        "  add a clutch of 8 (update F)",
        seconds,
        peak,
        base,
        f"  (baseline here: full recompute with the fast engine; extend {extend_seconds:.3f} s)",
    )


def write_csv(ped: Pedigree, path: Path, seed: int = 5) -> None:
    """Write ``ped`` as a breeder's CSV (id,sire,dam,sex), parents before offspring."""
    n = len(ped)
    rng = np.random.default_rng(seed)
    names = np.array([f"RX{i:07d}" for i in range(n)], dtype=object)
    sex = np.where(rng.random(n) < 0.5, "m", "f").astype(object)
    sex[ped.sire[ped.sire >= 0]] = "m"
    sex[ped.dam[ped.dam >= 0]] = "f"
    blank = np.array([""], dtype=object)
    sires = np.where(ped.sire >= 0, names[ped.sire], blank)
    dams = np.where(ped.dam >= 0, names[ped.dam], blank)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("id,sire,dam,sex\n")
        for start in range(0, n, 100_000):
            block = slice(start, start + 100_000)
            rows = map("{},{},{},{}\n".format, names[block], sires[block], dams[block], sex[block])
            handle.write("".join(rows))


def bench_read_csv(ped: Pedigree, folder: Path) -> None:
    """Reading a large CSV: column-wise reader + from_columns against the record path."""
    path = folder / f"pedigree_{len(ped)}.csv"
    write_csv(ped, path)
    size = path.stat().st_size / 2**20
    print(f"  wrote {path.name}: {len(ped):,} rows, {size:.0f} MiB", flush=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read_s, read_peak, fast = measure(lambda: read_csv(path))
        f_s, f_peak, table = measure(lambda: inbreeding(fast))
        # the straightforward path: one Animal per row, every check on the records, then
        # the pedigree set up animal by animal (the engine's own reference construction)
        start = time.perf_counter()
        slow = Pedigree.__new__(Pedigree)
        slow._one_by_one(read_records(path))
        base_read = time.perf_counter() - start
        start = time.perf_counter()
        slow_table = inbreeding(slow)
        base_f = time.perf_counter() - start
    assert fast.ids == slow.ids
    assert np.array_equal(table.array, slow_table.array)
    line(
        f"read_csv {len(ped):,} rows",
        read_s,
        read_peak,
        base_read,
        "  (baseline: read_records + record-by-record checks and set-up, same pedigree)",
    )
    line(
        "  read_csv + inbreeding",
        read_s + f_s,
        max(read_peak, f_peak),
        base_read + base_f,
        "  (baseline: record path + inbreeding)",
    )
    # a small launcher process runs the CLI, so that the child's peak RSS is its own and
    # not the copy of this large process that a fork would start from
    launcher = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
        "wall = time.perf_counter() - start\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(wall, u.ru_utime + u.ru_stime, u.ru_maxrss / 1024, code)\n"
    )
    command = [sys.executable, "-m", "reptidex", "pedigree", "inbreeding", str(path)]
    done = subprocess.run(
        [sys.executable, "-c", launcher, *command], capture_output=True, text=True, check=True
    )
    wall, cpu, rss, code = done.stdout.split()
    print(
        f"  CLI `reptidex pedigree inbreeding FILE > /dev/null`: {float(wall):.2f} s wall, "
        f"{float(cpu):.2f} s CPU, peak RSS {float(rss):.0f} MiB (exit {code})",
        flush=True,
    )


# --- the lineage of one animal ------------------------------------------------------------
# The baseline: ``lineage_of`` as it was before it called the engine's PedigreeLinks, with
# its own parent links, walks and recursions (kept as they were, to be timed alongside).


class BaselineLinks:
    """The parent links of a set of records, with the engine's reading of a pedigree: a
    parent that is referenced but not among the records is a founder."""

    def __init__(self, records: Sequence[LineageRecord]) -> None:
        ids: list[uuid.UUID] = [r.id for r in records]
        index = {ident.int: i for i, ident in enumerate(ids)}
        sires: list[int] = []
        dams: list[int] = []
        for record in records:
            for parent, column in ((record.sire_id, sires), (record.dam_id, dams)):
                if parent is None:
                    column.append(-1)
                    continue
                number = index.get(parent.int)
                if number is None:
                    number = index[parent.int] = len(ids)
                    ids.append(parent)
                column.append(number)
        founders = len(ids) - len(records)
        self.ids = ids
        self.index = index
        self.sire = sires + [-1] * founders
        self.dam = dams + [-1] * founders
        self.records: list[LineageRecord | None] = [*records, *([None] * founders)]
        self._inbreeding: list[float | None] = [None] * len(ids)
        self._ancestry: list[int | None] = [None] * len(ids)
        self._kinship: dict[tuple[int, int], float] = {}
        self._equivalent: list[float | None] = [None] * len(ids)

    def tree(self, root: int, generations: int) -> list[tuple[int, int, int, str]]:
        sires, dams = self.sire, self.dam
        nodes: list[tuple[int, int, int, str]] = []
        frontier: list[tuple[int, int, str]] = [(1, root, "")]
        for generation in range(generations + 1):
            following: list[tuple[int, int, str]] = []
            for position, animal, line in frontier:
                nodes.append((animal, position, generation, line))
                if generation < generations:
                    if (sire := sires[animal]) >= 0:
                        following.append((2 * position, sire, line + "S"))
                    if (dam := dams[animal]) >= 0:
                        following.append((2 * position + 1, dam, line + "D"))
            frontier = following
        return nodes

    def ancestors(self, root: int, generations: int) -> dict[int, int]:
        found: dict[int, int] = {}
        frontier = [root]
        level = 0
        while frontier and level < generations:
            level += 1
            following: list[int] = []
            for animal in frontier:
                for parent in (self.sire[animal], self.dam[animal]):
                    if parent >= 0 and parent not in found and parent != root:
                        found[parent] = level
                        following.append(parent)
            frontier = following
        return found

    def _lines(self, animal: int) -> int:
        known = self._ancestry[animal]
        if known is not None:
            return known
        bits = 1 << animal
        sire, dam = self.sire[animal], self.dam[animal]
        if sire >= 0:
            bits |= self._lines(sire)
        if dam >= 0:
            bits |= self._lines(dam)
        self._ancestry[animal] = bits
        return bits

    def kinship(self, a: int, b: int) -> float:
        if a < 0 or b < 0:
            return 0.0
        if a == b:
            return 0.5 * (1.0 + self.inbreeding(a))
        lines_a, lines_b = self._lines(a), self._lines(b)
        if not lines_a & lines_b:
            return 0.0
        pair = (a, b) if a < b else (b, a)
        known = self._kinship.get(pair)
        if known is not None:
            return known
        if lines_b >> a & 1:
            a, b = b, a
        value = 0.5 * (self.kinship(self.sire[a], b) + self.kinship(self.dam[a], b))
        self._kinship[pair] = value
        return value

    def inbreeding(self, animal: int) -> float:
        known = self._inbreeding[animal]
        if known is not None:
            return known
        sire, dam = self.sire[animal], self.dam[animal]
        value = self.kinship(sire, dam) if sire >= 0 and dam >= 0 else 0.0
        self._inbreeding[animal] = value
        return value

    def equivalent_generations(self, animal: int) -> float:
        known = self._equivalent[animal]
        if known is not None:
            if known < 0:
                raise Conflict("The stored pedigree of this animal is inconsistent: a cycle.")
            return known
        self._equivalent[animal] = -1.0
        sire, dam = self.sire[animal], self.dam[animal]
        value = 0.0
        if sire >= 0 or dam >= 0:
            value = 0.5 * (
                (1 + self.equivalent_generations(sire) if sire >= 0 else 0.0)
                + (1 + self.equivalent_generations(dam) if dam >= 0 else 0.0)
            )
        self._equivalent[animal] = value
        return value

    def engine_inbreeding(self, root: int) -> float:
        ids: list[str] = []
        sires: list[str | None] = []
        dams: list[str | None] = []
        seen = {root}
        stack = [root]
        while stack:
            animal = stack.pop()
            sire, dam = self.sire[animal], self.dam[animal]
            ids.append(str(self.ids[animal]))
            sires.append(None if sire < 0 else str(self.ids[sire]))
            dams.append(None if dam < 0 else str(self.ids[dam]))
            for parent in (sire, dam):
                if parent >= 0 and self.records[parent] is not None and parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ped.MissingParentWarning)
            pedigree = ped.Pedigree.from_columns(ids, sires, dams)
        return float(ped.inbreeding(pedigree)[str(self.ids[root])])

    def descendants(self, root: int, generations: int) -> dict[int, int]:
        if generations <= 0:
            return {}
        children: dict[int, list[int]] = {}
        for animal, record in enumerate(self.records):
            if record is None:
                break
            for parent in (self.sire[animal], self.dam[animal]):
                if parent >= 0:
                    children.setdefault(parent, []).append(animal)
        found: dict[int, int] = {}
        frontier = [root]
        level = 0
        while frontier and level < generations:
            level += 1
            following: list[int] = []
            for animal in frontier:
                for child in children.get(animal, ()):
                    if child not in found and child != root:
                        found[child] = level
                        following.append(child)
            frontier = following
        return found


_BASELINE_RESTRICTED = LineageEntry(None, False)
_new_entry: Callable[[tuple[LineageRecord, bool]], LineageEntry] = partial(
    tuple.__new__, LineageEntry
)
_new_position: Callable[[tuple[int, int, str, int | None, LineageEntry]], LineagePosition] = (
    partial(tuple.__new__, LineagePosition)
)


def baseline_lineage_of(
    rows: Sequence[LineageRecord],
    actor: Actor | None,
    animal_id: uuid.UUID,
    generations: int,
    descendant_generations: int,
) -> Lineage:
    """``lineage_of`` as it was, on :class:`BaselineLinks`."""
    links = BaselineLinks(rows)
    records = links.records
    key = links.index.get(animal_id.int)
    root = None if key is None else records[key]
    own_organisation = None if actor is None else actor.organisation_id
    if (
        key is None
        or root is None
        or (root.organisation_id != own_organisation and root.visibility != "public")
    ):
        raise NotFound(f"No animal {animal_id} in this collection.")
    own = -1 if own_organisation is None else own_organisation.int
    entries = [
        _BASELINE_RESTRICTED
        if record is None
        else _new_entry((record, True))
        if record.organisation_id.int == own
        else _BASELINE_RESTRICTED
        if record.visibility == "private"
        else _new_entry((record, False))
        for record in records
    ]
    known = links.ancestors(key, generations)
    equivalent = links.equivalent_generations(key)
    coefficient = links.engine_inbreeding(key) if len(known) > 256 else links.inbreeding(key)
    positions: list[LineagePosition] = []
    first_seen: dict[int, int] = {}
    repeated: dict[int, None] = {}
    per_generation = [0] * (generations + 1)
    for animal, position, generation, line in links.tree(key, generations):
        repeat = first_seen.get(animal)
        if repeat is None:
            first_seen[animal] = position
        else:
            repeated[animal] = None
        per_generation[generation] += 1
        positions.append(_new_position((position, generation, line, repeat, entries[animal])))
    descendants = links.descendants(key, descendant_generations)

    def code(item: tuple[int, int]) -> tuple[int, str]:
        record = records[item[0]]
        return item[1], "" if record is None else record.code

    return Lineage(
        root=entries[key],
        generations=generations,
        tree=tuple(positions),
        repeated_ancestors=tuple(links.ids[a] for a in repeated),
        inbreeding=Inbreeding(
            coefficient=max(coefficient, 0.0),
            generations=max(known.values(), default=0),
            equivalent_generations=equivalent,
        ),
        completeness=tuple(per_generation[g] / 2**g for g in range(1, generations + 1)),
        descendants=tuple(
            (shown, depth)
            for animal, depth in sorted(descendants.items(), key=code)
            if (shown := entries[animal]).animal is not None
        ),
        origin=origin_of(root),
        read=tuple(links.ids) if root.clutch_id is None else (*links.ids, root.clutch_id),
    )


def lineage_mirror(pedigree: Pedigree, seed: int = 3) -> tuple[PedigreeMirror, list[uuid.UUID]]:
    """The pedigree as one organisation's records in a pedigree mirror; the animals' ids in
    the order of ``pedigree.ids``."""
    rng = np.random.default_rng(seed)
    organisation = uuid.UUID(int=1)
    ids = [uuid.UUID(bytes=bytes(b)) for b in rng.integers(0, 256, (len(pedigree), 16), np.uint8)]
    sire, dam = pedigree.sire.tolist(), pedigree.dam.tolist()
    role = {p: "male" for p in sire if p >= 0} | {p: "female" for p in dam if p >= 0}
    records = [
        LineageRecord(
            ids[i],
            organisation,
            f"RX{i:07d}",
            None,
            "ball_python",
            role.get(i, "unknown"),
            "Normal",
            None,
            (),
            (),
            "active",
            "private",
            ids[sire[i]] if sire[i] >= 0 else None,
            ids[dam[i]] if dam[i] >= 0 else None,
        )
        for i in range(len(pedigree))
    ]
    mirror = PedigreeMirror()
    mirror.replace_layer(None, [], {})
    mirror.replace_layer(organisation, records, {})
    return mirror, ids


def bench_lineage(pedigree: Pedigree, roots: int, rounds: int) -> None:
    """``lineage_of`` against the baseline on the records read for ``roots`` animals, the two
    timed call by call, alternating which goes first, over ``rounds`` rounds."""
    mirror, ids = lineage_mirror(pedigree)
    actor = Actor(uuid.UUID(int=1))
    rng = np.random.default_rng(11)
    chosen = [ids[i] for i in rng.choice(np.arange(len(ids) // 2, len(ids)), roots).tolist()]
    for generations, descendants in ((5, 3), (10, 0)):
        cases = []
        for root in chosen:
            rows = mirror.lineage_records(actor.organisation_id, root, generations, descendants)
            assert rows is not None
            cases.append((rows, root))
        worst = 0.0
        for rows, root in cases:  # the same lineage both ways (warms up both, too)
            new = lineage_of(rows, actor, root, generations, descendants)
            old = baseline_lineage_of(rows, actor, root, generations, descendants)
            worst = max(worst, abs(new.inbreeding.coefficient - old.inbreeding.coefficient))
            assert new == old or (
                worst < 1e-12
                and new.tree == old.tree
                and new.descendants == old.descendants
                and new.read == old.read
            ), f"lineage of {root} differs from the baseline"
        # per animal, the fastest of the rounds: the cost of the computation itself, as free
        # as it gets of what else the machine is doing
        times = {"engine": np.full(len(cases), np.inf), "baseline": np.full(len(cases), np.inf)}
        runs = (("engine", lineage_of), ("baseline", baseline_lineage_of))
        for round_ in range(rounds):
            for k, (rows, root) in enumerate(cases):
                for label, compute in runs if (round_ + k) % 2 == 0 else runs[::-1]:
                    start = time.perf_counter()
                    compute(rows, actor, root, generations, descendants)
                    elapsed = time.perf_counter() - start
                    times[label][k] = min(times[label][k], elapsed)
        sizes = [len(rows) for rows, _ in cases]
        print(
            f"  lineage to {generations} generations, {descendants} of descendants: "
            f"{len(cases)} animals, {np.mean(sizes):.0f} records read on average "
            f"(at most {max(sizes)}); per animal the fastest of {rounds} rounds",
            flush=True,
        )
        for label, values in times.items():
            us = values * 1e6
            print(
                f"    {label:<9} mean {us.mean():8.1f} us  p50 {np.percentile(us, 50):8.1f} us"
                f"  p95 {np.percentile(us, 95):8.1f} us  max {us.max():9.1f} us",
                flush=True,
            )
        ratio = times["engine"].mean() / times["baseline"].mean()
        print(
            f"    engine / baseline (mean): {ratio:.3f}  (max |diff| of F {worst:.1e})", flush=True
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="only the large-CSV reading figures (skip genea140 and the F benchmarks)",
    )
    parser.add_argument(
        "--lineage-only", action="store_true", help="only the lineage figures (lineage_of)"
    )
    args = parser.parse_args(argv)
    print(f"pedigree engine benchmark; python {sys.version.split()[0]}, numpy {np.__version__}")
    print(f"cpus: {os.cpu_count()}; figures: seconds (untraced), peak traced memory (tracemalloc)")

    if args.lineage_only or not args.read_only:
        size = 10_000 if args.quick else 100_000
        start = time.perf_counter()
        pedigree = simulate(size)
        print(f"simulated {size:,} animals in {time.perf_counter() - start:.1f} s", flush=True)
        bench_lineage(pedigree, roots=100 if args.quick else 500, rounds=2 if args.quick else 6)
    if args.lineage_only:
        return 0

    if args.read_only:
        pass
    elif GENEA140.exists():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            ped = read_csv(GENEA140)
        print(f"read genea140.csv in {time.perf_counter() - start:.2f} s")
        bench_inbreeding("genea140", ped, full_baseline=not args.quick, sample=300)
        starts, _ = ped.children_index()
        probands = [ped.ids[i] for i in np.flatnonzero(np.diff(starts) == 0).tolist()]
        seconds, peak, matrix = measure(lambda: kinship_matrix(ped, probands))
        start = time.perf_counter()
        base_matrix = baseline_kinship_matrix(ped, probands)
        base = time.perf_counter() - start
        diff = float(np.max(np.abs(matrix - np.array(base_matrix))))
        line(
            f"kinship matrix {len(probands)} probands",
            seconds,
            peak,
            base,
            f"  (pure-Python F of the whole pedigree + L rows; max |diff| {diff:.1e})",
        )
    else:
        print(f"genea140.csv not found at {GENEA140}; skipped")

    sizes = [10_000] if args.quick else [10_000, 100_000, 1_000_000]
    if args.read_only:
        sizes = sizes[-1:]
    with tempfile.TemporaryDirectory(prefix="bench_pedigree_") as folder:
        for size in sizes:
            start = time.perf_counter()
            ped = simulate(size)
            print(f"simulated {size:,} animals in {time.perf_counter() - start:.1f} s", flush=True)
            if not args.read_only:
                bench_inbreeding(
                    f"simulated {size:,}", ped, full_baseline=size <= 10_000, sample=2000
                )
                bench_clutch(ped)
            if size == sizes[-1]:
                bench_read_csv(ped, Path(folder))
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident memory (whole run): {usage:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
