"""A property-testing kit for projects that check rules of genetics and pedigrees with ReptiDex.

Hypothesis strategies that draw what the engine takes (species, genotypes valid for a species,
parent pairs, morph names, valid pedigrees with or without inbreeding), and a pytest plugin
(loaded by pytest when the package is installed) with fixtures and Hypothesis profiles
``ci`` and ``thorough`` (``pytest --hypothesis-profile=ci``). Install with the extra:
``pip install "reptidex[testing]"``. ``docs/testing.md`` has a worked example.

Examples
--------
>>> from hypothesis import given
>>> from reptidex.engine.genetics import cross
>>> from reptidex.testing import parent_pairs
>>> @given(parent_pairs(certain=True))
... def test_every_outcome_is_possible(pair):
...     assert all(o.probability > 0 for o in cross(*pair).outcomes())
>>> test_every_outcome_is_possible()
"""

from __future__ import annotations

try:
    import hypothesis as _hypothesis  # noqa: F401
except ImportError as missing:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        'reptidex.testing needs Hypothesis: pip install "reptidex[testing]"'
    ) from missing

from reptidex.testing.genetics import (
    autosomal_loci,
    catalogs,
    diplotypes,
    genotypes,
    morphs,
    parent_pairs,
    sex_linked_loci,
    species_ids,
)
from reptidex.testing.pedigrees import pedigrees
from reptidex.testing.profiles import PROFILES, register_profiles

__all__ = [
    "PROFILES",
    "autosomal_loci",
    "catalogs",
    "diplotypes",
    "genotypes",
    "morphs",
    "parent_pairs",
    "pedigrees",
    "register_profiles",
    "sex_linked_loci",
    "species_ids",
]
