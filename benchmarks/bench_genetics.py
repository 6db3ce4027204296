"""Benchmark of the genetics engine against naive Punnett-square baselines.

Run ``python benchmarks/bench_genetics.py`` (add ``--quick`` for a fast smoke run).

For 1 to 12 genes, both parents heterozygous at every gene (ball python genes), it times:

- ``table``: the engine's full genotype distribution (``cross(...).genotype_table()``: every
  one of the 3^n offspring genotypes with its exact probability);
- ``rec. view`` and ``inc. view``: the engine's breeder's view as the JSON contract
  (``cross(...).to_dict()``: every phenotype group with its name, traits, hets, possible hets,
  warnings, exact probability and percent), for recessive genes (2^n groups) and incomplete
  dominant genes (3^n groups);
- ``naive``: the textbook baseline written below: enumerate the 2^n gametes of each parent,
  pair all 4^n combinations, and tally offspring genotypes exactly (integer counts over 4^n);
- ``naive view``: that baseline followed by what a breeder's view needs, done per genotype:
  the phenotype of every locus, the morph name, and the het probabilities of every group
  (incomplete dominant genes, so 3^n groups).

Times are CPU time (``time.process_time``) by default, so that other work on a shared machine
does not inflate them; ``--wall`` measures wall time instead. The baselines are measured for
real up to ``--naive-max`` genes (10 by default, 8 with
--quick); beyond that their time is extrapolated by x4 per gene and marked as such. The ratios
are naive / table and naive view / inc. view. Also timed: the three ways of reading the
10-gene incomplete dominant view, a typical 3-gene cross from two morph strings to the JSON
contract (against issue #18's target of 0.3 ms and the naive Punnett + view baseline of the
same genes; also the first time its parents are seen), a realistic 6-gene cross with
possible hets, the 100 most likely groups of a 10-gene cross against its full view (the API's
``top``), and the clutch odds of every group at once against group by group.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import time
from collections.abc import Callable
from fractions import Fraction

from reptidex.engine.genetics import (
    Catalog,
    Outcome,
    clutch_odds,
    clutch_probability,
    cross,
    load_catalog,
    locus_phenotype,
    morph_name,
    parse_genotype,
)


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


def naive_view(
    catalog: Catalog, loci: list[int], sire: list[tuple[int, int]], dam: list[tuple[int, int]]
) -> dict[str, tuple[Fraction, dict[str, Fraction]]]:
    """The breeder's view the naive way: name every Punnett genotype, then tally the groups."""
    groups: dict[str, tuple[Fraction, dict[str, Fraction]]] = {}
    for key, p in naive_punnett(sire, dam).items():
        traits: list[str] = []
        hidden: list[str] = []
        for locus, (a, b) in zip(loci, key, strict=True):
            look = locus_phenotype(catalog.loci[locus], a, b)
            traits += look.traits
            hidden += look.hidden
        name = morph_name(catalog, traits)
        total, carried = groups.get(name, (Fraction(0), {}))
        for gene in hidden:
            carried[gene] = carried.get(gene, Fraction(0)) + p
        groups[name] = (total + p, carried)
    return {
        name: (total, {gene: q / total for gene, q in carried.items()})
        for name, (total, carried) in groups.items()
    }


def shows(phenotype: str) -> Callable[[Outcome], bool]:
    """Whether an outcome shows ``phenotype``."""
    return lambda outcome: outcome.phenotype == phenotype


CLOCK: Callable[[], float] = time.process_time
"""The clock of every measurement: CPU time by default (``--wall`` for wall time)."""


def best_time(function: Callable[..., object], repeat: int) -> float:
    """The best time of ``repeat`` runs of ``function()`` on :data:`CLOCK`, in milliseconds.

    ``function`` is called without arguments; it is typed ``Callable[..., object]`` so that
    lambdas binding loop values as defaults (``lambda s=sire: ...``) type-check.
    """
    best = float("inf")
    for _ in range(repeat):
        start = CLOCK()
        function()
        best = min(best, CLOCK() - start)
    return best * 1000


TYPICAL = ("Pastel Spider het Clown", "Pastel het Clown")
"""The typical small cross: two morph strings as a breeder types them (ball python)."""
TYPICAL_TARGET_MS = 0.3
"""Issue #18's target for the typical cross, the best peer calculator's speed."""


def typical_path(catalog: Catalog) -> dict[str, object]:
    """What a person waits for: both morph strings parsed, crossed, as the JSON contract."""
    return cross(parse_genotype(catalog, TYPICAL[0]), parse_genotype(catalog, TYPICAL[1])).to_dict()


SEEN_BEFORE = ("Pastel", "Spider", "het Clown", "Pastel Spider", "Clown", "Enchi het Clown")
"""Morphs crossed with one another before the typical cross is first asked for: the genes it
names, in other combinations (what a running service has seen)."""


def typical_cross(catalog: Catalog, repeat: int) -> tuple[float, float, float, float]:
    """Best times in ms of :func:`typical_path` (as a running service does it: the catalog
    remembers blocks, names and parsed words of earlier crosses), of the same path on a copy
    of the catalog that has read morphs but never these parents (the first time they are
    seen), of the same path on a copy that has crossed the same genes in other combinations
    (:data:`SEEN_BEFORE`), and of the naive baseline for the same three genes (Punnett
    square and view)."""
    first = seen = float("inf")
    for _ in range(max(repeat // 10, 3)):
        fresh = dataclasses.replace(catalog)  # a new instance: nothing of the earlier runs
        parse_genotype(fresh, "Normal")  # its table of gene names, built once per catalog
        start = CLOCK()
        typical_path(fresh)
        first = min(first, CLOCK() - start)
        other = dataclasses.replace(catalog)
        for a, b in itertools.product(SEEN_BEFORE, repeat=2):
            cross(parse_genotype(other, a), parse_genotype(other, b)).to_dict()
        start = CLOCK()
        typical_path(other)
        seen = min(seen, CLOCK() - start)
    loci = [
        catalog.locate_allele(catalog.allele_by_name(g).id)[0]
        for g in ("Pastel", "Spider", "Clown")
    ]
    sire, dam = [(0, 1), (0, 1), (0, 1)], [(0, 1), (0, 0), (0, 1)]
    return (
        best_time(lambda: typical_path(catalog), repeat),
        first * 1000,
        seen * 1000,
        best_time(lambda: naive_view(catalog, loci, sire, dam), repeat),
    )


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
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer genes and repeats")
    parser.add_argument(
        "--naive-max", type=int, default=None, help="largest gene count for the real naive runs"
    )
    parser.add_argument("--wall", action="store_true", help="measure wall time instead of CPU time")
    args = parser.parse_args()
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter
    max_genes = 8 if args.quick else 12
    naive_max = args.naive_max if args.naive_max is not None else (8 if args.quick else 10)
    repeat = 3 if args.quick else 5

    bp = load_catalog("ball_python")
    recessive, incomplete = gene_names(bp)
    print("Genetics engine vs naive Punnett enumeration (ball python, het x het at every gene)")
    print(
        f"{'wall' if args.wall else 'CPU'} times in ms, best of up to {repeat} runs;"
        " view = cross(...).to_dict(), the JSON contract"
    )
    print("ratios: naive / table and naive view / inc. view (table below)")
    ten = parse_genotype(bp, " ".join(incomplete[:10]))
    groups = len(cross(ten, ten).outcomes())
    grouped = best_time(lambda: cross(ten, ten).outcomes(), 3)
    as_json = best_time(lambda: cross(ten, ten).to_dict(), 3)
    as_objects = best_time(lambda: list(cross(ten, ten).outcomes()), 3)
    print(
        f"10-gene incomplete dominant double het ({groups} groups): outcomes() {grouped:.1f} ms;"
        f" to_dict() {as_json:.1f} ms; every Outcome with its Fraction {as_objects:.1f} ms"
    )

    print(
        f"{'genes':>5} {'genotypes':>9} {'table':>8} {'rec. view':>10} {'inc. view':>10}"
        f" {'naive':>10} {'naive view':>11} {'table x':>8} {'view x':>7}"
    )
    naive_ms = naive_view_ms = 0.0
    for n in range(1, max_genes + 1):
        runs = repeat if n <= 8 else (2 if n <= 10 else 1)
        sire = parse_genotype(bp, " ".join(f"het {g}" for g in recessive[:n]))
        table_ms = best_time(lambda s=sire: cross(s, s).genotype_table(), repeat)
        genotypes = len(cross(sire, sire).genotype_table())
        rec_ms = best_time(lambda s=sire: cross(s, s).to_dict(), runs)
        inc = parse_genotype(bp, " ".join(incomplete[:n]))
        inc_ms = best_time(lambda g=inc: cross(g, g).to_dict(), runs)
        if n <= naive_max:
            het = [(0, 1)] * n
            loci = [bp.locate_allele(bp.allele_by_name(g).id)[0] for g in incomplete[:n]]
            naive_ms = best_time(lambda h=het: naive_punnett(h, h), 1 if n >= 9 else repeat)
            naive_view_ms = best_time(
                lambda h=het, li=loci: naive_view(bp, li, h, h), 1 if n >= 9 else repeat
            )
            note = ""
        else:
            naive_ms *= 4
            naive_view_ms *= 4
            note = "  (naive extrapolated x4/gene)"
        print(
            f"{n:>5} {genotypes:>9} {table_ms:>8.3f} {rec_ms:>10.3f} {inc_ms:>10.1f}"
            f" {naive_ms:>10.1f} {naive_view_ms:>11.1f} {naive_ms / table_ms:>7.0f}x"
            f" {naive_view_ms / inc_ms:>6.0f}x{note}"
        )

    typical_ms, first_ms, seen_ms, naive_typical_ms = typical_cross(bp, 20 if args.quick else 200)
    verdict = "met" if typical_ms < TYPICAL_TARGET_MS else "NOT met"
    print(
        f"typical 3-gene cross from two morph strings ({TYPICAL[0]} x {TYPICAL[1]}): parse both,"
        f" cross, to_dict {typical_ms:.3f} ms (a new pairing of genes seen before:"
        f" {seen_ms:.3f} ms; nothing seen before: {first_ms:.3f} ms);"
        f" naive Punnett + view of the 3 genes {naive_typical_ms:.3f} ms;"
        f" ratio {naive_typical_ms / typical_ms:.1f}x;"
        f" target {TYPICAL_TARGET_MS} ms: {verdict}"
    )

    sire6 = parse_genotype(bp, "Pastel Enchi Spider het Clown 66% het Pied ph Orange Ghost")
    dam6 = parse_genotype(bp, "Pastel Yellowbelly het Clown het Pied 50% het Albino")
    realistic = best_time(lambda: cross(sire6, dam6).to_dict(), 20 if not args.quick else 3)
    # The naive enumerator has no possible hets: it must be run once per possible parent
    # genotype combination (2 x 2 x 2 = 8 here) and the results mixed.
    loci_s = [(0, 1), (0, 1), (0, 1), (0, 1), (0, 1), (0, 0), (0, 1), (0, 0)]
    loci_d = [(0, 1), (0, 0), (0, 0), (0, 1), (0, 1), (0, 1), (0, 0), (0, 1)]
    naive6 = 8 * best_time(lambda: naive_punnett(loci_s, loci_d), 3)
    groups6 = len(cross(sire6, dam6).outcomes())
    print(
        f"realistic 6-gene cross with possible hets ({groups6} groups), to_dict: {realistic:.3f} ms;"
        f" naive genotypes only (8 parent combinations x 8 loci) {naive6:.1f} ms;"
        f" ratio {naive6 / realistic:.0f}x"
    )

    # Bounded answers (the public API's `top` and clutch odds): the most likely groups of a
    # large cross without making the others, against the full view of the same cross.
    big = parse_genotype(bp, " ".join(incomplete[:10]))
    full_ms = best_time(lambda: cross(big, big).to_dict(), 1)
    top_ms = best_time(
        lambda: cross(big, big).most_likely(100).to_dicts(), 5 if not args.quick else 2
    )
    print(
        f"the 100 most likely of {cross(big, big).outcome_count:,} groups (10 genes): "
        f"{top_ms:.2f} ms; the full view {full_ms:.0f} ms; ratio {full_ms / top_ms:.0f}x"
    )
    clutch_sire = parse_genotype(bp, "Pastel Spider 50% het Clown")
    clutch_dam = parse_genotype(bp, "Pastel het Clown")
    outcomes = cross(clutch_sire, clutch_dam).outcomes()
    at_once_ms = best_time(
        lambda: clutch_odds(clutch_sire, clutch_dam, 6), 20 if not args.quick else 3
    )
    one_by_one_ms = best_time(
        lambda: [
            clutch_probability(clutch_sire, clutch_dam, shows(outcome.phenotype), 6)
            for outcome in outcomes
        ],
        3,
    )
    print(
        f"clutch odds of 6 eggs for all {len(outcomes)} groups (a possible-het sire): "
        f"{at_once_ms:.2f} ms at once; {one_by_one_ms:.1f} ms group by group; "
        f"ratio {one_by_one_ms / at_once_ms:.0f}x"
    )


if __name__ == "__main__":
    main()
