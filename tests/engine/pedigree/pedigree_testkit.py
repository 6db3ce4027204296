"""Helpers shared by the pedigree engine tests: classic pedigrees and random ones."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from unittest.mock import ANY

import numpy as np

from reptidex.engine.pedigree import Animal, Pedigree, Sex, read_csv

GENEA140 = Path(__file__).resolve().parents[2] / "data" / "genea140.csv"
"""The real genea140 genealogy, kept in the repository with its licence (tests/data/)."""


def read_genea140() -> Pedigree:
    """The real genea140 genealogy (41,523 individuals, tests/data/genea140.csv)."""
    return read_csv(GENEA140)


def random_records(seed: int, n: int, founders: int = 8, unknown: float = 0.1) -> list[Animal]:
    """A random pedigree of ``n`` animals with realistic loops (small population)."""
    rng = np.random.default_rng(seed)
    records: list[Animal] = []
    males: list[str] = []
    females: list[str] = []
    for i in range(n):
        ident = f"a{i}"
        male = bool(rng.integers(2))
        sire = dam = None
        if i >= founders:
            window = 30  # recent animals only, so that relatives mate
            if males and rng.random() > unknown:
                sire = males[int(rng.integers(max(0, len(males) - window), len(males)))]
            if females and rng.random() > unknown:
                dam = females[int(rng.integers(max(0, len(females) - window), len(females)))]
        records.append(Animal(ident, sire, dam, Sex.MALE if male else Sex.FEMALE))
        (males if male else females).append(ident)
    return records


def full_sib_series(generations: int) -> Pedigree:
    """Repeated full-sib mating: s_g and d_g are offspring of s_{g-1} x d_{g-1}."""
    rows = [Animal("s0", sex=Sex.MALE), Animal("d0", sex=Sex.FEMALE)]
    for g in range(1, generations + 1):
        rows.append(Animal(f"s{g}", f"s{g - 1}", f"d{g - 1}", Sex.MALE))
        rows.append(Animal(f"d{g}", f"s{g - 1}", f"d{g - 1}", Sex.FEMALE))
    return Pedigree(rows)


def mrode() -> Pedigree:
    """Mrode (2005), Linear Models for the Prediction of Animal Breeding Values, ch. 2."""
    return Pedigree(
        [
            Animal("1"),
            Animal("2"),
            Animal("3", "1", "2"),
            Animal("4", "1", None),
            Animal("5", "4", "3"),
            Animal("6", "5", "2"),
        ]
    )


UNDER_MUTMUT = "MUTANT_UNDER_TEST" in os.environ
"""mutmut puts trampolines (frames of its own module) between a warning and its caller, so
where a warning points is checked only outside it; the mutants of that rule are killed by
the same tests in the ordinary run."""


def warned_at(caught: list[warnings.WarningMessage]) -> list[tuple[type[Warning], str, int]]:
    """Category, file and line of each warning caught (file and line match anything under
    mutmut: see :data:`UNDER_MUTMUT`)."""
    if UNDER_MUTMUT:
        return [(w.category, ANY, ANY) for w in caught]
    return [(w.category, w.filename, w.lineno) for w in caught]
