"""Known answers: classic inbreeding cases and published worked examples."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from pedigree_testkit import full_sib_series, mrode

from reptidex.engine.pedigree import (
    Animal,
    Pedigree,
    exact_inbreeding,
    exact_kinship,
    inbreeding,
    kinship,
    mendelian_sampling_factors,
    prospective_inbreeding,
    relationship_matrix,
    relationship_matrix_inverse,
    tabular_kinship_matrix,
)


def both_ways(ped: Pedigree, ident: str) -> tuple[float, Fraction]:
    return inbreeding(ped)[ident], exact_inbreeding(ped, ident)


@pytest.mark.parametrize(
    ("records", "animal", "expected"),
    [
        pytest.param(
            [Animal("S"), Animal("D"), Animal("daughter", "S", "D"), Animal("x", "S", "daughter")],
            "x",
            Fraction(1, 4),
            id="parent-offspring",
        ),
        pytest.param(
            [
                Animal("S"),
                Animal("D"),
                Animal("b", "S", "D"),
                Animal("g", "S", "D"),
                Animal("x", "b", "g"),
            ],
            "x",
            Fraction(1, 4),
            id="full-sibs",
        ),
        pytest.param(
            [
                Animal("S"),
                Animal("D1"),
                Animal("D2"),
                Animal("b", "S", "D1"),
                Animal("g", "S", "D2"),
                Animal("x", "b", "g"),
            ],
            "x",
            Fraction(1, 8),
            id="half-sibs",
        ),
        pytest.param(
            [
                Animal("S"),
                Animal("D"),
                Animal("M1"),
                Animal("F2"),
                Animal("b", "S", "D"),
                Animal("g", "S", "D"),
                Animal("c1", "b", "M1"),
                Animal("c2", "F2", "g"),
                Animal("x", "c1", "c2"),
            ],
            "x",
            Fraction(1, 16),
            id="first-cousins",
        ),
        pytest.param(
            [
                Animal("S1"),
                Animal("D1"),
                Animal("S2"),
                Animal("D2"),
                Animal("b1", "S1", "D1"),
                Animal("g1", "S1", "D1"),
                Animal("b2", "S2", "D2"),
                Animal("g2", "S2", "D2"),
                Animal("c1", "b1", "g2"),
                Animal("c2", "b2", "g1"),
                Animal("x", "c1", "c2"),
            ],
            "x",
            Fraction(1, 8),
            id="double-first-cousins",
        ),
    ],
)
def test_classic_matings(records: list[Animal], animal: str, expected: Fraction) -> None:
    fast, exact = both_ways(Pedigree(records), animal)
    assert exact == expected
    assert fast == pytest.approx(float(expected), abs=1e-15)


def test_repeated_full_sib_mating_follows_wright() -> None:
    ped = full_sib_series(10)
    table = inbreeding(ped)
    expected = [Fraction(0), Fraction(0)]
    for _ in range(9):
        expected.append((1 + 2 * expected[-1] + expected[-2]) / 4)
    got_exact = [exact_inbreeding(ped, f"s{g}") for g in range(1, 11)]
    assert got_exact == expected[1:]
    assert [str(f) for f in got_exact[:5]] == ["0", "1/4", "3/8", "1/2", "19/32"]
    for g in range(1, 11):
        assert table[f"s{g}"] == pytest.approx(float(expected[g]), abs=1e-14)
        assert table[f"d{g}"] == table[f"s{g}"]


def test_repeated_back_cross_to_the_same_sire() -> None:
    rows = [Animal("S"), Animal("D"), Animal("x0", "S", "D")]
    for g in range(1, 8):
        rows.append(Animal(f"x{g}", "S", f"x{g - 1}"))
    ped = Pedigree(rows)
    table = inbreeding(ped)
    for g in range(1, 8):
        expected = Fraction(1, 2) - Fraction(1, 2 ** (g + 1))
        assert exact_inbreeding(ped, f"x{g}") == expected
        assert table[f"x{g}"] == pytest.approx(float(expected), abs=1e-15)


MRODE_A = np.array(
    [
        [1.000, 0.000, 0.500, 0.500, 0.500, 0.250],
        [0.000, 1.000, 0.500, 0.000, 0.250, 0.625],
        [0.500, 0.500, 1.000, 0.250, 0.625, 0.5625],
        [0.500, 0.000, 0.250, 1.000, 0.625, 0.3125],
        [0.500, 0.250, 0.625, 0.625, 1.125, 0.6875],
        [0.250, 0.625, 0.5625, 0.3125, 0.6875, 1.125],
    ]
)

# Mrode (2005), section 2.3, printed to three decimals.
MRODE_A_INVERSE = np.array(
    [
        [1.833, 0.500, -1.000, -0.667, 0.000, 0.000],
        [0.500, 2.033, -1.000, 0.000, 0.533, -1.067],
        [-1.000, -1.000, 2.500, 0.500, -1.000, 0.000],
        [-0.667, 0.000, 0.500, 1.833, -1.000, 0.000],
        [0.000, 0.533, -1.000, -1.000, 2.533, -1.067],
        [0.000, -1.067, 0.000, 0.000, -1.067, 2.133],
    ]
)


def test_mrode_example_inbreeding_and_relationships() -> None:
    ped = mrode()
    assert ped.ids == ("1", "2", "3", "4", "5", "6")
    # the same pedigree is pedigreemm's example: inbreeding(p1) = 0 0 0 0 0.125 0.125
    assert inbreeding(ped).array.tolist() == [0, 0, 0, 0, 0.125, 0.125]
    assert exact_inbreeding(ped, "6") == Fraction(1, 8)
    np.testing.assert_allclose(relationship_matrix(ped), MRODE_A, atol=1e-15)
    np.testing.assert_allclose(2 * tabular_kinship_matrix(ped), MRODE_A, atol=1e-15)


def test_mrode_example_a_inverse() -> None:
    inverse = relationship_matrix_inverse(mrode())
    np.testing.assert_allclose(inverse.to_dense(), MRODE_A_INVERSE, atol=5e-4)
    assert inverse.to_dense()[1, 1] == pytest.approx(2 + 1 / 30)
    np.testing.assert_allclose(MRODE_A @ inverse.to_dense(), np.eye(6), atol=1e-12)


def test_kinship_of_relatives() -> None:
    ped = mrode()
    assert kinship(ped, "5", "6") == pytest.approx(0.6875 / 2)
    assert exact_kinship(ped, "3", "6") == Fraction(9, 32)
    assert kinship(ped, "6", "6") == pytest.approx((1 + 0.125) / 2)
    assert prospective_inbreeding(ped, "5", "6") == pytest.approx(0.34375)


def test_prospective_inbreeding_rejects_selfing() -> None:
    with pytest.raises(ValueError, match="two different"):
        prospective_inbreeding(mrode(), "5", "5")


def test_one_unknown_parent_gives_no_inbreeding() -> None:
    ped = Pedigree([Animal("S"), Animal("a", "S", None), Animal("b", "S", "a"), Animal("c", "b")])
    table = inbreeding(ped)
    assert table["b"] == 0.25
    assert table["c"] == 0.0


def one_parent_pedigree(known: str) -> Pedigree:
    """X has one known parent, I, who is inbred; X's descendants trace back to I through X."""
    records = [Animal("S"), Animal("D"), Animal("P", "S", "D"), Animal("Q", "S", "D")]
    records += [Animal("I", "P", "Q"), Animal("M1"), Animal("M2"), Animal("M3")]
    if known == "sire":
        records += [
            Animal("X", "I", None),
            Animal("Y1", "X", "M1"),
            Animal("Y2", "X", "M2"),
            Animal("K", "I", "M3"),
            Animal("T", "X", "K"),
        ]
    else:
        records += [
            Animal("X", None, "I"),
            Animal("Y1", "M1", "X"),
            Animal("Y2", "M2", "X"),
            Animal("K", "M3", "I"),
            Animal("T", "K", "X"),
        ]
    return Pedigree([*records, Animal("Z", "Y1", "Y2")])


@pytest.mark.parametrize("known", ["sire", "dam"])
def test_one_known_parent_who_is_inbred(known: str) -> None:
    """Descendants of an animal with one unknown parent, worked by hand.

    Wright's path formula: ``F = sum over common ancestors A of (1/2)^n (1 + F_A)``, ``n`` the
    number of animals on the path from one parent up to A and down to the other, A counted
    once (Wright 1922; Falconer & Mackay 1996, ch. 5).

    * I, offspring of the full sibs P and Q: paths P-S-Q and P-D-Q, so
      ``F_I = 2 (1/2)^3 = 1/4``.
    * X has I as its only known parent: no common ancestor, ``F_X = 0``.
    * Z, offspring of Y1 and Y2, half sibs through X: path Y1-X-Y2,
      ``F_Z = (1/2)^3 (1 + F_X) = 1/8`` (paths through I would pass X twice).
    * T, offspring of X and K, half sibs through I: path X-I-K,
      ``F_T = (1/2)^3 (1 + F_I) = 5/32`` (paths through P, Q, S, D would pass I twice).

    The Meuwissen & Luo (1992) method reaches these through X's Mendelian sampling factor,
    ``d_X = 3/4 - F_I/4 = 11/16`` with the one known parent's inbreeding, on either side.
    """
    ped = one_parent_pedigree(known)
    expected = {"I": Fraction(1, 4), "X": Fraction(0), "Z": Fraction(1, 8), "T": Fraction(5, 32)}
    table = inbreeding(ped)
    for ident, value in expected.items():
        assert exact_inbreeding(ped, ident) == value, ident
        assert table[ident] == pytest.approx(float(value), abs=1e-15), ident
    x = ped.index("X")
    factors = mendelian_sampling_factors(ped.sire, ped.dam, table.array)
    assert factors[x] == pytest.approx(11 / 16, abs=1e-15)
    # the relationship matrix and its inverse built with those factors agree
    a = relationship_matrix(ped)
    assert a[x, x] == pytest.approx(1.0, abs=1e-15)
    assert a[ped.index("Z"), ped.index("Z")] == pytest.approx(1 + 1 / 8, abs=1e-15)
    inverse = relationship_matrix_inverse(ped).to_dense()
    np.testing.assert_allclose(a @ inverse, np.eye(len(ped)), atol=1e-12)
