"""Known answers for the pedigree metrics at their edges: founders and half-founders next to the
first animal of the table, default depths, empty and founder-only pedigrees, and precomputed
inbreeding tables that save the work."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from reptidex.engine.pedigree import matrices, metrics, parse_csv
from reptidex.engine.pedigree.metrics import (
    ancestor_loss,
    completeness,
    founder_contributions,
    founders,
    gene_diversity,
    mean_kinship,
    summarize,
)
from reptidex.engine.pedigree.model import Pedigree

INBREEDING_MODULE = importlib.import_module("reptidex.engine.pedigree.inbreeding")
FULL_SIB_MATING = "id,sire,dam\nS,,\nD,,\nB,S,D\nG,S,D\nK,B,G\n"


def test_an_animal_whose_only_known_parent_is_the_first_animal_is_no_founder() -> None:
    assert founders(parse_csv("id,sire,dam\nS,,\nK,S,\n")) == ("S",)
    assert founders(parse_csv("id,sire,dam\nD,,\nK,,D\n")) == ("D",)


def test_a_half_founder_is_credited_with_its_unknown_half() -> None:
    assert founder_contributions(parse_csv("id,sire,dam\nD,,\nK,,D\n")) == {"D": 0.5, "K": 0.5}
    assert founder_contributions(parse_csv("id,sire,dam\nS,,\nK,S,\n")) == {"S": 0.5, "K": 0.5}


def test_the_reference_population_may_not_be_empty() -> None:
    with pytest.raises(ValueError, match=r"^the reference population is empty$"):
        founder_contributions(parse_csv(FULL_SIB_MATING), [])


def test_completeness_looks_five_generations_back_by_default() -> None:
    assert completeness(parse_csv(FULL_SIB_MATING), "K") == (1.0, 1.0, 0.0, 0.0, 0.0)


def line_of_ancestors(prefix: str, down_to: str, top: str, length: int) -> list[str]:
    """Rows of a line ``top → prefix{length} → … → prefix1``, then ``down_to`` keeps prefix1."""
    rows = [f"{prefix}{length},{top},"]
    rows += [f"{prefix}{k},{prefix}{k + 1}," for k in range(length - 1, 0, -1)]
    return rows


def test_ancestor_loss_looks_five_generations_back_by_default() -> None:
    """One ancestor shared by both sides six generations back: no loss within five."""
    rows = ["id,sire,dam", "X,,"]
    rows += line_of_ancestors("P", "K", "X", 5) + line_of_ancestors("Q", "K", "X", 5)
    rows.append("K,P1,Q1")
    pedigree = parse_csv("\n".join(rows) + "\n")
    assert ancestor_loss(pedigree, "K") == 0.0
    assert ancestor_loss(pedigree, "K", 6) == pytest.approx(1 - 11 / 12)


def test_ancestor_loss_of_a_full_sib_mating() -> None:
    assert ancestor_loss(parse_csv(FULL_SIB_MATING), "K", 2) == pytest.approx(1 - 4 / 6)


def test_summary_of_a_full_sib_mating() -> None:
    pedigree = parse_csv(FULL_SIB_MATING)
    summary = summarize(pedigree)
    assert (summary.animals, summary.founders, summary.generations) == (5, 2, 2)
    assert (summary.inbred, summary.highest_inbreeding, summary.most_inbred) == (1, 0.25, "K")
    assert summary.mean_inbreeding == pytest.approx(0.25 / 5)
    assert summary.mean_equivalent_generations == pytest.approx((0 + 0 + 1 + 1 + 2) / 5)
    expected = float(metrics.completeness_index(pedigree).array.mean())
    assert summary.mean_completeness == pytest.approx(expected)
    assert summary.mean_completeness > 0


def test_summary_of_founders_only_and_of_nothing() -> None:
    only_founders = summarize(parse_csv("id,sire,dam\nS,,\nD,,\n"))
    assert (only_founders.generations, only_founders.most_inbred) == (0, None)
    assert (only_founders.highest_inbreeding, only_founders.mean_inbreeding) == (0.0, 0.0)
    empty = summarize(Pedigree([]))
    assert empty == metrics.PedigreeSummary(0, 0, 0, 0.0, 0.0, 0.0, 0, 0.0, None)


def no_inbreeding_again(*_: object, **__: object) -> None:
    raise AssertionError("inbreeding computed again although a table was given")


def test_a_given_inbreeding_table_saves_computing_it_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pedigree = parse_csv(FULL_SIB_MATING)
    table = INBREEDING_MODULE.inbreeding(pedigree)
    expected = (
        summarize(pedigree),
        mean_kinship(pedigree).array.tolist(),
        gene_diversity(pedigree),
        matrices.relationship_matrix(pedigree).tolist(),
        matrices.relationship_matrix_inverse(pedigree).to_dense().tolist(),
    )
    monkeypatch.setattr(metrics, "_inbreeding", no_inbreeding_again)
    monkeypatch.setattr(matrices, "compute_inbreeding", no_inbreeding_again)
    monkeypatch.setattr(INBREEDING_MODULE, "_inbreeding_values", no_inbreeding_again)
    given = (
        summarize(pedigree, inbreeding=table),
        mean_kinship(pedigree, inbreeding=table).array.tolist(),
        gene_diversity(pedigree, inbreeding=table),
        matrices.relationship_matrix(pedigree, inbreeding=table).tolist(),
        matrices.relationship_matrix_inverse(pedigree, inbreeding=table).to_dense().tolist(),
    )
    assert given == expected


def test_the_inverse_relationship_matrix_is_read_only() -> None:
    pedigree = parse_csv(FULL_SIB_MATING)
    inverse = matrices.relationship_matrix_inverse(pedigree)
    assert np.allclose(inverse.to_dense() @ matrices.relationship_matrix(pedigree), np.eye(5))
    for array in (inverse.rows, inverse.cols, inverse.values):
        assert not array.flags.writeable


def test_the_relationship_matrix_of_chosen_animals_only() -> None:
    pedigree = parse_csv(FULL_SIB_MATING)
    assert matrices.relationship_matrix(pedigree, ["K", "S"]).tolist() == [[1.25, 0.5], [0.5, 1.0]]


def test_the_completeness_index_looks_five_generations_back_by_default() -> None:
    rows = ["id,sire,dam", "X,,"]
    rows += line_of_ancestors("P", "K", "X", 6) + line_of_ancestors("Q", "K", "X", 6)
    rows.append("K,P1,Q1")
    pedigree = parse_csv("\n".join(rows) + "\n")
    default = metrics.completeness_index(pedigree)["K"]
    assert default == metrics.completeness_index(pedigree, 5)["K"]
    assert default != metrics.completeness_index(pedigree, 6)["K"]


def test_the_most_inbred_animal_need_not_be_the_last_one() -> None:
    summary = summarize(parse_csv(FULL_SIB_MATING + "E,,\nZ,K,E\n"))
    assert (summary.highest_inbreeding, summary.most_inbred) == (0.25, "K")


def test_equivalent_generations_of_an_empty_pedigree() -> None:
    assert metrics.equivalent_generations(Pedigree([])).array.tolist() == []
