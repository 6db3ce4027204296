"""Hypothesis properties of inbreeding, kinship and the relationship matrix."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pedigree_testkit import random_records

from reptidex.engine.pedigree import (
    Animal,
    Pedigree,
    Sex,
    inbreeding,
    kinship,
    kinship_matrix,
    relationship_matrix,
    relationship_matrix_inverse,
    tabular_kinship_matrix,
    update_inbreeding,
)

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(min_value=0, max_value=2**32 - 1)


@SETTINGS
@given(seed=seeds, n=st.integers(min_value=1, max_value=300))
def test_fast_algorithm_equals_tabular_method(seed: int, n: int) -> None:
    ped = Pedigree(random_records(seed, n))
    table = tabular_kinship_matrix(ped)
    f = inbreeding(ped).array
    sire, dam = ped.sire, ped.dam
    both = (sire >= 0) & (dam >= 0)
    expected = np.where(both, table[np.maximum(sire, 0), np.maximum(dam, 0)], 0.0)
    np.testing.assert_allclose(f, expected, atol=1e-12)
    np.testing.assert_allclose(np.diag(table), (1 + f) / 2, atol=1e-12)


@SETTINGS
@given(seed=seeds, n=st.integers(min_value=1, max_value=200))
def test_inbreeding_bounds_and_founders(seed: int, n: int) -> None:
    ped = Pedigree(random_records(seed, n, unknown=0.05))
    f = inbreeding(ped).array
    assert np.all(f >= 0)
    assert np.all(f < 1)
    founders = (ped.sire < 0) & (ped.dam < 0)
    assert np.all(f[founders] == 0)


@SETTINGS
@given(seed=seeds, n=st.integers(min_value=2, max_value=150), data=st.data())
def test_kinship_self_symmetry_and_offspring(seed: int, n: int, data: st.DataObject) -> None:
    ped = Pedigree(random_records(seed, n))
    table = inbreeding(ped)
    ids = data.draw(st.lists(st.sampled_from(ped.ids), min_size=1, max_size=12))
    matrix = kinship_matrix(ped, ids, inbreeding=table)
    np.testing.assert_allclose(matrix, matrix.T, atol=1e-15)
    for k, x in enumerate(ids):
        assert matrix[k, k] == pytest.approx((1 + table[x]) / 2, abs=1e-12)
    a, b = ids[0], ids[-1]
    assert kinship(ped, a, b) == pytest.approx(kinship(ped, b, a), abs=1e-15)
    for x in ped.ids:
        sire, dam = ped.parents(x)
        if sire is not None and dam is not None:
            assert table[x] == pytest.approx(kinship(ped, sire, dam), abs=1e-12)


@SETTINGS
@given(seed=seeds, n=st.integers(min_value=1, max_value=150), extra=st.integers(1, 20))
def test_unrelated_founders_change_nothing(seed: int, n: int, extra: int) -> None:
    records = random_records(seed, n)
    before = inbreeding(Pedigree(records))
    newcomers = [Animal(f"new{k}") for k in range(extra)]
    # founders plus offspring of a newcomer with an existing animal
    newcomers.append(Animal("mixed", "new0", None))
    after = inbreeding(Pedigree(records + newcomers))
    for x in before:
        assert after[x] == before[x]


@SETTINGS
@given(seed=seeds, n=st.integers(min_value=1, max_value=200))
def test_row_order_never_matters(seed: int, n: int) -> None:
    records = random_records(seed, n)
    shuffled = list(records)
    random.Random(seed).shuffle(shuffled)
    first, second = inbreeding(Pedigree(records)), inbreeding(Pedigree(shuffled))
    assert dict(first) == pytest.approx(dict(second), abs=1e-15)
    assert Pedigree(shuffled).record_order == tuple(a.id for a in shuffled)


@SETTINGS
@given(seed=seeds, n=st.integers(min_value=1, max_value=120))
def test_relationship_matrix_and_inverse(seed: int, n: int) -> None:
    ped = Pedigree(random_records(seed, n))
    a = relationship_matrix(ped)
    np.testing.assert_allclose(a, a.T, atol=1e-15)
    inverse = relationship_matrix_inverse(ped).to_dense()
    np.testing.assert_allclose(inverse, inverse.T, atol=1e-12)
    np.testing.assert_allclose(a @ inverse, np.eye(len(ped)), atol=1e-8)


@SETTINGS
@given(seed=seeds, n=st.integers(min_value=2, max_value=200), clutch=st.integers(1, 15))
def test_update_after_a_clutch_equals_recomputing(seed: int, n: int, clutch: int) -> None:
    records = random_records(seed, n + 10)
    ped = Pedigree(records[:n])
    rng = np.random.default_rng(seed)
    males = [a.id for a in records[:n] if a.sex is Sex.MALE]
    females = [a.id for a in records[:n] if a.sex is Sex.FEMALE]
    assume(males and females)
    sire = males[int(rng.integers(len(males)))]
    dam = females[int(rng.integers(len(females)))]
    eggs = [Animal(f"egg{k}", sire, dam) for k in range(clutch)]
    extended = ped.extend(eggs)
    updated = update_inbreeding(inbreeding(ped), extended)
    full = inbreeding(Pedigree([*records[:n], *eggs]))
    assert dict(updated) == pytest.approx(dict(full), abs=1e-14)
