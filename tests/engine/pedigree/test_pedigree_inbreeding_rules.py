"""Inbreeding and kinship: the refusals, the reuse of given coefficients, progress, and the
Mendelian sampling factors with inbred parents (known answers)."""

from __future__ import annotations

import importlib
import re

import numpy as np
import pytest
from pedigree_testkit import random_records

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
from reptidex.engine.pedigree.tabular import tabular_kinship_matrix

MALE, FEMALE = Sex.MALE, Sex.FEMALE
# the module, which the package's ``inbreeding`` function hides
inbreeding_module = importlib.import_module("reptidex.engine.pedigree.inbreeding")


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


def test_coefficient_table_holds_floats_whatever_it_was_given() -> None:
    table = CoefficientTable(line_bred(), np.array([0, 0, 0, 1, 0]))
    assert table.array.dtype == np.float64
    assert table.array.tolist() == [0.0, 0.0, 0.0, 1.0, 0.0]


def test_an_animal_with_one_parent_added_by_an_update_is_not_inbred() -> None:
    """Z has a sire only; the animal added after it (L) is shallower than Z, so a one-parent
    animal taken for a family would be given the kinship of two unrelated positions."""
    old = Pedigree(
        [
            Animal("S"),
            Animal("D"),
            Animal("K", "S", "D"),
            Animal("B", "S", "D"),
            Animal("C", "K", "D"),
        ]
    )
    new = old.extend([Animal("Z", "C", None), Animal("L", "K", "B"), Animal("Y", None, "B")])
    assert dict(update_inbreeding(inbreeding(old), new)) == {
        "S": 0.0, "D": 0.0, "K": 0.0, "B": 0.0, "C": 0.25, "Z": 0.0, "L": 0.25, "Y": 0.0,
    }  # fmt: skip


def test_rounding_never_leaves_a_negative_coefficient() -> None:
    # unclamped, this pedigree's sums leave 37 animals a little below zero (about -8e-16)
    values = inbreeding(Pedigree(random_records(0, 4000, founders=20))).array
    assert values.min() == 0.0


def sib_matings(pairs: int) -> Pedigree:
    """``pairs`` founder pairs, two full sibs of each, and the sibs mated: ``pairs``
    families in each of the two generations, the second generation inbred to 1/4."""
    rows = []
    for i in range(pairs):
        rows += [Animal(f"s{i}", sex=MALE), Animal(f"d{i}", sex=FEMALE)]
        rows += [Animal(f"b{i}", f"s{i}", f"d{i}", MALE), Animal(f"g{i}", f"s{i}", f"d{i}", FEMALE)]
        rows.append(Animal(f"x{i}", f"b{i}", f"g{i}"))
    return Pedigree(rows)


def test_a_small_memory_budget_splits_the_work_into_blocks_with_the_same_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ped = sib_matings(1100)  # more families in a generation than the first block's 1,024
    expected = {ident: 0.25 if ident.startswith("x") else 0.0 for ident in ped.ids}
    assert dict(inbreeding(ped)) == expected
    monkeypatch.setattr(inbreeding_module, "_ENTRY_BUDGET", 1)
    calls: list[tuple[int, int]] = []
    assert dict(inbreeding(ped, progress=lambda done, total: calls.append((done, total)))) == (
        expected
    )
    # 1,024 families first, then blocks of 64 (the smallest): 3 blocks, then 18
    assert calls[:4] == [(1024, 2200), (1088, 2200), (1100, 2200), (1164, 2200)]
    assert (len(calls), calls[-1]) == (21, (2200, 2200))


def test_a_small_memory_budget_builds_the_kinship_matrix_in_column_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ped = Pedigree(random_records(4, 200))
    ids = list(ped.ids[::3])
    positions = [ped.index(ident) for ident in ids]
    expected = tabular_kinship_matrix(ped)[np.ix_(positions, positions)]
    assert np.allclose(kinship_matrix(ped, ids), expected, rtol=0, atol=1e-12)
    for columns in (1, 3, 50):
        monkeypatch.setattr(inbreeding_module, "_ENTRY_BUDGET", 4 * len(ids) * columns)
        assert np.allclose(kinship_matrix(ped, ids), expected, rtol=0, atol=1e-12), columns
