"""A sex-linked gene of unknown phase: the cross under each phase (male maker, female maker)."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reptidex.engine.genetics import (
    CrossResult,
    Genotype,
    Sex,
    catalog_from_mapping,
    cross,
    cross_morphs,
    load_catalog,
    parse_genotype,
)
from reptidex.engine.genetics.makers import MakerSplit, maker_phases, split_by_maker
from reptidex.testing import genotypes, morphs

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BP = load_catalog("ball_python")
ZW = catalog_from_mapping(
    {
        "species": {"id": "zw_demo", "name": "ZW demo", "sex_system": "ZW"},
        "genes": [
            {"id": "zeta", "name": "Zeta", "inheritance": "recessive"},
            {"id": "eta", "name": "Eta", "inheritance": "incomplete_dominant"},
            {"id": "theta", "name": "Theta", "inheritance": "dominant"},
        ],
        "linkage": [
            {"id": "zeta_z", "loci": ["zeta"], "sex_linked": True, "recombination": ["1/8"]}
        ],
    }
)
"""A Z-linked recessive: the heterogametic parent is the dam."""
TWO_LINKED = catalog_from_mapping(
    {
        "species": {"id": "xy_two", "name": "XY two", "sex_system": "XY"},
        "genes": [
            {"id": "alpha", "name": "Alpha", "inheritance": "incomplete_dominant"},
            {"id": "beta", "name": "Beta", "inheritance": "incomplete_dominant"},
        ],
        "linkage": [
            {
                "id": "alpha_beta",
                "loci": ["alpha", "beta"],
                "sex_linked": True,
                "recombination": ["1/10", "1/5"],
            }
        ],
    }
)
"""Two sex-linked genes: each may lie on either chromosome."""


def _by_look(result: CrossResult) -> dict[tuple[object, ...], Fraction]:
    return {(o.traits, o.sex, o.lethal): o.probability for o in result.outcomes()}


def _by_genotype(result: CrossResult) -> dict[tuple[object, ...], Fraction]:
    table = result.genotype_table()
    out: dict[tuple[object, ...], Fraction] = {}
    for row, codes in enumerate(table.codes):
        key = tuple(
            (block.index, table.diplotypes[b][int(c)])
            for b, (block, c) in enumerate(zip(table.blocks, codes, strict=True))
        )
        out[key] = table.probability(row)
    return out


def _average(split: MakerSplit, read: object) -> dict[tuple[object, ...], Fraction]:
    assert callable(read)
    out: defaultdict[tuple[object, ...], Fraction] = defaultdict(Fraction)
    for phase in split.phases:
        for key, p in read(phase.result).items():
            out[key] += phase.probability * p
    return dict(out)


def _maker_text(text: str, maker: str) -> str:
    return f"{maker} {text}"


@st.composite
def banana_pairings(draw: st.DrawFn) -> tuple[str, str, bool]:
    """A Banana sire of unknown phase with autosomal genes, any dam, viable only or not."""
    others = draw(morphs(BP, max_loci=2))
    dam = draw(genotypes(BP, sex=Sex.FEMALE, max_loci=2, certain=True))
    from reptidex.engine.genetics import name_genotype

    return f"{others} Banana", name_genotype(dam), draw(st.booleans())


@FAST
@given(banana_pairings())
def test_the_marginal_is_the_average_of_the_two_phases(pairing: tuple[str, str, bool]) -> None:
    sire, dam, viable_only = pairing
    result = cross_morphs(BP, sire, dam, viable_only=viable_only)
    (split,) = split_by_maker(result)
    assert split.parent == "sire"
    assert "Banana" in split.genes
    assert [p.probability for p in split.phases] == [Fraction(1, 2), Fraction(1, 2)]
    assert _by_look(result) == _average(split, _by_look)
    assert _by_genotype(result) == _average(split, _by_genotype)


@FAST
@given(banana_pairings())
def test_each_phase_is_the_cross_of_the_morph_with_its_maker(
    pairing: tuple[str, str, bool],
) -> None:
    sire, dam, viable_only = pairing
    (split,) = split_by_maker(cross_morphs(BP, sire, dam, viable_only=viable_only))
    for phase in split.phases:
        written = cross_morphs(BP, _maker_text(sire, phase.maker), dam, viable_only=viable_only)
        assert phase.result.sire == written.sire
        assert phase.result.to_dict() == written.to_dict()
        assert phase.outcomes.to_dicts() == written.outcomes().to_dicts()
        assert phase.omitted_probability == 0
        assert sum(o.probability for o in phase.outcomes) == 1
        assert sum(p for _, p in phase.result.genotypes()) == 1
        assert phase.result.outcome_count <= cross_morphs(BP, sire, dam).outcome_count


@FAST
@given(
    morphs(ZW, max_loci=2),
    st.sampled_from(["het Zeta", "50% het Zeta", "66% het Zeta"]),
    st.sampled_from(["Normal", "het Zeta", "Zeta", "Eta"]),
)
def test_a_zw_dam_is_split_as_her_morph_with_each_maker_reads(
    others: str, linked: str, sire: str
) -> None:
    dam = f"{others} {linked}"
    result = cross_morphs(ZW, sire, dam)
    (split,) = split_by_maker(result)
    assert split.parent == "dam"
    assert split.genes == ("Zeta",)
    assert _by_look(result) == _average(split, _by_look)
    assert _by_genotype(result) == _average(split, _by_genotype)
    for phase in split.phases:
        written = cross_morphs(ZW, sire, _maker_text(dam, phase.maker))
        assert phase.result.to_dict() == written.to_dict()
        assert sum(o.probability for o in phase.outcomes) == 1


def test_a_banana_male_maker_sires_mostly_male_bananas() -> None:
    result = cross_morphs(BP, "Banana", "Normal")
    assert _by_look(result) == {
        (("Banana",), Sex.FEMALE, False): Fraction(1, 4),
        (("Banana",), Sex.MALE, False): Fraction(1, 4),
        ((), Sex.FEMALE, False): Fraction(1, 4),
        ((), Sex.MALE, False): Fraction(1, 4),
    }
    (split,) = split_by_maker(result)
    male, female = split.phases
    assert (male.maker, female.maker) == ("male maker", "female maker")
    assert _by_look(male.result) == {
        (("Banana",), Sex.MALE, False): Fraction(39, 80),
        (("Banana",), Sex.FEMALE, False): Fraction(1, 80),
        ((), Sex.FEMALE, False): Fraction(39, 80),
        ((), Sex.MALE, False): Fraction(1, 80),
    }
    assert _by_look(female.result)[(("Banana",), Sex.FEMALE, False)] == Fraction(39, 80)
    assert _by_look(female.result)[(("Banana",), Sex.MALE, False)] == Fraction(1, 80)
    assert split.note == (
        "The sire's Banana may lie on his Y (a male maker) or on his X (a female maker), the "
        "same for every egg: one male's real clutch follows one of these two distributions, "
        "skewed by his phase, not the marginal, which is their average. Write 'male maker' or "
        "'female maker' in the sire's morph once the phase is known."
    )


def test_the_json_form_of_a_split() -> None:
    (split,) = split_by_maker(cross_morphs(BP, "Banana", "Normal"))
    body = split.to_dict()
    assert body["parent"] == "sire"
    assert body["genes"] == ["Banana"]
    assert body["note"] == split.note
    first = body["phases"][0]
    assert {k: v for k, v in first.items() if k != "outcomes"} == {
        "maker": "male maker",
        "probability": "1/2",
        "sire": cross_morphs(BP, "male maker Banana", "Normal").summary()["sire"],
        "dam": "Normal",
        "lethal_probability": "0",
        "outcome_count": 4,
        "omitted_probability": "0",
    }
    assert first["outcomes"][0] == {
        "probability": "39/80",
        "percent": 48.75,
        "phenotype": "Banana",
        "traits": ["Banana"],
        "hets": [],
        "possible_hets": [],
        "sex": "male",
        "lethal": False,
        "warnings": [],
    }
    assert body["phases"][1]["maker"] == "female maker"
    female = cross_morphs(BP, "female maker Banana", "Normal").summary()["sire"]
    assert body["phases"][1]["sire"] == female


def test_a_dam_is_named_in_her_own_words() -> None:
    (split,) = split_by_maker(cross_morphs(ZW, "Normal", "het Zeta"))
    assert split.note.startswith(
        "The dam's Zeta may lie on her Z (a male maker) or on her W (a female maker), the same "
        "for every egg: one female's real clutch follows"
    )
    written = cross_morphs(ZW, "Normal", "male maker het Zeta").summary()["dam"]
    assert split.to_dict()["phases"][0]["dam"] == written


@pytest.mark.parametrize(
    ("sire", "dam"),
    [
        ("male maker Banana", "Normal"),
        ("female maker Banana", "Banana"),
        ("Super Banana", "Banana"),
        ("Pastel", "Banana"),
        ("Pastel het Clown", "het Clown"),
    ],
)
def test_no_split_without_a_phase_in_doubt(sire: str, dam: str) -> None:
    assert split_by_maker(cross_morphs(BP, sire, dam)) == ()


def test_no_split_in_a_species_without_sex_linked_genes() -> None:
    corn = load_catalog("corn_snake")
    assert split_by_maker(cross_morphs(corn, "Amel", "het Amel")) == ()
    assert maker_phases(parse_genotype(corn, "Amel")) == ()


def test_genes_in_independent_phases_have_no_maker_split() -> None:
    # Alpha and Beta each on either chromosome: four phases, not the two that makers name.
    sire = parse_genotype(TWO_LINKED, "Alpha Beta", Sex.MALE)
    assert len(sire.block(TWO_LINKED.blocks[0].index)) == 4
    assert maker_phases(sire) == ()
    # Both on one chromosome or both on the other: two makers, each with both genes.
    phases = maker_phases(parse_genotype(TWO_LINKED, "Alpha", Sex.MALE))
    assert [p.maker for p in phases] == ["male maker", "female maker"]
    together = _two_linked_sire({((1, 1, 1), (0, 0, 0)): 1, ((0, 1, 1), (1, 0, 0)): 1})
    (split,) = split_by_maker(cross(together, parse_genotype(TWO_LINKED, "Normal", Sex.FEMALE)))
    assert split.genes == ("Alpha", "Beta")
    assert "The sire's Alpha and Beta may lie on his Y" in split.note
    assert [p.result.sire for p in split.phases] == [
        _two_linked_sire({((1, 1, 1), (0, 0, 0)): 1}),
        _two_linked_sire({((0, 1, 1), (1, 0, 0)): 1}),
    ]


def _two_linked_sire(weights: dict[tuple[tuple[int, ...], tuple[int, ...]], int]) -> Genotype:
    total = sum(weights.values())
    block = TWO_LINKED.blocks[0].index
    distribution = {d: Fraction(w, total) for d, w in weights.items()}
    return Genotype.from_blocks(TWO_LINKED, {block: distribution}, Sex.MALE)


def test_phases_of_unequal_chance_weigh_the_marginal() -> None:
    sire = _two_linked_sire({((1, 1, 0), (0, 0, 0)): 1, ((0, 1, 0), (1, 0, 0)): 3})
    phases = maker_phases(sire)
    assert [p.probability for p in phases] == [Fraction(1, 4), Fraction(3, 4)]
    result = cross(sire, parse_genotype(TWO_LINKED, "Alpha", Sex.FEMALE))
    (split,) = split_by_maker(result)
    assert _by_look(result) == _average(split, _by_look)
    assert "which is their weighted average (male maker 1/4, female maker 3/4)." in split.note


def test_a_phase_of_two_different_alleles_at_a_locus_has_no_split() -> None:
    complex_catalog = catalog_from_mapping(
        {
            "species": {"id": "xy_complex", "name": "XY complex", "sex_system": "XY"},
            "loci": [
                {
                    "id": "gamma",
                    "name": "Gamma complex",
                    "alleles": [
                        {"id": "g1", "name": "G1", "inheritance": "incomplete_dominant"},
                        {"id": "g2", "name": "G2", "inheritance": "incomplete_dominant"},
                    ],
                }
            ],
            "linkage": [
                {"id": "g_x", "loci": ["gamma"], "sex_linked": True, "recombination": ["1/10"]}
            ],
        }
    )
    sire = parse_genotype(complex_catalog, "G1 G2", Sex.MALE)
    assert maker_phases(sire) == ()
    one = parse_genotype(complex_catalog, "G1", Sex.MALE)
    assert [p.maker for p in maker_phases(one)] == ["male maker", "female maker"]


def test_top_lists_each_phase_s_most_likely() -> None:
    sire, dam = "Banana Pastel Spider het Clown", "Pastel het Clown"
    result = cross_morphs(BP, sire, dam)
    (split,) = split_by_maker(result, top=3)
    for phase in split.phases:
        assert len(phase.outcomes) == 3
        assert list(phase.outcomes) == list(phase.result.most_likely(3))
        listed = sum(o.probability for o in phase.outcomes)
        assert phase.omitted_probability == 1 - listed > 0
        assert phase.to_dict()["outcome_count"] == phase.result.outcome_count
    (everything,) = split_by_maker(result, top=10_000)
    assert all(p.omitted_probability == 0 for p in everything.phases)
    assert len(everything.phases[0].outcomes) == everything.phases[0].result.outcome_count
    with pytest.raises(ValueError, match=r"^top must be at least 1$"):
        split_by_maker(result, top=0)


def test_viable_only_weighs_each_phase_by_its_survivors() -> None:
    lethal = catalog_from_mapping(
        {
            "species": {"id": "xy_lethal", "name": "XY lethal", "sex_system": "XY"},
            "genes": [
                {
                    "id": "delta",
                    "name": "Delta",
                    "inheritance": "incomplete_dominant",
                    "super_lethal": True,
                }
            ],
            "linkage": [
                {"id": "d_x", "loci": ["delta"], "sex_linked": True, "recombination": ["0"]}
            ],
        }
    )
    dam = parse_genotype(lethal, "Delta", Sex.FEMALE)
    sire = parse_genotype(lethal, "Delta", Sex.MALE)
    result = cross(sire, dam, viable_only=True)
    (split,) = split_by_maker(result)
    # A phase moves Delta between the sexes, not between eggs: both phases lose a quarter.
    assert [p.result.lethal_probability for p in split.phases] == [Fraction(1, 4)] * 2
    assert "which is their average." in split.note
    assert _by_look(result) == _average(split, _by_look)
    assert len(split_by_maker(cross(sire, dam))) == 1


def test_a_homozygous_gene_beside_a_het_one_leaves_the_het_to_split() -> None:
    sire = parse_genotype(TWO_LINKED, "Super Alpha Beta", Sex.MALE)
    phases = maker_phases(sire)
    assert [p.genotype for p in phases] == [
        parse_genotype(TWO_LINKED, f"{maker} Super Alpha Beta", Sex.MALE)
        for maker in ("male maker", "female maker")
    ]
    (split,) = split_by_maker(cross(sire, parse_genotype(TWO_LINKED, "Normal", Sex.FEMALE)))
    assert split.genes == ("Beta",)


def test_the_note_lists_genes_as_a_sentence() -> None:
    from reptidex.engine.genetics.makers import _listing

    assert _listing(("Banana",)) == "Banana"
    assert _listing(("A", "B")) == "A and B"
    assert _listing(("A", "B", "C")) == "A, B and C"
    assert _listing(("A", "B", "C", "D")) == "A, B, C and D"


def test_top_of_one_lists_each_phase_s_likeliest() -> None:
    (split,) = split_by_maker(cross_morphs(BP, "Banana", "Normal"), top=1)
    # one of the two groups of 39/80 (ties keep the earlier class)
    assert [[str(o.probability) for o in p.outcomes] for p in split.phases] == [["39/80"]] * 2
    assert [p.omitted_probability for p in split.phases] == [Fraction(41, 80)] * 2


def test_mixed_phases_beside_maker_phases_have_no_split() -> None:
    # Alpha alone in either phase, 1/4 each; both genes on the X 1/4; both on the Y 1/8 and
    # Alpha on the Y with Beta on the X 1/8: the female maker's diplotypes fit a 1/2 mixture,
    # the male maker's do not (1/8 where 1/4 would be).
    sire = _two_linked_sire(
        {
            ((0, 0, 0), (1, 1, 0)): 2,
            ((0, 1, 0), (1, 0, 0)): 2,
            ((0, 0, 0), (1, 1, 1)): 1,
            ((0, 0, 1), (1, 1, 0)): 1,
            ((0, 1, 1), (1, 0, 0)): 2,
        }
    )
    assert maker_phases(sire) == ()
