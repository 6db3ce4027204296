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
    assert "<td>66% het Clown</td>" in page  # the normal-looking ones may carry Clown
    assert "not shown" not in page


def test_a_big_cross_shows_only_its_most_likely_rows() -> None:
    genes = "Pastel Spider Mojave Enchi Fire Cinnamon"
    result = cross(parse_genotype(BP, genes), parse_genotype(BP, genes))
    page = result._repr_html_()
    assert len(page.split("<tr>")[2:]) == HTML_ROWS
    assert f"<p>{result.outcome_count - HTML_ROWS:,} less likely outcomes not shown</p>" in page


HEAD = (
    "<tr><th>probability</th><th>%</th><th>phenotype</th><th>het</th>"
    "<th>possible het</th><th>sex</th><th></th></tr>"
)


def test_a_notebook_table_is_exactly_what_a_breeder_reads() -> None:
    result = cross(
        parse_genotype(BP, "Spider Clown Pied"),
        parse_genotype(BP, "Spider het Lavender Albino het Hypo"),
    )
    carried = "<td>Clown, Piebald</td><td>50% het Lavender Albino, 50% het Orange Ghost</td>"
    assert result._repr_html_() == (
        "<p>&lt;CrossResult ball_python: Spider Clown Piebald × Spider het Lavender Albino "
        "het Orange Ghost, 3 outcomes&gt;</p><table>"
        + HEAD
        + f"<tr><td>1/2</td><td>50.00%</td><td>Spider</td>{carried}<td></td><td></td></tr>"
        + f"<tr><td>1/4</td><td>25.00%</td><td>Normal</td>{carried}<td></td><td></td></tr>"
        + f"<tr><td>1/4</td><td>25.00%</td><td>Super Spider</td>{carried}<td></td>"
        + "<td>lethal</td></tr></table>"
    )


def test_a_notebook_table_says_the_sex_where_it_matters() -> None:
    result = cross(parse_genotype(BP, "Banana", Sex.MALE), parse_genotype(BP, "Normal", Sex.FEMALE))
    rows = result._repr_html_().split("</table>")[0].split("<tr>")[2:]
    assert rows[:2] == [
        "<td>1/4</td><td>25.00%</td><td>Banana</td><td></td><td></td><td>female</td><td></td></tr>",
        "<td>1/4</td><td>25.00%</td><td>Banana</td><td></td><td></td><td>male</td><td></td></tr>",
    ]


def test_parents_no_name_says_show_as_a_question_mark() -> None:
    pastel = BP.block_of_locus[BP.locate_allele(BP.allele_by_name("Pastel").id)[0]][0]
    maybe: dict[Diplotype, Fraction] = {
        ((0,), (0,)): Fraction(1, 2),
        ((0,), (1,)): Fraction(1, 2),
    }
    unnamed = Genotype.from_blocks(BP, {pastel: maybe})
    normal = parse_genotype(BP, "Normal")
    assert repr(cross(unnamed, normal)) == "<CrossResult ball_python: ? × Normal, 2 outcomes>"
    assert repr(cross(normal, unnamed)) == "<CrossResult ball_python: Normal × ?, 2 outcomes>"


def test_viable_only_genotypes_are_renormalised_with_their_groups() -> None:
    """Spider x Spider loses a quarter as Super Spider: each surviving genotype's chance is
    divided by the 3/4 that live, so they sum to one again."""
    spider = parse_genotype(BP, "Spider")
    result = cross(spider, spider, viable_only=True)
    chances = sorted(p for _, p in result.genotypes())
    assert chances == [Fraction(1, 3), Fraction(2, 3)]
    assert [o.probability for o in result.outcomes()] == [Fraction(2, 3), Fraction(1, 3)]
