"""Population metrics: completeness, founders, founder equivalents, mean kinship, diversity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pedigree_testkit import random_records

from reptidex.engine.pedigree import (
    Pedigree,
    ancestor_loss,
    completeness,
    completeness_index,
    equivalent_generations,
    founder_contributions,
    founder_equivalents,
    gene_diversity,
    kinship_matrix,
    mean_kinship,
    parse_csv,
    summarize,
)


def test_completeness_and_equivalent_generations() -> None:
    ped = parse_csv("id,sire,dam\nSS,,\nSD,,\nS,SS,SD\nD,,\nK,S,D\n")
    assert completeness(ped, "K", 3) == (1.0, 0.5, 0.0)
    assert equivalent_generations(ped)["K"] == pytest.approx(1.5)
    assert completeness_index(ped, 1)["K"] == 1.0
    assert completeness_index(ped, 2)["K"] == pytest.approx(2 / 3)
    assert completeness_index(ped, 2)["S"] == 0.5
    assert completeness_index(ped, 1)["S"] == 1.0
    assert completeness_index(ped)["D"] == 0.0


def test_ancestor_loss_is_zero_without_repeats() -> None:
    ped = parse_csv("id,sire,dam\nS,,\nD,,\nK,S,D\n")
    assert ancestor_loss(ped, "K") == 0.0
    assert ancestor_loss(ped, "S") == 0.0


def test_founder_contributions_with_a_half_founder() -> None:
    ped = parse_csv("id,sire,dam\nS,,\nD,,\nK,S,D\nH,S,\nX,K,\nY,H,D\n")
    shares = founder_contributions(ped, ["X", "Y"])
    assert sum(shares.values()) == pytest.approx(1.0)
    # X: half from an unknown dam (X is a half-founder), half through K
    assert shares["X"] == pytest.approx(0.25)
    assert shares["H"] == pytest.approx(0.125)
    assert founder_equivalents(ped, ["X", "Y"]) == pytest.approx(
        1 / sum(v * v for v in shares.values())
    )


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 150))
def test_mean_kinship_equals_the_kinship_matrix(seed: int, n: int) -> None:
    ped = Pedigree(random_records(seed, n))
    population = list(ped.ids[-max(1, n // 3) :])
    matrix = kinship_matrix(ped, ped.ids)
    chosen = [ped.index(x) for x in population]
    expected = matrix[:, chosen].mean(axis=1)
    np.testing.assert_allclose(mean_kinship(ped, population).array, expected, atol=1e-12)
    diversity = 1 - matrix[np.ix_(chosen, chosen)].mean()
    assert gene_diversity(ped, population) == pytest.approx(diversity, abs=1e-12)


def test_empty_population_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        mean_kinship(parse_csv("id,sire,dam\nS,,\n"), [])


def test_summary() -> None:
    summary = summarize(parse_csv("id,sire,dam\nS,,\nD,,\nB,S,D\nG,S,D\nK,B,G\n"))
    assert summary.animals == 5
    assert summary.inbred == 1
    assert summary.mean_inbreeding == pytest.approx(0.05)
    assert summary.mean_equivalent_generations == pytest.approx((0 + 0 + 1 + 1 + 2) / 5)
