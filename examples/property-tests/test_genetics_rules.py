"""Rules of genetics and pedigrees checked with the ReptiDex property-testing kit.

An outside project's tests, as they would be written: only the installed package
(``pip install "reptidex[testing]"``) and pytest. Run them with

    pytest --hypothesis-profile=ci
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given

from reptidex.engine.genetics import Catalog, Genotype, cross, name_genotype, parse_genotype
from reptidex.engine.pedigree import Pedigree, inbreeding, kinship
from reptidex.testing import genotypes, morphs, parent_pairs, pedigrees


@given(parent_pairs())
def test_a_clutch_adds_up_to_exactly_one(pair: tuple[Genotype, Genotype]) -> None:
    assert sum(o.probability for o in cross(*pair).outcomes()) == Fraction(1)


@given(parent_pairs(sexed=False))
def test_for_genes_off_the_sex_chromosomes_the_parents_roles_do_not_matter(
    pair: tuple[Genotype, Genotype],
) -> None:
    sire, dam = pair
    forward = sorted((o.phenotype, o.probability) for o in cross(sire, dam).outcomes())
    backward = sorted((o.phenotype, o.probability) for o in cross(dam, sire).outcomes())
    assert forward == backward


def test_morph_names_read_back_in_every_species(reptidex_each_catalog: Catalog) -> None:
    @given(morphs(reptidex_each_catalog))
    def reads_back(text: str) -> None:
        assert name_genotype(parse_genotype(reptidex_each_catalog, text)) == text

    reads_back()


def test_possible_hets_are_probabilities(reptidex_each_catalog: Catalog) -> None:
    @given(genotypes(reptidex_each_catalog))
    def between_nought_and_one(genotype: Genotype) -> None:
        assert sum(p for _, p in genotype.possibilities()) == 1
        for _, _, allele in reptidex_each_catalog.alleles():
            assert 0 <= genotype.carrier_probability(allele.id) <= 1

    between_nought_and_one()


@given(pedigrees(inbred=False))
def test_parents_without_a_common_ancestor_have_no_inbred_offspring(ped: Pedigree) -> None:
    assert not inbreeding(ped).array.any()


@given(pedigrees(inbred=True))
def test_an_animal_is_as_inbred_as_its_parents_are_related(ped: Pedigree) -> None:
    table = inbreeding(ped)
    for ident in ped.ids:
        sire, dam = ped.parents(ident)
        related = kinship(ped, sire, dam) if sire and dam else 0.0
        assert abs(table[ident] - related) < 1e-12
    assert table.array.max() >= 0.25
