"""Known answers taken from published tools and textbooks, each with its source.

Every expected figure below was read from the cited source (or derived by hand, with the
derivation given); none was produced by this engine.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from pedigree_testkit import mrode as mrode_table_2_1
from pedigree_testkit import read_genea140

from reptidex.engine.pedigree import (
    Animal,
    Pedigree,
    completeness,
    descendants,
    exact_inbreeding,
    exact_kinship,
    founder_contributions,
    founder_equivalents,
    founders,
    gene_diversity,
    inbreeding,
    kinship,
    kinship_matrix,
    mendelian_sampling_factors,
    parse_csv,
    relationship_matrix,
    relationship_matrix_inverse,
)


def dense_inverse(ped: Pedigree, order: list[str]) -> np.ndarray:
    """A-inverse as a dense matrix with rows and columns in ``order``."""
    inverse = relationship_matrix_inverse(ped)
    dense = inverse.to_dense()
    where = [inverse.labels.index(x) for x in order]
    return dense[np.ix_(where, where)]


# --- pedigreemm / pedigreeTools ------------------------------------------------------


def test_pedigreetools_inbreeding_example() -> None:
    """pedigreeTools ``inbreeding()`` help page (the pedigreemm example pedigree).

    Source: https://rdrr.io/cran/pedigreeTools/man/inbreeding.html ::

        ped <- pedigree(sire = c(NA, NA, 1,  1, 4, 5),
                        dam =  c(NA, NA, 2, NA, 3, 2), label = 1:6)
        FExp <- c(0.000, 0.000, 0.000, 0.000, 0.125, 0.125)
        stopifnot(!any(abs(F - FExp) > .Machine$double.eps))
    """
    sires = [None, None, "1", "1", "4", "5"]
    dams = [None, None, "2", None, "3", "2"]
    ped = Pedigree(
        Animal(str(i + 1), s, d) for i, (s, d) in enumerate(zip(sires, dams, strict=True))
    )
    got = np.array([inbreeding(ped)[str(i)] for i in range(1, 7)])
    expected = np.array([0.000, 0.000, 0.000, 0.000, 0.125, 0.125])
    assert np.all(np.abs(got - expected) <= np.finfo(float).eps)


# --- Mrode, Linear Models for the Prediction of Animal Breeding Values ---------------


def test_mrode_section_2_3_mendelian_sampling_factors() -> None:
    """Mrode (3rd ed.), section 2.3, p. 25: ``D = diag(1.0, 1.0, 0.5, 0.75, 0.5, 0.469)``.

    Source: http://online.flipbuilder.com/ulbm/jtjq/files/basic-html/page41.html (the book's
    text: "d66 = 0.5 - 0.25(0.125 + 0) = 0.469 because ... the sire has an inbreeding
    coefficient of 0.125"). Printed to three decimals; the exact value is 0.46875.
    """
    ped = mrode_table_2_1()
    f = inbreeding(ped).array
    d = mendelian_sampling_factors(ped.sire, ped.dam, f)
    got = [float(d[ped.index(str(i))]) for i in range(1, 7)]
    np.testing.assert_allclose(got, [1.0, 1.0, 0.5, 0.75, 0.5, 0.469], atol=5e-4)
    assert got[5] == 0.5 - 0.25 * 0.125


# Mrode (3rd ed.), Example 4.1 (repeatability model), A-inverse printed on p. 64 to two
# decimals (http://online.flipbuilder.com/ulbm/jtjq/files/basic-html/page80.html).
MRODE_4_1_A_INVERSE = np.array(
    [
        [2.50, 0.50, 0.00, -1.00, 0.50, -1.00, 0.50, -1.00],
        [0.50, 1.50, 0.00, -1.00, 0.00, 0.00, 0.00, 0.00],
        [0.00, 0.00, 1.83, 0.50, -0.67, 0.00, -1.00, 0.00],
        [-1.00, -1.00, 0.50, 2.50, 0.00, 0.00, -1.00, 0.00],
        [0.50, 0.00, -0.67, 0.00, 1.83, -1.00, 0.00, 0.00],
        [-1.00, 0.00, 0.00, 0.00, -1.00, 2.00, 0.00, 0.00],
        [0.50, 0.00, -1.00, -1.00, 0.00, 0.00, 2.50, -1.00],
        [-1.00, 0.00, 0.00, 0.00, 0.00, 0.00, -1.00, 2.00],
    ]
)


def mrode_example_4_1(dam_of_5: str | None) -> Pedigree:
    return Pedigree(
        [
            Animal("1"),
            Animal("2"),
            Animal("3"),
            Animal("4", "1", "2"),
            Animal("5", "3", dam_of_5),
            Animal("6", "1", "5"),
            Animal("7", "3", "4"),
            Animal("8", "1", "7"),
        ]
    )


def test_mrode_example_4_1_a_inverse() -> None:
    """Mrode (3rd ed.), Example 4.1: the printed A-inverse, entry for entry.

    The data table of the example (p. 63,
    http://online.flipbuilder.com/ulbm/jtjq/files/basic-html/page79.html) lists cow 5 with
    sire 3 and dam 2, but the A-inverse printed on p. 64 is that of the pedigree with cow 5's
    dam unknown: by Henderson's rules a one-parent animal has ``d = 3/4`` and adds
    ``(4/3)/4 = 0.33`` to its parent's diagonal and ``-(4/3)/2 = -0.67`` off it, which is
    where the printed 1.83 (= 1 + 0.33 + 0.5) and -0.67 for animals 3 and 5 come from, and
    animal 2 with one two-parent offspring gets 1 + 0.5 = 1.50. With dam 2 recorded, those
    entries become 2.00 (animals 2, 3 and 5) and -1.00, as derived in the second part.
    """
    order = [str(i) for i in range(1, 9)]
    got = dense_inverse(mrode_example_4_1(None), order)
    np.testing.assert_allclose(got, MRODE_4_1_A_INVERSE, atol=5e-3)
    # the table's pedigree: 2 is dam of 4 and 5, so its diagonal is 1 + 1/2 + 1/2
    as_tabled = dense_inverse(mrode_example_4_1("2"), order)
    assert as_tabled[1, 1] == 2.0
    assert as_tabled[2, 2] == 2.0  # 3: 1 + 1/2 (as sire of 5) + 1/2 (as sire of 7)
    assert as_tabled[4, 4] == 2.5  # 5: 2 + 1/2 (as dam of 6)
    assert as_tabled[1, 4] == as_tabled[2, 4] == -1.0
    assert as_tabled[1, 2] == 0.5  # 2 and 3 are mates


def test_copenhagen_animal_model_course_a_and_inverse() -> None:
    """Relationship matrix and its inverse of an eight-animal pedigree.

    Source: KVL (Copenhagen) population genetics course, section 7.5 "Animal model breeding
    value estimation", http://www.ihh.kvl.dk/htm/kc/popgen/genetics/7/5.htm. Animals 1-4 are
    founders; 5 and 6 are full sibs by 1 x 2; 7 is by 3 x 4; 8 is by 5 x 6 (F = 1/4).
    """
    ped = Pedigree(
        [Animal(str(i)) for i in range(1, 5)]
        + [Animal("5", "1", "2"), Animal("6", "1", "2"), Animal("7", "3", "4")]
        + [Animal("8", "5", "6")]
    )
    order = [str(i) for i in range(1, 9)]
    a = np.array(
        [
            [1.00, 0.00, 0.00, 0.00, 0.50, 0.50, 0.00, 0.50],
            [0.00, 1.00, 0.00, 0.00, 0.50, 0.50, 0.00, 0.50],
            [0.00, 0.00, 1.00, 0.00, 0.00, 0.00, 0.50, 0.00],
            [0.00, 0.00, 0.00, 1.00, 0.00, 0.00, 0.50, 0.00],
            [0.50, 0.50, 0.00, 0.00, 1.00, 0.50, 0.00, 0.75],
            [0.50, 0.50, 0.00, 0.00, 0.50, 1.00, 0.00, 0.75],
            [0.00, 0.00, 0.50, 0.50, 0.00, 0.00, 1.00, 0.00],
            [0.50, 0.50, 0.00, 0.00, 0.75, 0.75, 0.00, 1.25],
        ]
    )
    a_inverse = np.array(
        [
            [2.0, 1.0, 0.0, 0.0, -1.0, -1.0, 0.0, 0.0],
            [1.0, 2.0, 0.0, 0.0, -1.0, -1.0, 0.0, 0.0],
            [0.0, 0.0, 1.5, 0.5, 0.0, 0.0, -1.0, 0.0],
            [0.0, 0.0, 0.5, 1.5, 0.0, 0.0, -1.0, 0.0],
            [-1.0, -1.0, 0.0, 0.0, 2.5, 0.5, 0.0, -1.0],
            [-1.0, -1.0, 0.0, 0.0, 0.5, 2.5, 0.0, -1.0],
            [0.0, 0.0, -1.0, -1.0, 0.0, 0.0, 2.0, 0.0],
            [0.0, 0.0, 0.0, 0.0, -1.0, -1.0, 0.0, 2.0],
        ]
    )
    np.testing.assert_array_equal(relationship_matrix(ped, order), a)
    np.testing.assert_array_equal(dense_inverse(ped, order), a_inverse)


# --- kinship2 -------------------------------------------------------------------------


def test_kinship2_ped2_kinship_matrix() -> None:
    """kinship2's test pedigree ``ped2`` ("test pedigree from bioinformatics manuscript").

    Source: mayoverse/kinship2, tests/testthat/test-kinship.R (the pedigree) and
    tests/testthat/_snaps/kinship.md (the printed ``kinship(ped2)``).

    kinship2's ``ped2`` also declares 8 and 9 monozygotic twins, which this engine does
    not model, so two published entries involve the twin relation and differ here:
    kinship(8, 9) is 0.5 for twins and 1/4 for ordinary full sibs, and
    kinship(9, 10) = (kinship(9, 8) + kinship(9, 7)) / 2 is (0.5 + 0.0625) / 2 = 0.28125
    for twins and (0.25 + 0.0625) / 2 = 0.15625 otherwise (10 is by 8 x 7). Every other
    entry is the published one.
    """
    parents = {
        "3": ("1", "2"),
        "4": ("1", "2"),
        "7": ("3", "5"),
        "8": ("6", "4"),
        "9": ("6", "4"),
        "10": ("8", "7"),
    }
    ids = [str(i) for i in range(1, 11)]
    ped = Pedigree(Animal(x, *parents.get(x, (None, None))) for x in ids)
    published = np.array(
        [
            [0.500, 0.000, 0.2500, 0.2500, 0.000, 0.000, 0.12500, 0.12500, 0.12500, 0.12500],
            [0.000, 0.500, 0.2500, 0.2500, 0.000, 0.000, 0.12500, 0.12500, 0.12500, 0.12500],
            [0.250, 0.250, 0.5000, 0.2500, 0.000, 0.000, 0.25000, 0.12500, 0.12500, 0.18750],
            [0.250, 0.250, 0.2500, 0.5000, 0.000, 0.000, 0.12500, 0.25000, 0.25000, 0.18750],
            [0.000, 0.000, 0.0000, 0.0000, 0.500, 0.000, 0.25000, 0.00000, 0.00000, 0.12500],
            [0.000, 0.000, 0.0000, 0.0000, 0.000, 0.500, 0.00000, 0.25000, 0.25000, 0.12500],
            [0.125, 0.125, 0.2500, 0.1250, 0.250, 0.000, 0.50000, 0.06250, 0.06250, 0.28125],
            [0.125, 0.125, 0.1250, 0.2500, 0.000, 0.250, 0.06250, 0.50000, 0.50000, 0.28125],
            [0.125, 0.125, 0.1250, 0.2500, 0.000, 0.250, 0.06250, 0.50000, 0.50000, 0.28125],
            [0.125, 0.125, 0.1875, 0.1875, 0.125, 0.125, 0.28125, 0.28125, 0.28125, 0.53125],
        ]
    )
    got = kinship_matrix(ped, ids)
    twin_dependent = np.zeros_like(published, dtype=bool)
    for a, b in ((7, 8), (8, 9)):  # zero-based (8, 9) and (9, 10)
        twin_dependent[a, b] = twin_dependent[b, a] = True
    np.testing.assert_array_equal(got[~twin_dependent], published[~twin_dependent])
    assert got[7, 8] == 0.25
    assert got[8, 9] == 0.15625
    # 10 is by 8 x 7: F(10) = kinship(8, 7) = 1/16, so kinship(10, 10) = 17/32 = 0.53125
    assert inbreeding(ped)["10"] == 0.0625


def test_kinship_package_help_example() -> None:
    """The ``kinship()`` help example of kinship2's predecessor, the kinship package.

    Source: kinship package (T. Therneau; ported to R by J. H. Zhao) help page for
    ``kinship``, as archived on CRAN
    (https://cran-archive.r-project.org/bin/macosx/universal/contrib/2.7/kinship_1.1.0-21.tgz)
    and in the S-PLUS 8.1 kinship library: for ``test1`` (moms 0 0 0 0 2 2 4 4 6 2 0 0 12 13,
    dads 0 0 0 0 1 1 3 3 3 7 0 0 11 10) it prints ``round(8 * kinship(...))``. R rounds
    halves to even, as numpy does: 8 x 1/16 = 0.5 prints as 0 (e.g. animals 3 and 14).
    """
    moms = [0, 0, 0, 0, 2, 2, 4, 4, 6, 2, 0, 0, 12, 13]
    dads = [0, 0, 0, 0, 1, 1, 3, 3, 3, 7, 0, 0, 11, 10]
    ids = [str(i) for i in range(1, 15)]
    ped = Pedigree(
        Animal(x, str(d) if d else None, str(m) if m else None)
        for x, d, m in zip(ids, dads, moms, strict=True)
    )
    printed = np.array(
        [
            [4, 0, 0, 0, 2, 2, 0, 0, 1, 0, 0, 0, 0, 0],
            [0, 4, 0, 0, 2, 2, 0, 0, 1, 2, 0, 0, 0, 1],
            [0, 0, 4, 0, 0, 0, 2, 2, 2, 1, 0, 0, 0, 0],
            [0, 0, 0, 4, 0, 0, 2, 2, 0, 1, 0, 0, 0, 0],
            [2, 2, 0, 0, 4, 2, 0, 0, 1, 1, 0, 0, 0, 0],
            [2, 2, 0, 0, 2, 4, 0, 0, 2, 1, 0, 0, 0, 0],
            [0, 0, 2, 2, 0, 0, 4, 2, 1, 2, 0, 0, 0, 1],
            [0, 0, 2, 2, 0, 0, 2, 4, 1, 1, 0, 0, 0, 0],
            [1, 1, 2, 0, 1, 2, 1, 1, 4, 1, 0, 0, 0, 0],
            [0, 2, 1, 1, 1, 1, 2, 1, 1, 4, 0, 0, 0, 2],
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 2, 1],
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 2, 1],
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 4, 2],
            [0, 1, 0, 0, 0, 0, 1, 0, 0, 2, 1, 1, 2, 4],
        ]
    )
    matrix = kinship_matrix(ped, ids)
    np.testing.assert_array_equal(np.round(8 * matrix), printed)
    assert matrix[2, 13] == 1 / 16  # printed as 0: a half rounded to even


# --- ribd / pedtools ------------------------------------------------------------------


def test_ribd_child_of_half_sibs() -> None:
    """ribd ``inbreeding()`` help: "Child of half siblings: f = 1/8".

    Source: magnusdv/ribd, R/inbreeding.R examples, ``halfCousinPed(0, child = TRUE)``:
    1 is the common father, 2 and 3 the mothers, 4 (by 1 x 2) and 5 (by 1 x 3) the half
    sibs, 6 their child (pedtools numbering; the paramlink original of ``halfCousinPed``
    in cran/paramlink R/createPedigree.R builds 1-5 the same way).
    """
    ped = Pedigree(
        [
            Animal("1"),
            Animal("2"),
            Animal("3"),
            Animal("4", "1", "2"),
            Animal("5", "1", "3"),
            Animal("6", "4", "5"),
        ]
    )
    table = inbreeding(ped)
    assert [table[str(i)] for i in range(1, 7)] == [0, 0, 0, 0, 0, 0.125]
    assert exact_inbreeding(ped, "6") == Fraction(1, 8)


def test_ribd_child_of_full_sibs() -> None:
    """ribd test: ``inbreeding(cousinPed(0, child = TRUE)) == c(0, 0, 0, 0, 1/4)``.

    Source: magnusdv/ribd, tests/testthat/test-kinship.R ("inbreeding coefficients are
    correctly computed"). ``cousinPed(0)`` is a nuclear family (1 x 2 with children 3 and
    4); ``child = TRUE`` adds 5 by 3 x 4.
    """
    ped = Pedigree(
        [
            Animal("1"),
            Animal("2"),
            Animal("3", "1", "2"),
            Animal("4", "1", "2"),
            Animal("5", "3", "4"),
        ]
    )
    table = inbreeding(ped)
    assert [table[str(i)] for i in range(1, 6)] == [0, 0, 0, 0, 0.25]


def test_quad_half_first_cousins() -> None:
    """pedtools ``quadHalfFirstCousins()``: 9 (by 5 x 6) and 10 (by 7 x 8), where 5 = 1 x 2,
    6 = 3 x 4, 7 = 1 x 4 and 8 = 3 x 2 (magnusdv/pedtools, R/ped_complex.R).

    Derived by hand: each parent of 9 is a half sib of each parent of 10 (5 and 7 through
    1, 5 and 8 through 2, 6 and 7 through 4, 6 and 8 through 3), so
    kinship(9, 10) = (4 x 1/8) / 4 = 1/8, the F of their child. With ribd's ``kappaIBD``
    formulas (ribd help): kappa2 = phi(6,8) phi(5,7) + phi(6,7) phi(5,8) = 2/64 = 1/32 and
    kappa1 = 4 phi - 2 kappa2 = 7/16.
    """
    fathers = {"5": "1", "6": "3", "7": "1", "8": "3", "9": "5", "10": "7", "11": "9"}
    mothers = {"5": "2", "6": "4", "7": "4", "8": "2", "9": "6", "10": "8", "11": "10"}
    ped = Pedigree(Animal(str(i), fathers.get(str(i)), mothers.get(str(i))) for i in range(1, 12))
    assert exact_kinship(ped, "9", "10") == Fraction(1, 8)
    assert inbreeding(ped)["11"] == 0.125
    k = {pair: kinship(ped, *pair) for pair in (("6", "8"), ("5", "7"), ("6", "7"), ("5", "8"))}
    kappa2 = k["6", "8"] * k["5", "7"] + k["6", "7"] * k["5", "8"]
    assert kappa2 == 1 / 32
    assert 4 * kinship(ped, "9", "10") - 2 * kappa2 == 7 / 16


def test_pedsuite_course_grandfather_granddaughter_mating() -> None:
    """pedsuite course (ISFG-GHEP 2024), solutions to exercise II-2: f = 1/8.

    Source: magnusdv/pedsuite, vignettes/web_only/courses/ghep2024/solutions2.pdf ::

        x = linearPed(2, sex = 2); x = addSon(x, parents = c(1, 5)); inbreeding(x, id = 6)
        [1] 0.125

    ``linearPed(2, sex = 2)``: 1 x 2 have daughter 3; 4 x 3 have daughter 5; 6 is by the
    grandfather 1 out of his granddaughter 5. By hand: the only common ancestor is 1, on a
    path 1 -> 3 -> 5 with n1 = 0 and n2 = 2 meioses, F = (1/2)^(0 + 2 + 1) = 1/8.
    """
    ped = Pedigree(
        [
            Animal("1"),
            Animal("2"),
            Animal("3", "1", "2"),
            Animal("4"),
            Animal("5", "4", "3"),
            Animal("6", "1", "5"),
        ]
    )
    assert inbreeding(ped)["6"] == 0.125
    assert kinship(ped, "1", "5") == 0.125


def test_ribd_repeated_full_sib_mating() -> None:
    """Generations of full-sib mating (ribd/pedtools ``fullSibMating(n)``).

    Derived by hand with Wright's recurrence for brother x sister mating,
    ``F_t = (1 + 2 F_{t-1} + F_{t-2}) / 4`` (Wright 1921). The founders s0, d0 and their
    offspring s1, d1 are not inbred; then 1/4, 3/8, 1/2, 19/32 and
    (1 + 2 * 19/32 + 1/2) / 4 = 43/64.
    """
    rows = [Animal("s0"), Animal("d0")]
    for g in range(1, 7):
        rows.append(Animal(f"s{g}", f"s{g - 1}", f"d{g - 1}"))
        rows.append(Animal(f"d{g}", f"s{g - 1}", f"d{g - 1}"))
    ped = Pedigree(rows)
    expected = [Fraction(0), Fraction(0), Fraction(1, 4), Fraction(3, 8), Fraction(1, 2)]
    expected += [Fraction(19, 32), Fraction(43, 64)]
    table = inbreeding(ped)
    for g in range(7):
        assert table[f"s{g}"] == float(expected[g])
        assert exact_inbreeding(ped, f"d{g}") == expected[g]


# --- founder equivalents (Lacy 1989; PMx-style genetic value analysis) -----------------


def test_lacy_1989_founder_equivalents() -> None:
    """Lacy (1989) worked example: founder equivalents 2.91.

    Source: Lacy, R. C. (1989), Zoo Biology 8, 111-123, as reproduced in
    rmsharp/nprcgenekeepr tests/testthat/test_calcFE.R and test_calcFounderContributions.R
    ("He presented 2.91 as the answer"; the package checks 2.9090909091). Founders A, B
    and E; C and D by A x B; F and G by D x E.

    The figure is for the descendants C, D, F and G as the population. By hand: A and B
    each give 1/2 to C and D and 1/4 to F and G, so p_A = p_B = (1/2 + 1/2 + 1/4 + 1/4) / 4
    = 3/8, and p_E = (1/2 + 1/2) / 4 = 1/4; f_e = 1 / (2 (3/8)^2 + (1/4)^2) = 32/11.
    (With the animals without offspring, C, F and G, every founder gives 1/3 and f_e = 3.)
    """
    ped = Pedigree(
        [
            Animal("A"),
            Animal("B"),
            Animal("C", "A", "B"),
            Animal("D", "A", "B"),
            Animal("E"),
            Animal("F", "D", "E"),
            Animal("G", "D", "E"),
        ]
    )
    descendants_ = ["C", "D", "F", "G"]
    assert founder_contributions(ped, descendants_) == {"A": 0.375, "B": 0.375, "E": 0.25}
    assert founder_equivalents(ped, descendants_) == pytest.approx(2.9090909091, abs=1e-10)
    assert round(founder_equivalents(ped, descendants_), 2) == 2.91
    assert founder_equivalents(ped) == pytest.approx(3.0)


# --- GENLIB genea140 (as published by GENLIB's documentation and geneakit's tests) --------


@pytest.fixture(scope="module")
def genea140() -> Pedigree:
    return read_genea140()


def probands(ped: Pedigree) -> list[str]:
    starts, _ = ped.children_index()
    return [ped.ids[i] for i in np.flatnonzero(np.diff(starts) == 0).tolist()]


def test_genea140_published_counts(genea140: Pedigree) -> None:
    """genea140 as GENLIB describes it.

    Sources: GENLIB ``gen.pro`` help ("There are 140 probands",
    https://search.r-project.org/CRAN/refmans/GENLIB/html/gen.pro.html); Genopop/geneakit
    test/test_genea140.py, which checks GENLIB's figures on the same data: 41523
    individuals, 68248 parent-child relations, 20773 men, 20750 women, 140 probands and
    ``gen.depth == 18``.

    GENLIB's depth counts generations including both ends (a proband whose parents are
    founders has depth 2); ``Pedigree.depth`` counts steps from the founders (founders 0),
    so GENLIB's 18 is our deepest 17 plus one.
    """
    ped = genea140
    assert len(ped) == 41523
    assert int(np.count_nonzero(ped.sire >= 0) + np.count_nonzero(ped.dam >= 0)) == 68248
    sexes = [s.value for s in ped.sexes]
    assert sexes.count("male") == 20773
    assert sexes.count("female") == 20750
    assert len(probands(ped)) == 140
    assert int(ped.depth.max()) + 1 == 18


def test_genea140_published_relatives(genea140: Pedigree) -> None:
    """Children, descendants and half sibs published in geneakit's GENLIB-port tests.

    Source: Genopop/geneakit test/test_genea140.py: ``children(ped, [33724]) == [10033,
    113470]``; the 20 descendants of 10086; ``sibship(ped, [11520]) == [15397, 39369,
    49658]`` with half sibs included and ``[]`` for full sibs only.
    """
    ped = genea140
    assert sorted(ped.children("33724"), key=int) == ["10033", "113470"]
    assert sorted(int(x) for x in descendants(ped, "10086")) == [
        10009, 10018, 10033, 33724, 105379, 113470, 408065, 408069, 408075, 408375,
        408937, 409808, 623919, 712249, 712256, 860834, 860838, 868738, 868740, 868743,
    ]  # fmt: skip
    sire, dam = ped.parents("11520")
    full = [x for x in ped.ids if x != "11520" and ped.parents(x) == (sire, dam)]
    half_or_full = [
        x
        for x in ped.ids
        if x != "11520" and (ped.parents(x)[0] == sire or ped.parents(x)[1] == dam)
    ]
    assert full == []
    assert sorted(half_or_full, key=int) == ["15397", "39369", "49658"]


def test_genea140_mean_kinship_of_probands(genea140: Pedigree) -> None:
    """GENLIB ``gen.phiMean(gen.phi(gen140))`` = 0.0011437357709631094.

    Source: Genopop/geneakit test/test_genea140.py (``gen.phiMean(phi) ==
    0.0011437357709631094``); ``phiMean`` is the mean of the kinship coefficients of all
    pairs of distinct probands (the strict lower triangle of the 140 x 140 matrix).
    """
    ped = genea140
    pro = probands(ped)
    matrix = kinship_matrix(ped, pro)
    n = len(pro)
    mean = float(matrix[np.tril_indices(n, -1)].mean())
    assert mean == pytest.approx(0.0011437357709631094, rel=1e-12)


# --- GENLIB geneaJi ---------------------------------------------------------------------

# GENLIB's ``geneaJi`` data set ("highly inbred pedigree", 29 individuals), as shipped in
# GPhMorin/GenLib.jl data/geneaJi.asc: individual, father, mother (0 = unknown), sex.
GENEA_JI = """\
1 4 3 1|2 4 3 1|3 7 5 2|4 8 6 1|5 9 10 2|6 9 10 2|7 12 11 1|8 12 13 1|9 15 0 1|10 17 16 2|
11 0 14 2|12 17 16 1|13 20 14 2|14 17 16 2|15 19 18 1|16 19 18 2|17 0 0 1|18 25 26 2|
19 0 0 1|20 0 0 1|21 20 14 1|22 20 14 2|23 0 0 2|24 21 23 2|25 0 0 1|26 0 0 2|27 25 26 1|
28 27 22 1|29 28 24 2"""


def genea_ji() -> Pedigree:
    rows = [row.split() for row in GENEA_JI.replace("\n", "").split("|")]
    text = "id,father,mother,sex\n" + "\n".join(",".join(row) for row in rows)
    return parse_csv(text)


def test_genea_ji_inbreeding_and_kinship() -> None:
    """GENLIB figures on geneaJi, as checked by GenLib.jl (a Julia port of GENLIB).

    Source: GPhMorin/GenLib.jl test/runtests.jl, testset "geneaJi": ``gen.f(ped, [1]) ==
    [0.18359375]``, ``gen.f(ped, [17]) == [0]``, ``gen.phi(ped[1], ped[2]) ==
    0.37109375``, the kinship matrix of the probands 1, 2 and 29 ``[0.591796875
    0.37109375 0.072265625; 0.37109375 0.591796875 0.072265625; 0.072265625 0.072265625
    0.53515625]``, ``phiMean == 0.171875``, and founders ``[17, 19, 20, 23, 25, 26]``.
    """
    ped = genea_ji()
    table = inbreeding(ped)
    assert table["1"] == 0.18359375
    assert exact_inbreeding(ped, "1") == Fraction(47, 256)
    assert table["17"] == 0.0
    assert kinship(ped, "1", "2") == 0.37109375
    matrix = kinship_matrix(ped, ["1", "2", "29"])
    np.testing.assert_array_equal(
        matrix,
        [
            [0.591796875, 0.37109375, 0.072265625],
            [0.37109375, 0.591796875, 0.072265625],
            [0.072265625, 0.072265625, 0.53515625],
        ],
    )
    assert matrix[np.tril_indices(3, -1)].mean() == 0.171875
    assert sorted(founders(ped), key=int) == ["17", "19", "20", "23", "25", "26"]
    assert sorted(probands(ped), key=int) == ["1", "2", "29"]


def test_genea_ji_completeness() -> None:
    """GENLIB ``gen.completeness`` on geneaJi (Cazes & Cazes 1996: percent of the 2^g
    ancestors of generation g that are known).

    Source: GPhMorin/GenLib.jl test/runtests.jl: ``gen.completeness(ped, type="IND")[8, 1]
    == 3.125`` (row 8 is generation 7, column 1 is proband 1) and the mean over the
    probands ``gen.completeness(ped, genNo=[0, 4, 6]) == [100, 62.5, 18.75]``.
    ``completeness`` returns proportions for generations 1, 2, …, so GENLIB's percentages
    are 100 times ours; generation 0 (the proband itself) is always complete.
    """
    ped = genea_ji()
    by_proband = {p: completeness(ped, p, 7) for p in ("1", "2", "29")}
    assert by_proband["1"][6] * 100 == 3.125
    mean = [sum(values[g - 1] for values in by_proband.values()) / 3 for g in (4, 6)]
    assert [100 * m for m in mean] == [62.5, 18.75]


def test_genea140_gene_diversity_agrees_with_phi_mean(genea140: Pedigree) -> None:
    """Gene diversity of the probands, tied to GENLIB's published ``phiMean``.

    ``gene_diversity`` is ``1 - mean kinship`` with each animal's kinship to itself in the
    average (the zoo convention, Ballou & Lacy 1995), while GENLIB's ``phiMean`` =
    0.0011437357709631094 (Genopop/geneakit test/test_genea140.py) leaves the diagonal
    out. For n = 140 probands the two are linked by hand:
    ``mean kinship = (n (n - 1) phiMean + sum of (1 + F_i) / 2) / n**2``.
    """
    ped = genea140
    pro = probands(ped)
    n = len(pro)
    table = inbreeding(ped)
    diagonal = sum((1 + table[p]) / 2 for p in pro)
    expected = 1 - (n * (n - 1) * 0.0011437357709631094 + diagonal) / n**2
    assert gene_diversity(ped, pro, inbreeding=table) == pytest.approx(expected, rel=1e-12)
