"""A pedigree from a pandas DataFrame's columns, or from records with numbers and gaps, as
scientists hold their data: integer ids, parents read as floats with NaN, sexes as text."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from reptidex.engine.pedigree import Animal, Pedigree, PedigreeError, Sex, inbreeding

FAMILY = pd.DataFrame(
    {
        "id": [1, 2, 3, 4, 5],
        "sire": [None, None, 1, 1, 3],  # read as float64: 1.0, with NaN for the founders
        "dam": [None, None, 2, 2, 4],
        "sex": ["M", "F", "male", "female", None],
        "hatched": pd.to_datetime(["2018-01-01", None, "2019-05-01", "2019-05-01", "2021-01-01"]),
    }
)
TEXT = Pedigree.from_columns(
    ["1", "2", "3", "4", "5"],
    [None, None, "1", "1", "3"],
    [None, None, "2", "2", "4"],
    [Sex.MALE, Sex.FEMALE, Sex.MALE, Sex.FEMALE, Sex.UNKNOWN],
)


def same(a: Pedigree, b: Pedigree) -> bool:
    return (a.ids, a.record_order, a.sexes) == (b.ids, b.record_order, b.sexes) and (
        a.sire.tolist(),
        a.dam.tolist(),
    ) == (b.sire.tolist(), b.dam.tolist())


def test_a_dataframes_columns_go_in_as_they_are() -> None:
    assert FAMILY["sire"].dtype == np.float64
    ped = Pedigree.from_columns(
        FAMILY["id"], FAMILY["sire"], FAMILY["dam"], FAMILY["sex"], FAMILY["hatched"]
    )
    assert same(ped, TEXT)
    assert inbreeding(ped)["5"] == 0.25
    assert ped.animal("5").hatched == dt.datetime(2021, 1, 1)
    assert ped.animal("2").hatched is None  # NaT


def test_nullable_dtypes_and_pandas_na_are_unknown() -> None:
    typed = FAMILY.convert_dtypes()
    assert typed["sire"].dtype == "Int64"
    ped = Pedigree.from_columns(typed["id"], typed["sire"], typed["dam"], typed["sex"])
    assert same(ped, TEXT)


def test_records_of_a_dataframe_read_the_same() -> None:
    ped = Pedigree(FAMILY.to_dict("records"))
    assert same(ped, TEXT)
    assert ped.animal("2").hatched is None


@pytest.mark.parametrize("gap", [None, "", math.nan, np.nan, pd.NA])
def test_every_spelling_of_a_gap_is_an_unknown_parent(gap: object) -> None:
    ped = Pedigree.from_columns(["K", "S"], ["S", gap], [gap, gap], ["f", "m"])
    assert ped.parents("K") == ("S", None)
    assert ped.ids == ("S", "K")
    record = Pedigree([{"id": "K", "sire": "S", "dam": gap}, {"id": "S", "sire": gap}])
    assert record.parents("K") == ("S", None)


def test_sexes_are_read_as_breeders_write_them() -> None:
    ped = Pedigree.from_columns(
        ["a", "b", "c", "d", "e"], [None] * 5, [None] * 5, ["M", "f", 1, 2.0, math.nan]
    )
    assert ped.sexes == (Sex.MALE, Sex.FEMALE, Sex.MALE, Sex.UNKNOWN, Sex.UNKNOWN)


def test_the_same_checks_whatever_the_spelling() -> None:
    with pytest.raises(PedigreeError) as caught:
        Pedigree.from_columns([1, 2], [2.0, None], [None, 1], ["f", "m"])
    assert str(caught.value) == "cycle: 1 -> 2 -> 1 (each has the next as a parent)"
    with pytest.raises(PedigreeError) as caught:
        Pedigree.from_columns([1, 2, 3], [None, None, 2.0], [None, None, 1], ["m", "f", None])
    assert str(caught.value).splitlines() == [
        "2 is recorded as sire of 3 but its sex is female",
        "1 is recorded as dam of 3 but its sex is male",
    ]


@pytest.mark.parametrize("missing", [None, "", math.nan, pd.NA])
def test_an_animal_without_an_id_is_refused(missing: object) -> None:
    with pytest.raises(ValueError, match="animal 2 has no id"):
        Pedigree.from_columns(["a", missing, "c"], [None] * 3, [None] * 3)
    with pytest.raises(ValueError, match=r"^a record without an id$"):
        Pedigree([{"id": missing}])


def test_text_columns_are_kept_as_they_are() -> None:
    ids = ["S", "D", "K"]
    ped = Pedigree.from_columns(ids, [None, None, "S"], [None, None, "D"])
    assert ped.record_order == ("S", "D", "K")
    assert Pedigree([Animal("K", "S", "D"), Animal("S"), Animal("D")]).parents("K") == ("S", "D")
