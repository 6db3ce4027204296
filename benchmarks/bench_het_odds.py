"""Benchmark of the het-odds engine: every animal's posterior at 5 recessive genes, and an
update after one new clutch.

Run ``python benchmarks/bench_het_odds.py`` (``./dev bench het_odds``; add ``--quick`` for a
small smoke run, ``--animals N`` for another size).

The simulated collection is shaped like a breeder's (50 seasons, about 15 generations deep):
lines kept over the years, each with
its own breeding stock; every season each female is paired with a male of her line (the same
male as last season more often than not: repeat pairings; sometimes her father or a
half-brother: holdbacks paired back), now and then with a male of another line (an outcross);
clutches of about 7; one hatchling in a few held back to replace breeders that retire after
some seasons, every other hatchling sold (a leaf of the pedigree). Genotypes at 5 recessive
genes are dropped through the pedigree from founders carrying each at a frequency of 10 %
to 25 %, and a third of the animals (chosen at random per gene) have their look recorded
(visual or normal-looking); a few founders have a breeder-entered "het" or "50% het".

Figures, each timed best of a few runs:

- all posteriors for all 5 genes (float inputs, the platform's path): the structure
  (elimination order and junction tree) built from the pedigree, then the numbers for the 5
  genes as one batch;
- an update after one new clutch of a repeat pairing (:meth:`CarrierModel.add_clutch`: the
  structure reused, messages collected again along one path, then distributed);
- the baseline: brute-force enumeration of every joint genotype assignment
  (:func:`brute_force_het_odds`), on sub-pedigrees small enough for it to finish (the
  animals of a family of the collection: a pair with many clutches, their ancestors and
  hatchlings, with their records), against the exact engine on the same
  input, float and exact (Fractions); the two must agree;
- the stated approximation (Gibbs sampling) against the exact engine where that finishes,
  and on the collection with more crosses between lines, where exact inference refuses.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from fractions import Fraction
from functools import partial
from typing import Any

import numpy as np

from reptidex.engine.carriers import (
    CarrierModel,
    ContradictionError,
    Evidence,
    Observation,
    brute_force_het_odds,
    carrier_locus,
    explain,
    het_odds,
    het_odds_many,
    plan_test_breeding,
)
from reptidex.engine.carriers.factors import row_inputs
from reptidex.engine.carriers.gibbs import MAX_R_HAT, GibbsEstimate, gibbs
from reptidex.engine.carriers.inference import MAX_CLIQUE_STATES
from reptidex.engine.carriers.junction import plan as make_plan
from reptidex.engine.carriers.montecarlo import monte_carlo
from reptidex.engine.genetics import load_catalog
from reptidex.engine.pedigree import Animal, Pedigree

GENES = ("Clown", "Piebald", "Lavender Albino", "Desert Ghost", "Axanthic (VPI)")


def simulate(
    target: int,
    seasons: int = 50,
    lines: int = 12,
    seed: int = 11,
    keep_mate: float = 0.85,
    outcross: float = 0.01,
    holdback: float = 0.06,
) -> tuple[Pedigree, list[bool]]:
    """A breeder's collection of ``target`` animals over ``seasons`` seasons, and which
    animals are male."""
    rng = np.random.default_rng(seed)
    per_season = target / seasons
    females_per_line = max(2, round(per_season / 7.5 / lines))
    males_per_line = max(1, round(females_per_line / 4))
    sire: list[int] = []
    dam: list[int] = []
    male: list[bool] = []

    def add(s: int, d: int, is_male: bool) -> int:
        sire.append(s)
        dam.append(d)
        male.append(is_male)
        return len(sire) - 1

    def career() -> int:
        return int(rng.integers(2, 6))

    # breeding stock per line: [animal, seasons left]
    stock_f: list[list[list[int]]] = []
    stock_m: list[list[list[int]]] = []
    for _ in range(lines):
        stock_f.append([[add(-1, -1, False), career()] for _ in range(females_per_line)])
        stock_m.append([[add(-1, -1, True), career()] for _ in range(males_per_line)])
    last_mate: dict[int, int] = {}
    waiting: list[tuple[int, int, bool, int]] = []  # holdbacks: (animal, line, male, ready)
    season = 0
    while len(sire) < target and season < 4 * seasons:
        season += 1
        for line in range(lines):
            males = [m[0] for m in stock_m[line]]
            for entry in stock_f[line]:
                female = entry[0]
                if rng.random() < outcross and lines > 1:
                    other = int(rng.integers(lines - 1))
                    other += other >= line
                    mate = stock_m[other][int(rng.integers(len(stock_m[other])))][0]
                elif last_mate.get(female) in males and rng.random() < keep_mate:
                    mate = last_mate[female]  # a repeat pairing
                else:
                    mate = males[int(rng.integers(len(males)))]
                last_mate[female] = mate
                for _ in range(int(rng.poisson(6.5)) + 1):
                    if len(sire) >= target:
                        break
                    kid = add(mate, female, bool(rng.random() < 0.5))
                    if rng.random() < holdback:
                        waiting.append((kid, line, male[kid], season + 1))
            # breeders retire; holdbacks that are ready take their places (paired back
            # to their parents or half-siblings of the line), else one is bought in
            for stock in (stock_f[line], stock_m[line]):
                for entry in stock:
                    entry[1] -= 1
            ready = [w for w in waiting if w[1] == line and w[3] <= season]
            for stock, is_male in ((stock_f[line], False), (stock_m[line], True)):
                keep = [e for e in stock if e[1] > 0]
                new = [w for w in ready if w[2] == is_male]
                want = females_per_line if not is_male else males_per_line
                while len(keep) < want and new:
                    animal = new.pop()[0]
                    keep.append([animal, career()])
                    waiting.remove(next(w for w in waiting if w[0] == animal))
                while len(keep) < want:
                    keep.append([add(-1, -1, is_male), career()])
                stock[:] = keep
    ped = Pedigree.from_parent_indices(sire, dam)
    order = [int(x) for x in ped.ids]
    return ped, [male[i] for i in order]


def drop_genes(ped: Pedigree, genes: int, seed: int) -> np.ndarray[Any, Any]:
    """True genotypes (0, 1, 2 copies) per gene and animal, dropped from the founders."""
    rng = np.random.default_rng(seed)
    n = len(ped)
    out = np.zeros((genes, n), dtype=np.int64)
    sire, dam = ped.sire, ped.dam
    for g in range(genes):
        q = 0.05 + 0.1 * g / max(1, genes - 1)
        for i in range(n):
            s, d = int(sire[i]), int(dam[i])
            a = int(rng.random() < q) if s < 0 else int(rng.random() < out[g, s] / 2)
            b = int(rng.random() < q) if d < 0 else int(rng.random() < out[g, d] / 2)
            out[g, i] = a + b
    return out


def evidences(
    ped: Pedigree, truth: np.ndarray[Any, Any], seed: int, exact: bool = False
) -> list[Evidence]:
    """A third of the animals' looks recorded per gene; a few founders entered as het."""
    rng = np.random.default_rng(seed)
    bp = load_catalog("ball_python")
    out = []
    founders = np.flatnonzero((ped.sire < 0) & (ped.dam < 0))
    for g, gene in enumerate(GENES[: truth.shape[0]]):
        locus = carrier_locus(bp, gene)
        visual = locus.shows(gene)
        normal = locus.shows("Normal")
        observed: dict[str, Observation] = {}
        for i in np.flatnonzero(rng.random(len(ped)) < 1 / 3).tolist():
            observed[ped.ids[i]] = visual if truth[g, i] == 2 else normal
        priors = {}
        for i in founders.tolist():
            if truth[g, i] == 1 and rng.random() < 0.3 and ped.ids[i] not in observed:
                priors[ped.ids[i]] = locus.prior({"het " + gene: 1 if exact else 1.0})
            elif truth[g, i] <= 1 and rng.random() < 0.1 and ped.ids[i] not in observed:
                half = Fraction(1, 2) if exact else 0.5
                priors[ped.ids[i]] = locus.prior({"Normal": half, "het " + gene: half})
        frequency: Fraction | float = Fraction(1, 10) if exact else 0.1
        out.append(Evidence.build(locus, observed, priors, frequency))
    return out


def best(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """(best seconds of ``repeat`` runs, the last result)."""
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small collection, fewer repeats")
    parser.add_argument("--animals", type=int, default=None, help="collection size")
    args = parser.parse_args()
    animals = args.animals or (1000 if args.quick else 10_000)
    repeat = 2 if args.quick else 5
    print(
        f"Het odds: a simulated collection of {animals:,} animals over 50 seasons, 5 genes",
        flush=True,
    )
    ped, _ = simulate(animals)
    truth = drop_genes(ped, len(GENES), seed=3)
    data = evidences(ped, truth, seed=5)
    has_kids = np.zeros(len(ped), dtype=bool)
    has_kids[ped.sire[ped.sire >= 0]] = True
    has_kids[ped.dam[ped.dam >= 0]] = True
    print(
        f"  {len(ped):,} animals, depth {int(ped.depth.max())}, breeders {int(has_kids.sum()):,}, "
        f"leaves {int((~has_kids).sum()):,}, records per gene "
        f"{', '.join(str(len(e.observations)) for e in data)}",
        flush=True,
    )
    seconds, model = best(lambda: CarrierModel(ped, data), repeat)
    plan = model.plan
    print(
        f"  junction tree: {len(plan.cliques):,} cliques, largest {plan.largest_clique} animals "
        f"({plan.states(3):,} joint genotypes)",
        flush=True,
    )
    target = "met" if seconds < 1 else "NOT met"
    print(
        f"all posteriors, 5 genes          {seconds * 1000:9.1f} ms   (target < 1000 ms: {target})",
        flush=True,
    )
    structure_s, _ = best(lambda: make_plan(ped), repeat)
    print(f"  of which the structure         {structure_s * 1000:9.1f} ms", flush=True)
    # a new clutch of a repeat pairing (a family of leaves that already exists) in the largest
    # tree of the junction forest, the update's worst case
    sizes = np.bincount(np.asarray(plan.root))
    in_largest = np.asarray(plan.root)[plan.family_clique] == int(np.argmax(sizes))
    leaves_per_family = np.bincount(plan.leaf_family, minlength=len(plan.family_sire))
    family = int(np.argmax(np.where(in_largest, leaves_per_family, -1)))
    trees = ", ".join(f"{int(x)}" for x in sorted(sizes[sizes > 0], reverse=True))
    s, d = int(plan.family_sire[family]), int(plan.family_dam[family])
    kids = [Animal(f"new{k}", ped.ids[s], ped.ids[d]) for k in range(7)]
    bigger = ped.extend(kids)
    new_truth = [int(x) for x in truth[0, [s, d]]]
    seen = [
        {kid.id: e.locus.shows("Normal") for kid in kids} if k or 2 not in new_truth else {}
        for k, e in enumerate(data)
    ]
    update_s, updated = best(lambda: model.add_clutch(bigger, seen), repeat)
    assert updated.reused
    print(
        f"  junction forest: trees of {trees} cliques; the clutch's tree is the largest", flush=True
    )
    target = "met" if update_s < 0.05 else "NOT met"
    print(
        f"update after one new clutch (7)  {update_s * 1000:9.1f} ms   (target < 50 ms: {target})",
        flush=True,
    )
    again = het_odds_many(bigger, updated.evidences)
    worst = max(
        abs(float(updated.analyses[g][a].carrier) - float(again[g][a].carrier))
        for g in range(len(data))
        for a in bigger.ids
    )
    print(f"  same as computing again: max |difference| {worst:.1e}", flush=True)
    full_s, _ = best(lambda: het_odds_many(bigger, updated.evidences), max(1, repeat // 2))
    print(
        f"  computing again instead        {full_s * 1000:9.1f} ms   (x{full_s / update_s:,.0f})",
        flush=True,
    )
    on_demand(ped, data, model, repeat)
    print(
        "baseline: brute-force enumeration, one gene, a family block of the collection", flush=True
    )
    for size in (6, 8, 10) if not args.quick else (6, 8):
        sub, rows = family_block(ped, size)
        for exact in (False, True):
            ev = evidences(sub, truth[:1, rows], seed=5, exact=exact)[0]
            brute_s, reference = best(partial(brute_force_het_odds, sub, ev), 1)
            fast_s, fast = best(partial(het_odds, sub, ev), 3)
            agree = all(
                abs(float(fast[a].carrier) - float(reference[a].carrier)) < 1e-9 for a in sub.ids
            )
            kind = "Fractions" if exact else "floats"
            print(
                f"  {size:3d} animals, {kind:<9} brute force {brute_s * 1000:9.1f} ms   "
                f"exact engine {fast_s * 1000:7.2f} ms   speed-up x{brute_s / fast_s:,.0f}"
                f"   agree: {agree}",
                flush=True,
            )
    print(
        "the structure decides the cost: the same collection, more crosses between lines",
        flush=True,
    )
    harder_structure(animals)
    sampled(animals, 1000 if args.quick else 2000)


def verdict(estimate: GibbsEstimate, row: int) -> str:
    """Whether :func:`het_odds` would give the row's estimate or refuse it."""
    least = float(estimate.effective_samples[row].min())
    return "accepted" if estimate.r_hat[row] <= MAX_R_HAT and least >= 100 else "refused"


def sampled(animals: int, samples: int) -> None:
    """The stated approximation, Gibbs sampling (4 chains of ``samples`` sweeps, 5 genes as
    one batch): against the exact engine on a collection it can compute (its error against
    its own standard errors, and its time), then on the collection exact inference refuses,
    against likelihood weighting's effective sample size there."""
    print(f"the approximation: Gibbs sampling, 4 chains of {samples:,} sweeps", flush=True)
    size = min(animals, 2000)
    ped, _ = simulate(size)
    data = evidences(ped, drop_genes(ped, len(GENES), seed=3), seed=5)
    exact_s, exact = best(partial(het_odds_many, ped, data), 1)
    start = time.perf_counter()
    estimate = gibbs(ped, row_inputs(ped, data, exact=False), samples=samples, chains=4, seed=0)
    gibbs_s = time.perf_counter() - start
    truth = np.stack([1 - np.asarray(a.posterior[:, 0], dtype=float) for a in exact])
    error = np.abs(truth - (1 - estimate.posterior[:, :, 0]))
    print(
        f"  {len(ped):,} animals, 1 % across lines: exact {exact_s * 1000:.0f} ms, Gibbs "
        f"{gibbs_s * 1000:.0f} ms (x{gibbs_s / exact_s:,.0f} slower)",
        flush=True,
    )
    for g, gene in enumerate(GENES):
        within = (error[g] <= 4 * estimate.standard_errors[g] + 1e-9).mean()
        print(
            f"    {gene:<16} R-hat {estimate.r_hat[g]:6.3f} ({verdict(estimate, g)}): max |error| "
            f"{error[g].max():.3f}, {within:.1%} of animals within 4 standard errors",
            flush=True,
        )
    ped, _ = simulate(animals, outcross=0.05)
    data = evidences(ped, drop_genes(ped, len(GENES), seed=3), seed=5)
    inputs = row_inputs(ped, data, exact=False)
    start = time.perf_counter()
    estimate = gibbs(ped, inputs, samples=samples, chains=4, seed=0)
    gibbs_s = time.perf_counter() - start
    weighted = [
        monte_carlo(ped, row_inputs(ped, [e], exact=False), samples=samples, seed=0)[3][0]
        for e in data[:1]
    ]
    for g, gene in enumerate(GENES):
        least = float(estimate.effective_samples[g].min())
        print(
            f"  {len(ped):,} animals, 5 % across lines, {gene:<16} R-hat "
            f"{estimate.r_hat[g]:6.3f}, least effective samples {least:8,.0f}: "
            f"{verdict(estimate, g)}",
            flush=True,
        )
    print(
        f"  all 5 genes sampled in {gibbs_s:.1f} s; likelihood weighting with "
        f"{samples:,} draws reaches {weighted[0]:.1f} effective samples ({GENES[0]})",
        flush=True,
    )


def on_demand(ped: Pedigree, data: list[Evidence], model: CarrierModel, repeat: int) -> None:
    """What an animal page asks for, one gene on the whole collection: the explanation of
    one animal, a test-breeding plan, and a planted contradiction found and named."""
    clown = data[0]
    odds = model.analyses[0]
    sires = set(ped.sire[ped.sire >= 0].tolist())
    carriers = odds.carrier_probabilities()
    # the sire whose status is least settled
    animal = min(
        (a for a in carriers if ped.index(a) in sires), key=lambda a: abs(carriers[a] - 0.5)
    )
    seconds, reasons = best(lambda: explain(ped, clown, animal), max(1, repeat // 2))
    print(
        f"explanation of one animal         {seconds * 1000:9.1f} ms   ({len(reasons)} reasons; "
        f"first: {reasons[0].text if reasons else 'none'})",
        flush=True,
    )
    females = [ped.ids[i] for i in np.unique(ped.dam[ped.dam >= 0]).tolist()][:200]
    seconds, ranked = best(
        lambda: plan_test_breeding(ped, clown, animal, eggs=6, candidates=females),
        max(1, repeat // 2),
    )
    print(
        f"test-breeding plan, 200 females   {seconds * 1000:9.1f} ms   (best mate settles with "
        f"{float(ranked[0].settles):.0%})",
        flush=True,
    )
    # a visual Clown hatchling recorded under a sire lab-tested as not carrying
    kid = next(
        i for i in range(len(ped)) if int(ped.sire[i]) >= 0 and ped.ids[i] in clown.observations
    )
    sire = ped.ids[int(ped.sire[kid])]
    wrong = clown.with_observations(
        {
            ped.ids[kid]: clown.locus.shows("Clown"),
            sire: clown.locus.genotype_is("Normal", "lab-tested: no Clown"),
        }
    )
    start = time.perf_counter()
    try:
        het_odds(ped, wrong)
    except ContradictionError as error:
        seconds = time.perf_counter() - start
        print(
            f"a planted contradiction named     {seconds * 1000:9.1f} ms   "
            f"({len(clown.observations):,} records; named: {'; '.join(f'{a}: {w}' for a, w in error.records)})",
            flush=True,
        )


def harder_structure(animals: int) -> None:
    """The same collection with more pairings across lines: the largest clique, and whether
    exact inference refuses."""
    for outcross in (0.02, 0.05):
        ped, _ = simulate(animals, outcross=outcross)
        structure = make_plan(ped)
        states = structure.states(3)
        verdict = "refused (TooComplexError)"
        if states <= MAX_CLIQUE_STATES:
            data = evidences(ped, drop_genes(ped, len(GENES), seed=3), seed=5)
            seconds, _ = best(partial(CarrierModel, ped, data), 1)
            verdict = f"exact, all posteriors for 5 genes in {seconds * 1000:.0f} ms"
        print(
            f"  {outcross:.0%} of pairings across lines: largest clique "
            f"{structure.largest_clique} animals ({states:,} joint genotypes): {verdict}",
            flush=True,
        )


def family_block(ped: Pedigree, size: int) -> tuple[Pedigree, list[int]]:
    """``size`` related animals of the collection: a pair with the most clutches, their
    parents and grandparents, and their hatchlings (links outside the block dropped), and the
    block's animals' positions in the collection."""
    sire, dam = ped.sire, ped.dam
    both = (sire >= 0) & (dam >= 0)
    pairs, counts = np.unique(np.stack([sire[both], dam[both]], axis=1), axis=0, return_counts=True)
    # a pair whose sire has recorded parents: the block then has a loop or two
    ranked = sorted(
        range(len(pairs)), key=lambda k: (-int(sire[pairs[k][0]] >= 0), -int(counts[k]))
    )
    s, d = (int(x) for x in pairs[ranked[0]])
    chosen: list[int] = []
    frontier = [s, d]
    while frontier and len(chosen) < size - 2:
        animal = frontier.pop(0)
        if animal not in chosen:
            chosen.append(animal)
            frontier.extend(int(p) for p in (sire[animal], dam[animal]) if p >= 0)
    kids = np.flatnonzero((sire == s) & (dam == d)).tolist()
    chosen += [k for k in kids if k not in chosen][: size - len(chosen)]
    chosen.sort()
    inside = set(chosen)
    records = [
        Animal(
            ped.ids[i],
            ped.ids[int(sire[i])] if int(sire[i]) in inside else None,
            ped.ids[int(dam[i])] if int(dam[i]) in inside else None,
        )
        for i in chosen
    ]
    block = Pedigree(records)
    return block, [ped.index(a) for a in block.ids]


if __name__ == "__main__":
    main()
