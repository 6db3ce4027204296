"""What a notebook shows of pedigree results: bounded, escaped HTML tables."""

from __future__ import annotations

from reptidex.engine import _html
from reptidex.engine.pedigree import Animal, Pedigree, inbreeding


def test_a_coefficient_table_shows_its_first_animals_and_counts_the_rest() -> None:
    ped = Pedigree([Animal(f"a{i}") for i in range(_html.ROWS + 5)])
    shown = inbreeding(ped)._repr_html_()
    assert shown.count("<tr>") == 1 + _html.ROWS
    assert "<tr><th>id</th><th>value</th></tr>" in shown
    assert "<td>a0</td><td>0.0</td>" in shown
    assert f"<td>a{_html.ROWS - 1}</td>" in shown
    assert f"<td>a{_html.ROWS}</td>" not in shown
    assert shown.endswith("<p>5 more not shown</p>")
    assert shown.startswith(f"<p>&lt;CoefficientTable of {_html.ROWS + 5} animals&gt;</p>")


def test_a_coefficient_table_shows_each_animals_value_with_ids_escaped() -> None:
    ped = Pedigree(
        [Animal("<S>"), Animal("D&D"), Animal("B", "<S>", "D&D"), Animal("G", "<S>", "D&D")]
    )
    ped = ped.extend([Animal("X", "B", "G")])
    shown = inbreeding(ped)._repr_html_()
    assert "<td>&lt;S&gt;</td><td>0.0</td>" in shown
    assert "<td>D&amp;D</td>" in shown
    assert "<td>X</td><td>0.25</td>" in shown
    assert "more not shown" not in shown
