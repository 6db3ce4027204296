"""Benchmark of the pedigree engine: inbreeding of every animal, and a kinship matrix.

Run ``python benchmarks/bench_pedigree.py`` (add ``--quick`` for a small smoke run, or
``--read-only`` for just the large-CSV figures).

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
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from reptidex.engine.pedigree import (
    Animal,
    Pedigree,
    inbreeding,
    kinship_matrix,
    read_csv,
    read_records,
    update_inbreeding,
)

GENEA140 = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "genea140.csv"


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="only the large-CSV reading figures (skip genea140 and the F benchmarks)",
    )
    args = parser.parse_args(argv)
    print(f"pedigree engine benchmark; python {sys.version.split()[0]}, numpy {np.__version__}")
    print(f"cpus: {os.cpu_count()}; figures: seconds (untraced), peak traced memory (tracemalloc)")

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
