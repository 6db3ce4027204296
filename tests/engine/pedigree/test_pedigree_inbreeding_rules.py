"""Inbreeding and kinship: the refusals, the reuse of given coefficients, progress, and the
Mendelian sampling factors with inbred parents (known answers)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from reptidex.engine.pedigree import (
    Animal,
    Pedigree,
    Sex,
    inbreeding,
    kinship,
    kinship_matrix,
    prospective_inbreeding,
    update_inbreeding,
)
from reptidex.engine.pedigree.inbreeding import CoefficientTable, mendelian_sampling_factors

MALE, FEMALE = Sex.MALE, Sex.FEMALE


def exact(pattern: str) -> str:
    """A ``match`` pattern that accepts this message and nothing else."""
    return f"^{re.escape(pattern)}$"


def line_bred() -> Pedigree:
    """K is a son of S x D; C a son of K back to his dam D; E a daughter of C x D."""
    return Pedigree(
        [
            Animal("S", sex=MALE),
            Animal("D", sex=FEMALE),
            Animal("K", "S", "D", MALE),
            Animal("C", "K", "D", MALE),
            Animal("E", "C", "D", FEMALE),
        ]
    )


def with_inbred_k(ped: Pedigree) -> CoefficientTable:
    """Coefficients that differ from the pedigree's own at K (F = 1/2, as if K came from
    an inbred line the records do not show), so a result that uses them can be told apart."""
    values = inbreeding(ped).array.copy()
    values[ped.index("K")] = 0.5
    return CoefficientTable(ped, values)


def test_line_breeding_known_answers() -> None:
    ped = line_bred()
    assert dict(inbreeding(ped)) == {"S": 0.0, "D": 0.0, "K": 0.0, "C": 0.25, "E": 0.375}
    assert prospective_inbreeding(ped, "C", "E") == 0.5
    assert kinship(ped, "C", "C") == 0.625


def test_given_coefficients_are_used_not_recomputed() -> None:
    """C's Mendelian sampling factor is 1/2 - (F_K + F_D)/4: with F_K = 1/2 given,
    kinship(C, C) = 9/16 (not 5/8) and C x E gives 15/32 (not 1/2)."""
    ped = line_bred()
    given = with_inbred_k(ped)
    assert kinship(ped, "C", "C", inbreeding=given) == 0.5625
    assert prospective_inbreeding(ped, "C", "E", inbreeding=given) == 0.46875
    assert kinship_matrix(ped, ["C", "E"], inbreeding=given).tolist() == [
        [0.5625, 0.46875],
        [0.46875, 0.671875],
    ]


def test_coefficients_of_another_pedigree_are_refused() -> None:
    ped = line_bred()
    other = Pedigree([Animal("S"), Animal("D"), Animal("X", "S", "D")])
    with pytest.raises(
        ValueError, match=exact("the inbreeding coefficients belong to another pedigree")
    ):
        kinship(ped, "C", "E", inbreeding=inbreeding(other))
    # the same animals in an equal pedigree are fine
    assert kinship(ped, "C", "E", inbreeding=inbreeding(line_bred())) == 0.5


def test_a_pairing_needs_two_animals() -> None:
    with pytest.raises(ValueError, match=exact("a pairing needs two different animals")):
        prospective_inbreeding(line_bred(), "C", "C")


def test_kinship_matrix_of_no_animals_is_empty() -> None:
    assert kinship_matrix(line_bred(), []).shape == (0, 0)


def test_progress_counts_families_and_update_counts_only_new_ones() -> None:
    ped = line_bred()
    calls: list[tuple[int, int]] = []
    before = inbreeding(ped, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]  # families S x D, K x D, C x D
    clutch = ped.extend([Animal("F", "C", "E"), Animal("G", "C", "E"), Animal("H", "K", "E")])
    calls.clear()
    updated = update_inbreeding(
        before, clutch, progress=lambda done, total: calls.append((done, total))
    )
    assert calls[-1] == (2, 2)  # families C x E and K x E, nothing recomputed
    assert updated["F"] == updated["G"] == prospective_inbreeding(ped, "C", "E") == 0.5


def test_update_keeps_the_coefficients_it_was_given() -> None:
    """The animals of the previous table are not recomputed: F_K = 1/2 stays, and H (K x E)
    is computed from it: F_H = sum_j L[H, j]^2 d_j - 1 = 0.1796875 with d_C = 3/8 and
    d_H = 1/2 - (F_K + F_E)/4 = 9/32 (0.3125 with the pedigree's own F_K = 0)."""
    ped = line_bred()
    clutch = ped.extend([Animal("H", "K", "E")])
    updated = update_inbreeding(with_inbred_k(ped), clutch)
    assert dict(updated) == {"S": 0, "D": 0, "K": 0.5, "C": 0.25, "E": 0.375, "H": 0.1796875}
    assert inbreeding(clutch)["H"] == 0.3125


@pytest.mark.parametrize(
    "changed",
    [
        [Animal("S"), Animal("D"), Animal("K2", "S", "D")],  # other ids
        [Animal("S"), Animal("D"), Animal("K", None, "D")],  # other sire
        [Animal("S"), Animal("D"), Animal("K", "S", None)],  # other dam
    ],
    ids=["ids", "sire", "dam"],
)
def test_update_refuses_a_pedigree_that_does_not_extend_the_previous_one(
    changed: list[Animal],
) -> None:
    ped = Pedigree([Animal("S"), Animal("D"), Animal("K", "S", "D")])
    other = Pedigree(changed)
    differences = (
        other.ids != ped.ids,
        other.sire.tolist() != ped.sire.tolist(),
        other.dam.tolist() != ped.dam.tolist(),
    )
    assert sum(differences) == 1  # one difference at a time
    with pytest.raises(
        ValueError, match=exact("the pedigree must extend the one the coefficients belong to")
    ):
        update_inbreeding(inbreeding(ped), other)


def test_update_of_the_same_pedigree_is_the_same_table() -> None:
    ped = line_bred()
    before = inbreeding(ped)
    assert update_inbreeding(before, ped).array.tolist() == before.array.tolist()


def test_mendelian_sampling_factors_with_inbred_parents() -> None:
    """1/2 - (F_s + F_d)/4 with both parents, 3/4 - F_p/4 with one, 1 with none."""
    sire = np.array([-1, -1, 0, 0, -1], dtype=np.int64)
    dam = np.array([-1, -1, 1, -1, 1], dtype=np.int64)
    f = np.array([0.5, 0.25, 0.0, 0.0, 0.0])
    assert mendelian_sampling_factors(sire, dam, f).tolist() == [
        1.0,
        1.0,
        0.5 - (0.5 + 0.25) / 4,
        0.75 - 0.5 / 4,
        0.75 - 0.25 / 4,
    ]


def test_coefficient_table_is_a_read_only_copy() -> None:
    ped = line_bred()
    values = np.array([0.0, 0.0, 0.0, 0.25, 0.375])
    table = CoefficientTable(ped, values)
    values[3] = 0.9
    assert table["C"] == 0.25
    assert table.pedigree is ped
    assert list(table) == ["S", "D", "K", "C", "E"]
    assert len(table) == 5
    assert repr(table) == "<CoefficientTable of 5 animals>"
    with pytest.raises(ValueError, match="read-only"):
        table.array[0] = 1.0
    with pytest.raises(ValueError, match=exact("one value per animal of the pedigree is needed")):
        CoefficientTable(ped, np.zeros(4))
