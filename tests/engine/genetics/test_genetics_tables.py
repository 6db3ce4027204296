"""A cross as tables: the genotype table by locus (arrays and a DataFrame), the outcomes as a
DataFrame, their notebook views, and a clear error without pandas."""

from __future__ import annotations

import sys
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from reptidex.engine.genetics import (
    CrossResult,
    Genotype,
    cross,
    cross_morphs,
    load_catalog,
)
from reptidex.engine.genetics.model import SEX_LOCUS
from reptidex.engine.genetics.tables import (
    WILD,
    LocusColumn,
    genotype_columns,
    genotype_frame,
    outcomes_frame,
)
from reptidex.testing import parent_pairs

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BP = load_catalog("ball_python")


def _alleles(label: str, names: dict[str, int]) -> list[int]:
    """``"Clown/+"`` back to allele indexes, higher first."""
    return [0 if name == WILD else names[name] for name in label.split("/")]


@FAST
@given(pair=parent_pairs())
def test_each_row_of_the_frame_is_the_genotype_iteration_gives(
    pair: tuple[Genotype, Genotype],
) -> None:
    result = cross(*pair)
    table = result.genotype_table()
    frame = table.to_frame()
    assert len(frame) == len(table)
    assert frame.attrs["denominator"] == table.denominator
    assert frame["numerator"].sum() == table.denominator
    catalog = table.catalog
    loci = [
        (position, locus) for block in table.blocks for position, locus in enumerate(block.loci)
    ]
    for row, (genotype, probability) in zip(frame.itertuples(index=False), table, strict=True):
        values = dict(zip(frame.columns, row, strict=True))
        assert Fraction(int(values["numerator"]), table.denominator) == probability
        assert values["probability"] == pytest.approx(float(probability))
        for _, locus in loci:
            if locus == SEX_LOCUS:
                assert values["sex"] == str(genotype.sex)
                continue
            names = {a.name: i for i, a in enumerate(catalog.loci[locus].alleles, start=1)}
            ((pair_of_alleles, certain),) = genotype.locus_distribution(locus).items()
            assert certain == 1
            label = values[catalog.loci[locus].name]
            assert sorted(_alleles(label, names)) == sorted(pair_of_alleles)


@FAST
@given(pair=parent_pairs())
def test_locus_columns_are_categorical_and_probabilities_sum_to_one(
    pair: tuple[Genotype, Genotype],
) -> None:
    table = cross(*pair).genotype_table()
    frame = genotype_frame(table)
    columns = genotype_columns(table)
    assert list(frame.columns) == [*(c.name for c in columns), "probability", "numerator"]
    for column in columns:
        assert isinstance(frame[column.name].dtype, pd.CategoricalDtype)
        assert frame[column.name].tolist() == column.values()
        assert all(type(label) is str for label in column.labels)
        assert repr(column) == f"<LocusColumn {column.name}: {', '.join(column.labels)}>"
    assert frame["probability"].sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(table.probabilities, frame["probability"].to_numpy())


def test_a_linked_block_gives_its_phase_beside_its_unphased_loci() -> None:
    table = cross_morphs(BP, "Banana", "Normal").genotype_table()
    frame = table.to_frame()
    assert list(frame.columns) == [
        "sex",
        "Banana",
        "sex & Banana phase",
        "probability",
        "numerator",
    ]
    rows = frame[["sex", "Banana", "sex & Banana phase"]].values.tolist()
    assert rows == [
        ["female", "+/+", "X-+ | X-+"],
        ["female", "Banana/+", "X-+ | X-Banana"],
        ["male", "+/+", "X-+ | Y-+"],
        ["male", "Banana/+", "X-+ | Y-Banana"],
    ]
    assert [c.phase for c in genotype_columns(table)] == [False, False, True]
    assert repr(table) == "<GenotypeTable ball_python: 4 genotypes over sex, Banana>"


def test_an_allelic_complex_names_both_alleles_the_higher_first() -> None:
    frame = cross_morphs(BP, "Lesser", "Mojave").genotype_table().to_frame()
    column = frame.columns[0]
    assert frame[column].tolist() == ["+/+", "Lesser/+", "Mojave/+", "Mojave/Lesser"]


def test_a_cross_of_normals_has_one_genotype_and_no_loci() -> None:
    table = cross_morphs(BP, "Normal", "Normal").genotype_table()
    frame = table.to_frame()
    assert list(frame.columns) == ["probability", "numerator"]
    assert frame["probability"].tolist() == [1.0]
    assert repr(table) == "<GenotypeTable ball_python: 1 genotypes over no loci>"


def test_the_genotype_frame_makes_no_genotype_per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    genes = "Pastel Spider Mojave Enchi Fire Cinnamon Yellowbelly Leopard Pinstripe"
    table = cross_morphs(BP, genes, genes).genotype_table()

    def refuse(*args: object, **kwargs: object) -> Genotype:
        raise AssertionError("a Genotype was made")

    monkeypatch.setattr(Genotype, "from_blocks", refuse)
    frame = table.to_frame()
    assert len(frame) == 3**9
    assert frame["numerator"].sum() == table.denominator
    assert frame.groupby("Pastel", observed=True)["probability"].sum().to_dict() == {
        "+/+": 0.25,
        "Pastel/+": 0.5,
        "Pastel/Pastel": 0.25,
    }


def test_probabilities_are_the_exact_ones_as_floats() -> None:
    table = cross_morphs(BP, "Pastel het Clown", "het Clown").genotype_table()
    assert table.probabilities.dtype == np.float64
    assert table.probabilities.tolist() == [float(table.probability(i)) for i in range(len(table))]


def _outcome_rows(result: CrossResult) -> list[tuple[str, Fraction]]:
    return [(o.phenotype, o.probability) for o in result.outcomes()]


@FAST
@given(pair=parent_pairs())
def test_the_outcomes_frame_holds_the_outcomes_in_order(pair: tuple[Genotype, Genotype]) -> None:
    result = cross(*pair)
    frame = result.to_frame()
    outcomes = list(result.outcomes())
    assert list(zip(frame["phenotype"], frame["fraction"], strict=True)) == _outcome_rows(result)
    assert frame["probability"].tolist() == [float(o.probability) for o in outcomes]
    assert frame["lethal"].tolist() == [o.lethal for o in outcomes]
    assert frame["sex"].tolist() == [None if o.sex is None else o.sex.value for o in outcomes]
    assert frame["hets"].tolist() == [", ".join(o.hets) for o in outcomes]


def test_the_outcomes_frame_writes_possible_hets_as_breeders_do() -> None:
    result = cross_morphs(BP, "Pastel het Clown", "het Clown het Pied")
    frame = result.to_frame()
    assert frame.iloc[0].to_dict() == {
        "phenotype": "Normal",
        "probability": 0.375,
        "fraction": Fraction(3, 8),
        "hets": "",
        "possible_hets": "66% het Clown, 50% het Piebald",
        "sex": None,
        "lethal": False,
    }
    clown = frame[frame["phenotype"] == "Clown"].iloc[0]
    assert (clown["hets"], clown["possible_hets"]) == ("", "50% het Piebald")
    assert list(frame.columns) == [
        "phenotype",
        "probability",
        "fraction",
        "hets",
        "possible_hets",
        "sex",
        "lethal",
    ]


def test_some_outcomes_make_a_frame_too() -> None:
    result = cross_morphs(BP, "Pastel Spider het Clown", "Pastel het Clown")
    top = outcomes_frame(result.most_likely(3))
    assert top["phenotype"].tolist() == [o.phenotype for o in result.most_likely(3)]
    empty = outcomes_frame([])
    assert empty.shape == (0, 7)
    assert empty["probability"].dtype == np.float64
    assert empty["lethal"].dtype == bool


def test_certain_hets_are_listed_together_and_sex_stays_text_or_none() -> None:
    frame = cross_morphs(BP, "Clown Pied", "Normal").to_frame()
    assert frame[["phenotype", "hets", "possible_hets"]].values.tolist() == [
        ["Normal", "Clown, Piebald", ""]
    ]
    assert frame["sex"].dtype == object
    sexed = cross_morphs(BP, "Banana", "Normal").to_frame()
    assert sexed["sex"].dtype == object
    assert sorted(sexed["sex"]) == ["female", "female", "male", "male"]
    assert all(type(sex) is str for sex in sexed["sex"])


def test_a_genotype_table_shows_in_a_notebook_as_a_bounded_table() -> None:
    genes = "Pastel Spider Mojave"
    table = cross_morphs(BP, genes, genes).genotype_table()
    shown = table._repr_html_()
    assert shown.startswith("<p>&lt;GenotypeTable ball_python: 27 genotypes over ")
    assert "<th>Pastel</th>" in shown
    assert "<th>probability</th>" in shown
    assert "<td>+/+</td>" in shown
    assert "<td>1/64</td>" in shown
    assert shown.count("<tr>") == 1 + 20
    assert shown.endswith("<p>7 more not shown</p>")


def test_without_pandas_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    result = cross_morphs(BP, "Pastel", "Normal")
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install 'reptidex\[pandas\]'"):
        result.to_frame()
    with pytest.raises(ImportError, match=r"reptidex\[pandas\]"):
        result.genotype_table().to_frame()
    # what needs no pandas still works
    assert [c.name for c in genotype_columns(result.genotype_table())] == ["Pastel"]
    assert "Pastel" in repr(result.genotype_table())


def test_a_locus_column_is_of_one_locus_unless_it_says_it_is_a_phase() -> None:
    column = LocusColumn("Clown", ("+/+", "Clown/+"), np.array([1, 0, 1]))
    assert column.phase is False
    assert column.values() == ["Clown/+", "+/+", "Clown/+"]
    assert repr(column) == "<LocusColumn Clown: +/+, Clown/+>"
