"""The real genea140 genealogy (41,523 individuals, 17 generations): read it, compute every F."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pedigree_testkit
import pytest
from pedigree_testkit import read_genea140

from reptidex.engine.pedigree import (
    Pedigree,
    inbreeding,
    kinship_matrix,
    tabular_kinship_matrix,
)


@pytest.fixture(scope="module")
def genea140() -> Pedigree:
    return read_genea140()


def test_the_data_file_is_in_the_repository_with_its_licence() -> None:
    data = Path(__file__).resolve().parents[2] / "data"
    assert data / "genea140.csv" == pedigree_testkit.GENEA140
    assert (data / "genea140.LICENSE").read_text().startswith("MIT License")
    assert "genea140.LICENSE" in (data / "README.md").read_text()


def ancestors_of(ped: Pedigree, ident: str) -> Pedigree:
    seen = {ident}
    stack = [ident]
    while stack:
        for parent in ped.parents(stack.pop()):
            if parent is not None and parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return Pedigree(ped.animal(x) for x in ped.ids if x in seen)


def test_every_inbreeding_coefficient(genea140: Pedigree) -> None:
    assert len(genea140) == 41_523
    assert int(genea140.depth.max()) >= 16
    f = inbreeding(genea140).array
    assert f.shape == (41_523,)
    assert np.all(f >= 0)
    assert np.all(f < 1)
    founders = (genea140.sire < 0) & (genea140.dam < 0)
    assert np.all(f[founders] == 0)
    # a large, old founder population: inbreeding is present but low on average
    assert 0.0005 < f.mean() < 0.05
    assert np.count_nonzero(f > 0) > 1000
    assert f.max() < 0.5


def test_agrees_with_tabular_method_on_proband_ancestries(genea140: Pedigree) -> None:
    table = inbreeding(genea140)
    starts, _ = genea140.children_index()
    probands = [genea140.ids[i] for i in np.flatnonzero(np.diff(starts) == 0).tolist()]
    subs = sorted((ancestors_of(genea140, p) for p in probands), key=len)
    # a small, a middling and a deep ancestry (thousands of ancestors, many loops)
    checked = 0
    for sub in (subs[len(subs) // 4], subs[len(subs) // 2], subs[-30]):
        tab = tabular_kinship_matrix(sub)
        expected = 2 * np.diag(tab) - 1
        got = np.array([table[x] for x in sub.ids])
        np.testing.assert_allclose(got, expected, atol=1e-12)
        checked += int(np.count_nonzero(expected > 0))
    assert checked > 100


def test_kinship_matrix_of_probands(genea140: Pedigree) -> None:
    starts, _ = genea140.children_index()
    childless = np.flatnonzero(np.diff(starts) == 0)
    probands = [genea140.ids[i] for i in childless.tolist()]
    assert len(probands) == 140
    table = inbreeding(genea140)
    matrix = kinship_matrix(genea140, probands, inbreeding=table)
    np.testing.assert_allclose(matrix, matrix.T, atol=1e-14)
    np.testing.assert_allclose(np.diag(matrix), [(1 + table[p]) / 2 for p in probands], atol=1e-12)
    # the same numbers without precomputed inbreeding
    np.testing.assert_allclose(kinship_matrix(genea140, probands[:10]), matrix[:10, :10])
