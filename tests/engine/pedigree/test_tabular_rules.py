"""The tabular method's rules: parents at the first row of the table, and the size limit."""

from __future__ import annotations

from fractions import Fraction

import pytest

from reptidex.engine.pedigree import Animal, Pedigree, exact_kinship, tabular_kinship_matrix
from reptidex.engine.pedigree import tabular as tabular_module


def test_a_dam_at_the_first_row_passes_on_her_kinship() -> None:
    """A dam at row 0 of the table counts in her offspring's row like any other parent."""
    ped = Pedigree([Animal("D"), Animal("S"), Animal("K", "S", "D")])
    assert ped.ids[0] == "D"
    assert exact_kinship(ped, "K", "D") == Fraction(1, 4)


def test_a_dam_at_the_first_row_counts_in_inbreeding() -> None:
    """Offspring of a dam (row 0) and her son: the self-kinship adds the parents' kinship."""
    ped = Pedigree([Animal("D"), Animal("S", None, "D"), Animal("X", "S", "D")])
    assert ped.ids[0] == "D"
    assert exact_kinship(ped, "X", "X") == Fraction(5, 8)


def test_a_sire_at_the_first_row_counts_in_inbreeding() -> None:
    """Offspring of a sire (row 0) and his daughter: the self-kinship adds the parents' kinship."""
    ped = Pedigree([Animal("S"), Animal("D", "S", None), Animal("X", "S", "D")])
    assert ped.ids[0] == "S"
    assert exact_kinship(ped, "X", "X") == Fraction(5, 8)


def test_the_dense_table_takes_up_to_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pedigree of exactly the limit is tabulated; one more animal is refused, saying so."""
    monkeypatch.setattr(tabular_module, "_TABULAR_LIMIT", 3)
    ped = Pedigree([Animal("S"), Animal("D"), Animal("K", "S", "D")])
    assert tabular_kinship_matrix(ped).tolist() == [
        [0.5, 0.0, 0.25],
        [0.0, 0.5, 0.25],
        [0.25, 0.25, 0.5],
    ]
    larger = Pedigree([Animal("S"), Animal("D"), Animal("K", "S", "D"), Animal("L", "S", "D")])
    with pytest.raises(ValueError, match=r"^the tabular method is limited to 3 animals$"):
        tabular_kinship_matrix(larger)
