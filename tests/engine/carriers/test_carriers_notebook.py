"""Het odds in a notebook: a readable repr, a bounded HTML table, and a DataFrame of every
animal's posterior equal to what reading the animals one by one gives."""

from __future__ import annotations

import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reptidex.engine import _html
from reptidex.engine.carriers import (
    CarrierAnalysis,
    carrier_locus,
    evidence_from_morphs,
    het_odds,
)
from reptidex.engine.genetics import load_catalog
from reptidex.engine.pedigree import Animal, Pedigree
from reptidex.testing import pedigrees

BP = load_catalog("ball_python")
CLOWN = carrier_locus(BP, "Clown")
ALBINO = carrier_locus(BP, "Albino")  # a complex: several mutant alleles


def _family(kids: int) -> tuple[Pedigree, CarrierAnalysis]:
    ped = Pedigree(
        [Animal("Zeus"), Animal("Hera")] + [Animal(f"K{i}", "Zeus", "Hera") for i in range(kids)]
    )
    morphs = {animal: "Normal" for animal in ped.ids} | {"K0": "Clown"}
    return ped, het_odds(ped, evidence_from_morphs(ped, CLOWN, morphs))


def test_the_repr_names_the_locus_the_animals_and_the_method() -> None:
    _, odds = _family(3)
    assert repr(odds) == "<CarrierAnalysis ball_python:clown (Clown) of 5 animals, junction_tree>"


def test_the_frame_holds_each_animals_exact_posterior_and_carrier_odds() -> None:
    ped, odds = _family(3)
    frame = odds.to_frame()
    assert frame.index.name == "id"
    assert tuple(frame.index) == ped.ids
    assert list(frame.columns) == ["Normal", "het Clown", "Clown", "carrier"]
    assert frame.loc["K1"].tolist() == [Fraction(1, 3), Fraction(2, 3), 0, Fraction(2, 3)]
    assert frame.loc["Zeus", "carrier"] == 1
    assert "standard_error" not in frame.columns


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ped=pedigrees(max_animals=10), data=st.data())
def test_the_frame_equals_the_animals_read_one_by_one(ped: Pedigree, data: st.DataObject) -> None:
    locus = data.draw(st.sampled_from([CLOWN, ALBINO]))
    morphs = {
        animal: data.draw(st.sampled_from(["Normal", "unknown"]), label=animal)
        for animal in ped.ids
    }
    odds = het_odds(
        ped, evidence_from_morphs(ped, locus, {a: m for a, m in morphs.items() if m != "unknown"})
    )
    frame = odds.to_frame()
    assert tuple(frame.index) == odds.ids
    for animal in odds.ids:
        one = odds[animal]
        assert frame.loc[animal, list(locus.names)].tolist() == list(one.genotypes.values())
        assert frame.loc[animal, "carrier"] == one.carrier


def test_a_monte_carlo_frame_has_floats_and_standard_errors() -> None:
    ped, exact = _family(2)
    floats = evidence_from_morphs(ped, CLOWN, {"K1": "Normal"}, allele_frequency=0.05)
    estimate = het_odds(ped, floats, max_clique_states=1, approximate=True, samples=2000, seed=1)
    frame = estimate.to_frame()
    assert frame["carrier"].dtype == np.float64
    assert estimate.standard_errors is not None
    np.testing.assert_array_equal(frame["standard_error"].to_numpy(), estimate.standard_errors)
    assert exact.to_frame()["carrier"].dtype == object  # exact Fractions stay exact


def test_the_notebook_table_shows_the_first_animals_exactly() -> None:
    _, odds = _family(_html.ROWS + 1)
    shown = odds._repr_html_()
    assert shown.startswith("<p>&lt;CarrierAnalysis ball_python:clown (Clown) of ")
    assert "<th>het Clown</th><th>Clown</th><th>carrier</th>" in shown
    assert "<td>K1</td><td>1/3</td><td>2/3</td><td>0</td><td>2/3</td>" in shown
    assert shown.count("<tr>") == 1 + _html.ROWS
    assert shown.endswith("<p>3 more not shown</p>")


def test_without_pandas_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _, odds = _family(1)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install 'reptidex\[pandas\]'"):
        odds.to_frame()
