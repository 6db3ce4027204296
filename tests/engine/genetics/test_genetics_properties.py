"""Property tests of the genetics rules (Hypothesis)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reptidex.engine.genetics import (
    Allele,
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
from reptidex.engine.genetics.phenotype import Diplotype

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BP = load_catalog("ball_python")
AUTOSOMAL = [li for li in range(len(BP.loci)) if not BP.blocks[BP.block_of_locus[li][0]].sex_linked]
PROBABILITIES = st.sampled_from([Fraction(1, 2), Fraction(2, 3), Fraction(1, 3), Fraction(1, 4)])


@st.composite
def locus_distributions(
    draw: st.DrawFn, catalog: Catalog, locus: int
) -> dict[tuple[int, int], Fraction]:
    """Any distribution over one to three allele pairs at ``locus``."""
    count = len(catalog.loci[locus].alleles)
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, count), st.integers(0, count)).map(lambda p: tuple(sorted(p))),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    weights = draw(st.lists(st.integers(1, 5), min_size=len(pairs), max_size=len(pairs)))
    total = sum(weights)
    return {(a, b): Fraction(w, total) for (a, b), w in zip(pairs, weights, strict=True)}


@st.composite
def genotypes(
    draw: st.DrawFn,
    catalog: Catalog = BP,
    loci: list[int] | None = None,
    sex: Sex | None = None,
    max_loci: int = 3,
) -> Genotype:
    """A random (possibly uncertain) genotype over a few unlinked loci."""
    chosen = draw(
        st.lists(
            st.sampled_from(loci if loci is not None else AUTOSOMAL), max_size=max_loci, unique=True
        )
    )
    blocks: dict[int, dict[Diplotype, Fraction]] = {}
    for locus in chosen:
        block, _ = catalog.block_of_locus[locus]
        blocks[block] = {
            ((a,), (b,)): p for (a, b), p in draw(locus_distributions(catalog, locus)).items()
        }
    return Genotype.from_blocks(catalog, blocks, sex)


def outcome_key(o: Outcome) -> tuple[object, ...]:
    return (o.phenotype, o.traits, o.hets, o.possible_hets, o.sex, o.lethal, o.probability)


def genotype_distribution(sire: Genotype, dam: Genotype, **kw: bool) -> dict[Genotype, Fraction]:
    out: defaultdict[Genotype, Fraction] = defaultdict(Fraction)
    for genotype, p in cross(sire, dam, **kw).genotypes():
        out[genotype] += p
    return dict(out)


@FAST
@given(genotypes(), genotypes())
def test_probabilities_sum_to_exactly_one(sire: Genotype, dam: Genotype) -> None:
    result = cross(sire, dam)
    assert sum(o.probability for o in result.outcomes()) == 1
    assert sum(p for _, p in result.genotypes()) == 1


@FAST
@given(genotypes(), genotypes())
def test_swapping_sire_and_dam_changes_nothing_for_autosomal_loci(
    sire: Genotype, dam: Genotype
) -> None:
    forward = sorted(map(outcome_key, cross(sire, dam).outcomes()), key=repr)
    backward = sorted(map(outcome_key, cross(dam, sire).outcomes()), key=repr)
    assert forward == backward


def _single(locus: int, a: int, b: int) -> Genotype:
    return Genotype.from_blocks(BP, {BP.block_of_locus[locus][0]: {((a,), (b,)): Fraction(1)}})


ALLELES = [(li, ai, allele) for li, ai, allele in BP.alleles() if li in AUTOSOMAL]


@FAST
@given(st.sampled_from(ALLELES))
def test_mendelian_ratios(entry: tuple[int, int, Allele]) -> None:
    locus, index, allele = entry
    het = _single(locus, 0, index)
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
        single = {o.traits: o.probability for o in cross(het, _single(locus, 0, 0)).outcomes()}
        assert single == {(allele.name,): Fraction(1, 2), (): Fraction(1, 2)}


@FAST
@given(genotypes(max_loci=4), genotypes(max_loci=4))
def test_unlinked_joint_distribution_is_the_product_of_marginals(
    sire: Genotype, dam: Genotype
) -> None:
    table = cross(sire, dam).genotype_table()
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
@given(genotypes(), genotypes())
def test_no_animal_has_more_than_two_alleles_per_locus(sire: Genotype, dam: Genotype) -> None:
    for genotype, _ in cross(sire, dam).genotypes():
        for block, distribution in genotype.iter_blocks():
            for diplotype, _p in distribution:
                assert len(diplotype) == 2
                assert all(len(h) == len(block.loci) for h in diplotype)
        for locus in AUTOSOMAL:
            for pair in genotype.locus_distribution(locus):
                assert len(pair) == 2
                parents: set[int] = set()
                for parent in (sire, dam):
                    for parent_pair in parent.locus_distribution(locus):
                        parents.update(parent_pair)
                assert set(pair) <= parents | {0} or set(pair) <= parents


@FAST
@given(st.lists(st.sampled_from(ALLELES), min_size=1, max_size=4, unique_by=lambda e: e[0]))
def test_homozygous_animal_crossed_with_itself_gives_itself(
    entries: list[tuple[int, int, Allele]],
) -> None:
    blocks: dict[int, dict[Diplotype, Fraction]] = {
        BP.block_of_locus[li][0]: {((ai,), (ai,)): Fraction(1)} for li, ai, _ in entries
    }
    animal = Genotype.from_blocks(BP, blocks)
    assert genotype_distribution(animal, animal) == {animal: Fraction(1)}


@FAST
@given(genotypes(), genotypes())
def test_possible_het_parent_is_the_weighted_mix_of_its_possibilities(
    sire: Genotype, dam: Genotype
) -> None:
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
@given(genotypes(), genotypes(), st.sampled_from(LETHAL_PRONE))
def test_viable_only_is_the_conditional_distribution(
    sire: Genotype, dam: Genotype, entry: tuple[int, int, Allele]
) -> None:
    locus, index, _ = entry
    block = BP.block_of_locus[locus][0]
    extra: dict[int, dict[Diplotype, Fraction]] = {block: {((0,), (index,)): Fraction(1)}}
    sire = Genotype.from_blocks(BP, {**{i: dict(d) for i, d in sire.blocks}, **extra})
    dam = Genotype.from_blocks(BP, {**{i: dict(d) for i, d in dam.blocks}, **extra})
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
