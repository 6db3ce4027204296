"""Property tests of the genetics rules (Hypothesis)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reptidex.engine.genetics import (
    Allele,
    Block,
    Catalog,
    Expression,
    Genotype,
    Outcome,
    Sex,
    catalog_from_mapping,
    cross,
    load_catalog,
    name_genotype,
    parse_genotype,
)
from reptidex.engine.genetics.genotype import sex_pair
from reptidex.engine.genetics.phenotype import Diplotype
from reptidex.testing import (
    autosomal_loci,
    diplotypes,
    genotypes,
    parent_pairs,
    sex_linked_loci,
)

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BP = load_catalog("ball_python")  # XY, with a sex-linked gene (Banana) and three complexes
CORN = load_catalog("corn_snake")  # ZW, complexes with a named compound (Ultramel)
ZW_LINKED = catalog_from_mapping(
    {
        "species": {"id": "zw_demo", "name": "ZW demo", "sex_system": "ZW"},
        "genes": [
            {"id": "zeta", "name": "Zeta", "inheritance": "recessive"},
            {"id": "eta", "name": "Eta", "inheritance": "incomplete_dominant"},
        ],
        "linkage": [
            {"id": "zeta_z", "loci": ["zeta"], "sex_linked": True, "recombination": ["1/8"]}
        ],
    }
)
"""A Z-linked gene: crossing-over with the sex-determining region in a ZW species."""
SPECIES = (BP, CORN, ZW_LINKED)
PROBABILITIES = st.sampled_from([Fraction(1, 2), Fraction(2, 3), Fraction(1, 3), Fraction(1, 4)])


autosomal = autosomal_loci
sex_linked = sex_linked_loci
AUTOSOMAL = autosomal(BP)


def parents(
    species: Sequence[Catalog] = SPECIES, **options: Any
) -> st.SearchStrategy[tuple[Genotype, Genotype]]:
    """A sire and a dam of one of these tests' species (the kit's :func:`parent_pairs`)."""
    return parent_pairs(species, **options)


def outcome_key(o: Outcome) -> tuple[object, ...]:
    return (o.phenotype, o.traits, o.hets, o.possible_hets, o.sex, o.lethal, o.probability)


def genotype_distribution(sire: Genotype, dam: Genotype, **kw: bool) -> dict[Genotype, Fraction]:
    out: defaultdict[Genotype, Fraction] = defaultdict(Fraction)
    for genotype, p in cross(sire, dam, **kw).genotypes():
        out[genotype] += p
    return dict(out)


@FAST
@given(parents())
def test_probabilities_sum_to_exactly_one(pair: tuple[Genotype, Genotype]) -> None:
    result = cross(*pair)
    assert sum(o.probability for o in result.outcomes()) == 1
    assert sum(p for _, p in result.genotypes()) == 1


@FAST
@given(parents(sexed=False))
def test_swapping_sire_and_dam_changes_nothing_for_autosomal_loci(
    pair: tuple[Genotype, Genotype],
) -> None:
    sire, dam = pair
    forward = sorted(map(outcome_key, cross(sire, dam).outcomes()), key=repr)
    backward = sorted(map(outcome_key, cross(dam, sire).outcomes()), key=repr)
    assert forward == backward


def _single(locus: int, a: int, b: int, catalog: Catalog = BP) -> Genotype:
    block = catalog.block_of_locus[locus][0]
    return Genotype.from_blocks(catalog, {block: {((a,), (b,)): Fraction(1)}})


ALLELES = [(li, ai, allele) for li, ai, allele in BP.alleles() if li in AUTOSOMAL]
EVERY_AUTOSOMAL_ALLELE = [
    (catalog, li, ai, allele)
    for catalog in SPECIES
    for li, ai, allele in catalog.alleles()
    if li in autosomal(catalog)
]


@FAST
@given(st.sampled_from(EVERY_AUTOSOMAL_ALLELE))
def test_mendelian_ratios(entry: tuple[Catalog, int, int, Allele]) -> None:
    catalog, locus, index, allele = entry
    het = _single(locus, 0, index, catalog)
    counts = {g.locus_distribution(locus).popitem()[0]: p for g, p in cross(het, het).genotypes()}
    # het x het: 1 : 2 : 1 for recessive, incomplete dominant and dominant alike.
    assert counts == {
        (0, 0): Fraction(1, 4),
        (0, index): Fraction(1, 2),
        (index, index): Fraction(1, 4),
    }
    looks = {o.traits: o.probability for o in cross(het, het).outcomes()}
    if allele.expression is Expression.RECESSIVE:
        assert looks[(allele.name,)] == Fraction(1, 4)
        assert looks[()] == Fraction(3, 4)
        normal = next(o for o in cross(het, het).outcomes() if not o.traits)
        assert [(p.gene, p.probability) for p in normal.possible_hets] == [
            (allele.name, Fraction(2, 3))
        ]
    else:
        wild = _single(locus, 0, 0, catalog)
        single = {o.traits: o.probability for o in cross(het, wild).outcomes()}
        assert single == {(allele.name,): Fraction(1, 2), (): Fraction(1, 2)}


@FAST
@given(parents(max_loci=4))
def test_unlinked_joint_distribution_is_the_product_of_marginals(
    pair: tuple[Genotype, Genotype],
) -> None:
    table = cross(*pair).genotype_table()
    codes = table.codes
    probabilities = [table.probability(i) for i in range(len(table))]
    marginals = []
    for b in range(codes.shape[1]):
        m: Counter[int] = Counter()
        for row, p in zip(codes[:, b], probabilities, strict=True):
            m[int(row)] += p  # type: ignore[assignment]
        marginals.append(m)
    for row, p in zip(codes, probabilities, strict=True):
        expected = Fraction(1)
        for b, code in enumerate(row):
            expected *= marginals[b][int(code)]
        assert p == expected


def _linked_catalog(r: Fraction | None) -> Catalog:
    data: dict[str, object] = {
        "species": {"id": "demo", "name": "Demo", "sex_system": "temperature"},
        "genes": [
            {"id": "a", "name": "Alpha", "inheritance": "recessive"},
            {"id": "b", "name": "Beta", "inheritance": "incomplete_dominant"},
        ],
    }
    if r is not None:
        data["linkage"] = [{"id": "ab", "loci": ["a", "b"], "recombination": [str(r)]}]
    return catalog_from_mapping(data)


def _visual_distribution(result_outcomes: Sequence[Outcome]) -> dict[tuple[str, ...], Fraction]:
    return {o.traits: o.probability for o in result_outcomes}


@FAST
@given(
    st.sampled_from(
        ["Alpha het Alpha", "het Alpha Beta", "Beta", "Super Beta het Alpha", "Alpha Beta"]
    ),
    st.sampled_from(["het Alpha Beta", "het Alpha", "Normal", "Alpha Super Beta"]),
)
def test_linkage_at_one_half_equals_unlinked(sire_text: str, dam_text: str) -> None:
    sire_text = sire_text.replace("Alpha het Alpha", "Alpha")
    linked, free = _linked_catalog(Fraction(1, 2)), _linked_catalog(None)
    a = cross(parse_genotype(linked, sire_text), parse_genotype(linked, dam_text)).outcomes()
    b = cross(parse_genotype(free, sire_text), parse_genotype(free, dam_text)).outcomes()
    assert sorted(map(outcome_key, a), key=repr) == sorted(map(outcome_key, b), key=repr)


def test_linkage_at_zero_keeps_parental_haplotypes() -> None:
    catalog = _linked_catalog(Fraction(0))
    block = catalog.blocks[0].index
    # Alpha and Beta in coupling on one chromosome: (a, b) / (+, +)
    sire = Genotype.from_blocks(catalog, {block: {((1, 1), (0, 0)): Fraction(1)}})
    dam = Genotype.from_blocks(catalog, {block: {((0, 0), (0, 0)): Fraction(1)}})
    offspring = {
        g.blocks[0][1][0][0] if g.blocks else ((0, 0), (0, 0)): p
        for g, p in cross(sire, dam).genotypes()
    }
    assert offspring == {((0, 0), (0, 0)): Fraction(1, 2), ((0, 0), (1, 1)): Fraction(1, 2)}
    recombining = _linked_catalog(Fraction(1, 10))
    sire = Genotype.from_blocks(recombining, {block: {((1, 1), (0, 0)): Fraction(1)}})
    dam = Genotype.from_blocks(recombining, {block: {((0, 0), (0, 0)): Fraction(1)}})
    shares = {
        g.blocks[0][1][0][0] if g.blocks else ((0, 0), (0, 0)): p
        for g, p in cross(sire, dam).genotypes()
    }
    assert shares[((0, 0), (1, 0))] == Fraction(1, 20)


@FAST
@given(parents())
def test_no_animal_has_more_than_two_alleles_per_locus(pair: tuple[Genotype, Genotype]) -> None:
    sire, dam = pair
    catalog = sire.catalog
    for genotype, _ in cross(sire, dam).genotypes():
        for block, distribution in genotype.iter_blocks():
            for diplotype, _p in distribution:
                assert len(diplotype) == 2
                assert all(len(h) == len(block.loci) for h in diplotype)
                if block.sex_linked:  # the offspring's own sex chromosomes
                    assert genotype.sex is not None
                    pair_of_sex = tuple(sorted(h[0] for h in diplotype))
                    assert pair_of_sex == sex_pair(catalog.sex_system, genotype.sex)
        loci = autosomal(catalog) + (sex_linked(catalog) if genotype.sex is not None else [])
        for locus in loci:
            for alleles in genotype.locus_distribution(locus):
                assert len(alleles) == 2
                inherited: set[int] = set()
                for parent in (sire, dam):
                    for parent_pair in parent.locus_distribution(locus):
                        inherited.update(parent_pair)
                assert set(alleles) <= inherited | {0} or set(alleles) <= inherited


@FAST
@given(
    st.sampled_from(SPECIES).flatmap(
        lambda catalog: st.tuples(
            st.just(catalog),
            st.lists(
                st.sampled_from([e[1:] for e in EVERY_AUTOSOMAL_ALLELE if e[0] is catalog]),
                min_size=1,
                max_size=4,
                unique_by=lambda e: e[0],
            ),
        )
    )
)
def test_homozygous_animal_crossed_with_itself_gives_itself(
    entries: tuple[Catalog, list[tuple[int, int, Allele]]],
) -> None:
    catalog, alleles = entries
    blocks: dict[int, dict[Diplotype, Fraction]] = {
        catalog.block_of_locus[li][0]: {((ai,), (ai,)): Fraction(1)} for li, ai, _ in alleles
    }
    animal = Genotype.from_blocks(catalog, blocks)
    assert genotype_distribution(animal, animal) == {animal: Fraction(1)}


@FAST
@given(parents())
def test_possible_het_parent_is_the_weighted_mix_of_its_possibilities(
    pair: tuple[Genotype, Genotype],
) -> None:
    sire, dam = pair
    mixed: defaultdict[Genotype, Fraction] = defaultdict(Fraction)
    for option, weight in sire.possibilities():
        for genotype, p in genotype_distribution(option, dam).items():
            mixed[genotype] += weight * p
    direct = genotype_distribution(sire, dam)
    assert {g: p for g, p in mixed.items() if p} == direct


@st.composite
def morph_texts(draw: st.DrawFn) -> str:
    """Morph descriptions breeders write: visual traits, hets and possible hets."""
    parts: list[str] = []
    used: set[int] = set()
    for li, _ai, allele in draw(
        st.lists(st.sampled_from(ALLELES), max_size=4, unique_by=lambda e: e[0])
    ):
        used.add(li)
        kind = draw(st.sampled_from(["visual", "super", "het", "possible"]))
        name = allele.name
        if allele.expression is not Expression.RECESSIVE:
            parts.append(f"super {name}" if kind == "super" else name)
        elif kind == "het":
            parts.append(f"het {name}")
        elif kind == "possible":
            p = draw(PROBABILITIES)
            parts.append(f"{p.numerator}/{p.denominator} het {name}")
        else:
            parts.append(name)
    return " ".join(parts) or "Normal"


@FAST
@given(morph_texts())
def test_naming_and_parsing_round_trip(text: str) -> None:
    genotype = parse_genotype(BP, text)
    name = name_genotype(genotype)
    assert parse_genotype(BP, name) == genotype
    assert name_genotype(parse_genotype(BP, name)) == name


@FAST
@given(
    st.sampled_from(
        ["Normal", "male maker Banana", "female maker Banana", "Banana", "Super Banana"]
    ),
    st.sampled_from(["Normal", "Banana", "Super Banana"]),
)
def test_sex_linked_names_round_trip(sire_text: str, dam_text: str) -> None:
    for text, sex in ((sire_text, Sex.MALE), (dam_text, Sex.FEMALE)):
        genotype = parse_genotype(BP, text, sex)
        assert parse_genotype(BP, name_genotype(genotype), sex) == genotype
    result = cross(
        parse_genotype(BP, sire_text, Sex.MALE), parse_genotype(BP, dam_text, Sex.FEMALE)
    )
    assert sum(o.probability for o in result.outcomes()) == 1


LETHAL_PRONE = [(li, ai, a) for li, ai, a in ALLELES if a.super_lethal]


@FAST
@given(parents(species=[BP]), st.sampled_from(LETHAL_PRONE))
def test_viable_only_is_the_conditional_distribution(
    pair: tuple[Genotype, Genotype], entry: tuple[int, int, Allele]
) -> None:
    locus, index, _ = entry
    block = BP.block_of_locus[locus][0]
    extra: dict[int, dict[Diplotype, Fraction]] = {block: {((0,), (index,)): Fraction(1)}}
    sire, dam = (
        Genotype.from_blocks(BP, {**{i: dict(d) for i, d in g.blocks}, **extra}, g.sex)
        for g in pair
    )
    full = cross(sire, dam).outcomes()
    alive = sum(o.probability for o in full if not o.lethal)
    if alive == 0:
        with pytest.raises(ValueError, match="no viable offspring"):
            cross(sire, dam, viable_only=True)
        return
    expected = sorted(
        ((o.phenotype, o.sex, o.probability / alive) for o in full if not o.lethal), key=repr
    )
    viable = cross(sire, dam, viable_only=True).outcomes()
    assert all(not o.lethal for o in viable)
    assert sorted(((o.phenotype, o.sex, o.probability) for o in viable), key=repr) == expected


@pytest.mark.parametrize("species", ["leopard_gecko", "corn_snake", "crested_gecko"])
def test_every_species_sums_to_one_for_multi_het_crosses(species: str) -> None:
    catalog = load_catalog(species)
    names = [a.name for _, _, a in catalog.alleles()][:6]
    text = " ".join(f"het {n}" if catalog.traits[n].recessive_visual else n for n in names)
    result = cross(parse_genotype(catalog, text), parse_genotype(catalog, text))
    assert sum(o.probability for o in result.outcomes()) == 1


@FAST
@given(parents())
def test_sons_and_daughters_are_even_whenever_sex_is_in_play(
    pair: tuple[Genotype, Genotype],
) -> None:
    """Sex-linked genes change which offspring carry what, never the sex ratio; without them
    an outcome has no sex."""
    sire, dam = pair
    result = cross(sire, dam)
    sex_block = sire.catalog.sex_block
    in_play = sex_block is not None and any(i == sex_block.index for g in pair for i, _ in g.blocks)
    sexes: defaultdict[Sex | None, Fraction] = defaultdict(Fraction)
    for outcome in result.outcomes():
        sexes[outcome.sex] += outcome.probability
    if in_play:
        assert sexes == {Sex.MALE: Fraction(1, 2), Sex.FEMALE: Fraction(1, 2)}
    else:
        assert sexes == {None: 1}


def _gametes(diplotype: Diplotype, crossing_over: Fraction) -> dict[tuple[int, int], Fraction]:
    """(sex chromosome, allele) of a parent's gametes at a one-gene sex-linked block: each
    chromosome half the time, carrying its own allele unless a crossing-over swapped them."""
    (sex_a, allele_a), (sex_b, allele_b) = diplotype
    out: defaultdict[tuple[int, int], Fraction] = defaultdict(Fraction)
    for chromosome, own, other in ((sex_a, allele_a, allele_b), (sex_b, allele_b, allele_a)):
        out[(chromosome, own)] += (1 - crossing_over) / 2
        out[(chromosome, other)] += crossing_over / 2
    return out


def _sex_block(catalog: Catalog) -> Block:
    block = catalog.sex_block
    assert block is not None
    return block


@FAST
@given(
    st.sampled_from([BP, ZW_LINKED]).flatmap(
        lambda catalog: st.tuples(
            st.just(catalog),
            diplotypes(catalog, _sex_block(catalog), Sex.MALE),
            diplotypes(catalog, _sex_block(catalog), Sex.FEMALE),
        )
    )
)
def test_a_sex_linked_gene_follows_its_chromosome_but_for_crossing_over(
    drawn: tuple[Catalog, Diplotype, Diplotype],
) -> None:
    """XY (Banana) and ZW alike: a parent passes each sex chromosome half the time, with the
    gene it carries, or with the other one's gene at the catalog's crossing-over rate."""
    catalog, male, female = drawn
    block = _sex_block(catalog)
    crossing_over = block.recombination[0]
    expected: defaultdict[tuple[Sex, tuple[int, int]], Fraction] = defaultdict(Fraction)
    for (from_sire, a), p in _gametes(male, crossing_over).items():
        for (from_dam, b), q in _gametes(female, crossing_over).items():
            chromosomes = tuple(sorted((from_sire, from_dam)))
            sex = Sex.MALE if chromosomes == sex_pair(catalog.sex_system, Sex.MALE) else Sex.FEMALE
            expected[(sex, (min(a, b), max(a, b)))] += p * q
    sire = Genotype.from_blocks(catalog, {block.index: {male: Fraction(1)}}, Sex.MALE)
    dam = Genotype.from_blocks(catalog, {block.index: {female: Fraction(1)}}, Sex.FEMALE)
    if not sire.blocks and not dam.blocks:  # both wild type: sex is not in play
        assert [g.sex for g, _ in cross(sire, dam).genotypes()] == [None]
        return
    got: defaultdict[tuple[Sex, tuple[int, int]], Fraction] = defaultdict(Fraction)
    for offspring, p in cross(sire, dam).genotypes():
        assert offspring.sex is not None
        ((alleles, certain),) = offspring.locus_distribution(block.loci[1]).items()
        assert certain == 1
        got[(offspring.sex, alleles)] += p
    assert got == {key: p for key, p in expected.items() if p}


@FAST
@given(
    st.sampled_from(SPECIES).flatmap(
        lambda catalog: st.sampled_from([Sex.MALE, Sex.FEMALE, None]).flatmap(
            lambda sex: genotypes(catalog, sex=sex, certain=True)
        )
    )
)
def test_every_certain_genotype_has_a_name_that_reads_back(genotype: Genotype) -> None:
    """Complexes and their compounds, male and female makers, in every species."""
    name = name_genotype(genotype)
    assert parse_genotype(genotype.catalog, name, genotype.sex) == genotype
