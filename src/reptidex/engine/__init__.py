"""ReptiDex's engine: the rules of reptile genetics and pedigrees, as a plain Python library.

Three parts, each imported when first used (so that a program needing one does not pay for the
others' imports):

- :mod:`reptidex.engine.genetics`: species catalogs of genes, morph names read and written as
  breeders write them, exact Punnett crosses (probabilities as fractions), possible hets and
  proving them out, clutch odds, pairing plans.
- :mod:`reptidex.engine.pedigree`: pedigrees of any depth, ancestry and descendants, inbreeding
  and kinship (Meuwissen & Luo; Colleau), founder statistics, readers of common layouts.
- :mod:`reptidex.engine.carriers`: het odds from the whole pedigree: every animal's exact
  posterior genotype distribution at a locus given every relative's records (peeling and a
  junction tree: Elston & Stewart; Cannings, Thompson & Skolnick; Lauritzen & Spiegelhalter),
  contradictions named, explanations, a test-breeding planner.

The engine does no I/O beyond reading what it is given and holds no global state besides the
memoised built-in catalogs, which are immutable.

Examples
--------
>>> import reptidex.engine as engine
>>> bp = engine.genetics.load_catalog("ball_python")
>>> [o.phenotype for o in engine.genetics.cross_morphs(bp, "Pastel", "Normal").outcomes()]
['Normal', 'Pastel']
>>> ped = engine.pedigree.Pedigree(
...     [engine.pedigree.Animal("S"), engine.pedigree.Animal("D"),
...      engine.pedigree.Animal("K", "S", "D")]
... )
>>> engine.pedigree.kinship(ped, "S", "K")
0.25
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["carriers", "genetics", "pedigree"]


def __getattr__(name: str) -> ModuleType:
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
