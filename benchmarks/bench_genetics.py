"""Benchmark of the genetics engine against a naive Punnett-square enumerator.

Run ``python benchmarks/bench_genetics.py`` (add ``--quick`` for a fast smoke run).

For 1 to 12 genes, both parents heterozygous at every gene (ball python genes), it times:

- the engine's full genotype distribution (``cross(...).genotype_table()``: every one of the
  3^n offspring genotypes with its exact probability),
- the engine's breeder's view (``cross(...).outcomes()``: phenotype groups with hets and possible
  hets), for recessive genes (2^n groups) and incomplete dominant genes (3^n groups),
- the naive baseline written below: enumerate the 2^n gametes of each parent, pair all 4^n
  combinations, and tally offspring genotypes exactly (integer counts over 4^n).

The baseline is measured for real up to ``--naive-max`` genes (10 by default, 8 with --quick);
beyond that its time is extrapolated by x4 per gene and marked ``(extrapolated)``.
Also timed: a typical 3-gene cross and a realistic 6-gene cross with possible hets.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable
from fractions import Fraction

from reptidex.engine.genetics import Catalog, cross, load_catalog, parse_genotype


def naive_punnett(
    sire: list[tuple[int, int]], dam: list[tuple[int, int]]
) -> dict[tuple[tuple[int, int], ...], Fraction]:
    """The textbook method: every gamete of the sire against every gamete of the dam."""
    sire_gametes = list(itertools.product(*sire))
    dam_gametes = list(itertools.product(*dam))
    counts: dict[tuple[tuple[int, int], ...], int] = {}
    for paternal in sire_gametes:
        for maternal in dam_gametes:
            key = tuple(
                (a, b) if a <= b else (b, a) for a, b in zip(paternal, maternal, strict=True)
            )
            counts[key] = counts.get(key, 0) + 1
    total = len(sire_gametes) * len(dam_gametes)
    return {key: Fraction(count, total) for key, count in counts.items()}


def best_time(function: Callable[[], object], repeat: int) -> float:
    """The best wall time of ``repeat`` runs, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def gene_names(catalog: Catalog) -> tuple[list[str], list[str]]:
    recessive, incomplete = [], []
    for li, _, allele in catalog.alleles():
        block = catalog.blocks[catalog.block_of_locus[li][0]]
        if block.sex_linked or len(catalog.loci[li].alleles) > 1:
            continue
        if allele.expression.is_recessive:
            recessive.append(allele.name)
        elif not allele.super_lethal:
            incomplete.append(allele.name)
    return recessive, incomplete


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer genes and repeats")
    parser.add_argument(
        "--naive-max", type=int, default=None, help="largest gene count for the real naive run"
    )
    args = parser.parse_args()
    max_genes = 8 if args.quick else 12
    naive_max = args.naive_max if args.naive_max is not None else (8 if args.quick else 10)
    repeat = 3 if args.quick else 5

    bp = load_catalog("ball_python")
    recessive, incomplete = gene_names(bp)
    print("Genetics engine vs naive Punnett enumeration (ball python, het x het at every gene)")
    print("times in ms, best of", repeat, "runs; ratio = naive / engine genotype table")
    header = f"{'genes':>5} {'genotypes':>9} {'engine table':>12} {'rec. groups':>11} {'inc. groups':>11} {'naive':>12} {'ratio':>8}"
    print(header)
    naive_ms = 0.0
    for n in range(1, max_genes + 1):
        sire = parse_genotype(bp, " ".join(f"het {g}" for g in recessive[:n]))
        table_ms = best_time(lambda s=sire: cross(s, s).genotype_table(), repeat)
        genotypes = len(cross(sire, sire).genotype_table())
        rec_ms = best_time(lambda s=sire: cross(s, s).outcomes(), max(1, repeat // 2))
        inc = parse_genotype(bp, " ".join(incomplete[:n]))
        inc_ms = (
            best_time(lambda g=inc: cross(g, g).outcomes(), 1)
            if n <= (9 if args.quick else 10)
            else float("nan")
        )
        if n <= naive_max:
            loci = [(0, 1)] * n
            naive_ms = best_time(
                lambda loci=loci: naive_punnett(loci, loci), 1 if n >= 9 else repeat
            )
            label = f"{naive_ms:12.2f}"
        else:
            naive_ms *= 4
            label = f"{naive_ms:12.0f}"
        note = "  (naive extrapolated x4/gene)" if n > naive_max else ""
        print(
            f"{n:>5} {genotypes:>9} {table_ms:>12.3f} {rec_ms:>11.3f} {inc_ms:>11.1f} {label} {naive_ms / table_ms:>7.0f}x{note}"
        )

    sire = parse_genotype(bp, "Pastel Spider het Clown")
    dam = parse_genotype(bp, "Pastel het Clown")
    typical = best_time(lambda: cross(sire, dam).outcomes(), 200 if not args.quick else 20)
    naive3 = best_time(
        lambda: naive_punnett([(0, 1), (0, 1), (0, 1)], [(0, 1), (0, 0), (0, 1)]),
        200 if not args.quick else 20,
    )
    print(
        f"typical 3-gene cross (Pastel Spider het Clown x Pastel het Clown), outcomes: {typical:.3f} ms; naive {naive3:.3f} ms; ratio {naive3 / typical:.1f}x"
    )

    sire6 = parse_genotype(bp, "Pastel Enchi Spider het Clown 66% het Pied ph Orange Ghost")
    dam6 = parse_genotype(bp, "Pastel Yellowbelly het Clown het Pied 50% het Albino")
    realistic = best_time(lambda: cross(sire6, dam6).outcomes(), 20 if not args.quick else 3)
    # The naive enumerator has no possible hets: it must be run once per possible parent
    # genotype combination (2 x 2 x 2 = 8 here) and the results mixed.
    loci_s = [(0, 1), (0, 1), (0, 1), (0, 1), (0, 1), (0, 0), (0, 1), (0, 0)]
    loci_d = [(0, 1), (0, 0), (0, 0), (0, 1), (0, 1), (0, 1), (0, 0), (0, 1)]
    naive6 = 8 * best_time(lambda: naive_punnett(loci_s, loci_d), 3)
    groups = len(cross(sire6, dam6).outcomes())
    print(
        f"realistic 6-gene cross with possible hets ({groups} groups): {realistic:.3f} ms; naive (8 parent combinations x 8 loci) {naive6:.1f} ms; ratio {naive6 / realistic:.0f}x"
    )


if __name__ == "__main__":
    main()
