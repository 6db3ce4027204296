"""The pytest plugin of the kit (entry point ``reptidex``): Hypothesis profiles and fixtures.

Loaded by pytest in any project where ReptiDex is installed; the engine is imported only by a
test that asks for a fixture. Without Hypothesis (the ``testing`` extra) it offers the
fixtures only.

Fixtures
--------
``reptidex_species``
    The ids of the built-in species catalogs.
``reptidex_each_catalog``
    Each built-in species catalog in turn: a test that asks for it runs once per species
    (``test_rule[ball_python]``, ``test_rule[corn_snake]``, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from reptidex.engine.genetics import Catalog

try:
    from reptidex.testing.profiles import register_profiles
except ImportError:  # Hypothesis is not installed: no profiles to offer
    pass
else:
    # before Hypothesis's own plugin reads --hypothesis-profile at configure time
    register_profiles()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run a test that asks for ``reptidex_each_catalog`` once per built-in species."""
    if "reptidex_each_catalog" in metafunc.fixturenames:
        from reptidex.engine.genetics import available_species

        species = available_species()
        metafunc.parametrize("reptidex_each_catalog", species, ids=species, indirect=True)


@pytest.fixture(scope="session")
def reptidex_species() -> tuple[str, ...]:
    """The ids of the built-in species catalogs."""
    from reptidex.engine.genetics import available_species

    return available_species()


@pytest.fixture
def reptidex_each_catalog(request: pytest.FixtureRequest) -> Catalog:
    """One built-in species catalog; the test runs once per species."""
    from reptidex.engine.genetics import load_catalog

    return load_catalog(str(request.param))
