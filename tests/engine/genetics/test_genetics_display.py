"""How genotypes and crosses show themselves: in a console (repr) and in a notebook (HTML)."""

from __future__ import annotations

from fractions import Fraction

from reptidex.engine.genetics import Genotype, Sex, cross, load_catalog, parse_genotype
from reptidex.engine.genetics.cross import HTML_ROWS
from reptidex.engine.genetics.phenotype import Diplotype

BP = load_catalog("ball_python")


def test_a_genotype_shows_its_species_sex_and_name() -> None:
    assert repr(parse_genotype(BP, "Pastel het Clown")) == (
        "<Genotype ball_python: Pastel het Clown>"
    )
    assert repr(parse_genotype(BP, "Banana", Sex.FEMALE)) == (
        "<Genotype ball_python female: Banana>"
    )


def test_a_genotype_no_name_says_shows_its_blocks() -> None:
    pastel = BP.block_of_locus[BP.locate_allele(BP.allele_by_name("Pastel").id)[0]][0]
    maybe: dict[Diplotype, Fraction] = {
        ((0,), (0,)): Fraction(1, 2),
        ((0,), (1,)): Fraction(1, 2),
    }
    genotype = Genotype.from_blocks(BP, {pastel: maybe})
    assert repr(genotype) == f"<Genotype ball_python: blocks {genotype.blocks!r}>"


def test_a_cross_shows_its_parents_and_outcome_count() -> None:
    result = cross(parse_genotype(BP, "Pastel Spider het Clown"), parse_genotype(BP, "Clown"))
    assert repr(result) == ("<CrossResult ball_python: Bumblebee het Clown × Clown, 8 outcomes>")


def test_a_notebook_table_lists_outcomes_most_likely_first_escaped() -> None:
    result = cross(parse_genotype(BP, "Pastel het Clown"), parse_genotype(BP, "het Clown"))
    page = result._repr_html_()
    assert page.startswith("<p>&lt;CrossResult ball_python: Pastel het Clown × Normal het Clown")
    rows = page.split("<tr>")[2:]
    assert len(rows) == result.outcome_count == 4
    first = result.outcomes()[0]
    assert rows[0].startswith(f"<td>{first.probability}</td>")
    assert "<td>2/3 Clown</td>" in page  # the normal-looking ones may carry Clown
    assert "not shown" not in page


def test_a_big_cross_shows_only_its_most_likely_rows() -> None:
    genes = "Pastel Spider Mojave Enchi Fire Cinnamon"
    result = cross(parse_genotype(BP, genes), parse_genotype(BP, genes))
    page = result._repr_html_()
    assert len(page.split("<tr>")[2:]) == HTML_ROWS
    assert f"<p>{result.outcome_count - HTML_ROWS:,} less likely outcomes not shown</p>" in page
