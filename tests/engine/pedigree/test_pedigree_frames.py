"""Pedigree results as pandas objects: inbreeding by id, a kinship matrix labelled by id, and a
clear error without pandas."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pedigree_testkit import full_sib_series, random_records

from reptidex.engine.pedigree import (
    Animal,
    Pedigree,
    coefficient_series,
    inbreeding,
    kinship_frame,
    kinship_matrix,
    mean_kinship,
)

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def test_inbreeding_series_holds_each_animals_coefficient_by_id() -> None:
    ped = full_sib_series(3)
    table = inbreeding(ped)
    series = table.to_pandas("F")
    assert series.name == "F"
    assert series.index.name == "id"
    assert series.dtype == np.float64
    assert series.to_dict() == dict(table)
    assert table.to_pandas().name is None


def test_the_series_is_a_copy_the_caller_may_change() -> None:
    ped = Pedigree([Animal("S"), Animal("D"), Animal("K", "S", "D")])
    table = inbreeding(ped)
    series = table.to_pandas()
    series["K"] = 0.5
    assert table["K"] == 0.0


def test_any_coefficient_table_converts_as_inbreeding_does() -> None:
    ped = full_sib_series(2)
    table = mean_kinship(ped)
    assert coefficient_series(table, "mk").equals(table.to_pandas("mk"))


def test_kinship_frame_labels_rows_and_columns_in_the_order_asked() -> None:
    ped = Pedigree(
        [
            Animal("S"),
            Animal("D"),
            Animal("B", "S", "D"),
            Animal("G", "S", "D"),
            Animal("X", "B", "G"),
        ]
    )
    frame = kinship_frame(ped, ["X", "S", "B"])
    assert frame.index.tolist() == ["X", "S", "B"]
    assert frame.columns.tolist() == ["X", "S", "B"]
    assert frame.index.name == frame.columns.name == "id"
    assert frame.loc["X", "X"] == pytest.approx(0.625)
    assert frame.loc["X", "B"] == pytest.approx(0.375)
    assert frame.loc["X", "S"] == pytest.approx(0.25)
    assert frame.loc["S", "B"] == pytest.approx(0.25)


def test_kinship_frame_of_no_animals_is_empty_and_unknown_ids_are_refused() -> None:
    ped = Pedigree([Animal("S")])
    assert kinship_frame(ped, []).shape == (0, 0)
    with pytest.raises(KeyError, match="nobody"):
        kinship_frame(ped, ["S", "nobody"])


def test_kinship_frame_reuses_given_inbreeding() -> None:
    ped = full_sib_series(3)
    ids = list(ped.ids)
    table = inbreeding(ped)
    assert kinship_frame(ped, ids, inbreeding=table).equals(kinship_frame(ped, ids))


@SETTINGS
@given(seed=seeds, n=st.integers(min_value=1, max_value=120))
def test_inbreeding_series_index_is_the_pedigrees_ids(seed: int, n: int) -> None:
    ped = Pedigree(random_records(seed, n))
    table = inbreeding(ped)
    series = table.to_pandas("F")
    assert tuple(series.index) == ped.ids
    np.testing.assert_array_equal(series.to_numpy(), table.array)
    assert series[list(ped.record_order)].tolist() == [table[i] for i in ped.record_order]


@SETTINGS
@given(seed=seeds, n=st.integers(min_value=1, max_value=120), data=st.data())
def test_kinship_frame_equals_the_matrix(seed: int, n: int, data: st.DataObject) -> None:
    ped = Pedigree(random_records(seed, n))
    ids = data.draw(st.lists(st.sampled_from(ped.ids), min_size=1, max_size=10))
    frame = kinship_frame(ped, ids)
    np.testing.assert_array_equal(frame.to_numpy(), kinship_matrix(ped, ids))
    assert frame.index.tolist() == ids == frame.columns.tolist()


def test_without_pandas_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    ped = Pedigree([Animal("S")])
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    with pytest.raises(ImportError, match=r"pip install 'reptidex\[pandas\]'") as caught:
        inbreeding(ped).to_pandas()
    assert caught.value.name == "pandas"
    with pytest.raises(ImportError, match=r"reptidex\[pandas\]"):
        kinship_frame(ped, ["S"])


def test_pandas_is_the_real_library_here() -> None:
    assert isinstance(kinship_frame(Pedigree([Animal("S")]), ["S"]), pd.DataFrame)
