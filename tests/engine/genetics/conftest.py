"""Every genetics test starts from catalogs that remember nothing of earlier tests.

Catalogs keep memos of the morphs and crosses they have seen (see
:func:`reptidex.engine.genetics.parsing.catalog_memo`). A test must see the engine compute what
it checks, not read it back from a test that ran before (nor from the run mutation testing
forks its test processes from), so the memos of every catalog a test can reach without making
one (the built-in catalogs, and catalogs held by test modules) are emptied before each test.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reptidex.engine.genetics import Catalog, available_species, load_catalog
from reptidex.engine.genetics.parsing import forget_memos

TESTS = str(Path(__file__).resolve().parents[2])


def reachable_catalogs() -> Iterator[Catalog]:
    """The built-in catalogs and every catalog a loaded test module holds in a global."""
    for species in available_species():
        yield load_catalog(species)
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.startswith(TESTS):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, Catalog):
                yield value


@pytest.fixture(autouse=True)
def catalogs_remember_nothing_yet() -> None:
    for catalog in reachable_catalogs():
        forget_memos(catalog)
