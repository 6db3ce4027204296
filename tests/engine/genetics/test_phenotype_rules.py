"""How an allele pair looks, with known answers: one copy, two copies, named and look-alike
compounds, recessive against dominant and two alleles without a compound (in either index
order), the health notes and lethality each brings; blocks and their sex; trait order."""

from __future__ import annotations

import pytest

from reptidex.engine.genetics import Catalog, available_species, catalog_from_mapping, load_catalog
from reptidex.engine.genetics.model import Sex
from reptidex.engine.genetics.phenotype import (
    LocusPhenotype,
    block_phenotype,
    locus_phenotype,
    morph_name,
    sort_traits,
)


def _note(text: str) -> list[dict[str, str]]:
    return [{"note": text, "severity": "mild", "source": "demo"}]


def complex_catalog() -> Catalog:
    """One locus of six alleles, each with a health note, in this index order:
    1 Amber (recessive), 2 Bold (incomplete dominant; Super Bold is lethal and has a note of
    its own), 3 Cloud (recessive), 4 Dusk (recessive), 5 Ember (dominant), 6 Flame
    (incomplete dominant). Amber/Dusk is Ash (named, lethal, a note of its own); Cloud/Dusk
    looks like Dusk (the higher index); Bold/Ember looks like Bold (the lower index)."""
    return catalog_from_mapping(
        {
            "species": {"id": "demo", "name": "Demo", "sex_system": "temperature"},
            "loci": [
                {
                    "id": "k",
                    "name": "Complex",
                    "alleles": [
                        {
                            "id": "a",
                            "name": "Amber",
                            "inheritance": "recessive",
                            "health": _note("dim eyes"),
                        },
                        {
                            "id": "b",
                            "name": "Bold",
                            "inheritance": "incomplete_dominant",
                            "super": "Super Bold",
                            "super_lethal": True,
                            "health": _note("kinked tail"),
                            "super_health": _note("small eyes"),
                        },
                        {
                            "id": "c",
                            "name": "Cloud",
                            "inheritance": "recessive",
                            "health": _note("pale belly"),
                        },
                        {
                            "id": "d",
                            "name": "Dusk",
                            "inheritance": "recessive",
                            "health": _note("head wobble"),
                        },
                        {
                            "id": "e",
                            "name": "Ember",
                            "inheritance": "dominant",
                            "health": _note("dry skin"),
                        },
                        {
                            "id": "f",
                            "name": "Flame",
                            "inheritance": "incomplete_dominant",
                            "health": _note("short tail"),
                        },
                    ],
                    "compounds": [
                        {
                            "alleles": ["a", "d"],
                            "name": "Ash",
                            "lethal": True,
                            "health": _note("weak"),
                        },
                        {"alleles": ["c", "d"], "looks_like": "d"},
                        {"alleles": ["b", "e"], "looks_like": "b"},
                    ],
                }
            ],
        }
    )


DEMO = complex_catalog()
LOCUS = DEMO.loci[0]
AMBER, BOLD, CLOUD, DUSK, EMBER, FLAME = range(1, 7)


def shows(
    traits: tuple[str, ...],
    hidden: tuple[str, ...] = (),
    warnings: tuple[str, ...] = (),
    *,
    lethal: bool = False,
) -> LocusPhenotype:
    return LocusPhenotype(traits, hidden, lethal, warnings)


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        pytest.param((0, 0), shows(()), id="wild type shows nothing"),
        pytest.param((0, AMBER), shows((), ("Amber",)), id="one recessive copy is a het"),
        pytest.param(
            (0, BOLD),
            shows(("Bold",), (), ("Bold: kinked tail (mild)",)),
            id="one dominant copy shows with its note",
        ),
        pytest.param(
            (AMBER, AMBER),
            shows(("Amber",), (), ("Amber: dim eyes (mild)",)),
            id="two recessive copies show",
        ),
        pytest.param(
            (BOLD, BOLD),
            shows(
                ("Super Bold",),
                (),
                (
                    "Super Bold: kinked tail (mild)",
                    "Super Bold: small eyes (mild)",
                    "Super Bold: lethal",
                ),
                lethal=True,
            ),
            id="a lethal super has both notes under its name, then lethal",
        ),
        pytest.param(
            (EMBER, EMBER),
            shows(("Super Ember",), (), ("Super Ember: dry skin (mild)",)),
            id="a viable super",
        ),
    ],
)
def test_one_allele_or_two_copies_of_one(pair: tuple[int, int], expected: LocusPhenotype) -> None:
    """A single recessive copy is carried, a dominant one shows; two copies show the
    homozygous name with every note of the allele under that name."""
    assert locus_phenotype(LOCUS, *pair) == expected


def test_a_named_compound_has_both_alleles_notes_its_own_and_its_lethality() -> None:
    """Amber/Dusk is Ash: the notes of Amber, Dusk and Ash, all under Ash, then lethal."""
    assert locus_phenotype(LOCUS, AMBER, DUSK) == shows(
        ("Ash",),
        (),
        (
            "Ash: dim eyes (mild)",
            "Ash: head wobble (mild)",
            "Ash: weak (mild)",
            "Ash: lethal",
        ),
        lethal=True,
    )


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        pytest.param(
            (CLOUD, DUSK),
            shows(("Dusk",), ("Cloud",), ("Dusk: head wobble (mild)",)),
            id="looks like the higher index",
        ),
        pytest.param(
            (BOLD, EMBER),
            shows(("Bold",), ("Ember",), ("Bold: kinked tail (mild)",)),
            id="looks like the lower index",
        ),
    ],
)
def test_a_look_alike_compound_shows_one_allele_and_carries_the_other(
    pair: tuple[int, int], expected: LocusPhenotype
) -> None:
    """Only the shown allele's notes apply; the other allele is a het."""
    assert locus_phenotype(LOCUS, *pair) == expected


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        pytest.param(
            (AMBER, BOLD),
            shows(("Bold",), ("Amber",), ("Bold: kinked tail (mild)",)),
            id="recessive first",
        ),
        pytest.param(
            (BOLD, CLOUD),
            shows(("Bold",), ("Cloud",), ("Bold: kinked tail (mild)",)),
            id="dominant first",
        ),
        pytest.param(
            (DUSK, EMBER),
            shows(("Ember",), ("Dusk",), ("Ember: dry skin (mild)",)),
            id="recessive first, dominant",
        ),
    ],
)
def test_a_dominant_allele_masks_a_recessive_one_of_its_locus(
    pair: tuple[int, int], expected: LocusPhenotype
) -> None:
    """Without a compound, the (incomplete) dominant allele shows with its notes and the
    recessive one is carried, whichever has the lower index."""
    assert locus_phenotype(LOCUS, *pair) == expected


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        pytest.param(
            (AMBER, CLOUD),
            shows(
                ("Amber", "Cloud"),
                (),
                ("Amber: dim eyes (mild)", "Cloud: pale belly (mild)"),
            ),
            id="two recessives do not complement",
        ),
        pytest.param(
            (BOLD, FLAME),
            shows(
                ("Bold", "Flame"),
                (),
                ("Bold: kinked tail (mild)", "Flame: short tail (mild)"),
            ),
            id="two incomplete dominants",
        ),
        pytest.param(
            (EMBER, FLAME),
            shows(("Ember", "Flame"), (), ("Ember: dry skin (mild)", "Flame: short tail (mild)")),
            id="dominant and incomplete dominant",
        ),
    ],
)
def test_two_alleles_alike_in_dominance_both_show(
    pair: tuple[int, int], expected: LocusPhenotype
) -> None:
    """Two recessives (which do not complement) or two dominants without a named compound
    both show, each with its own notes under its own name, in index order."""
    assert locus_phenotype(LOCUS, *pair) == expected


@pytest.mark.parametrize("species", available_species())
def test_every_pair_of_every_species_looks_the_same_either_way_round(species: str) -> None:
    """The order of the two alleles does not matter, every shown trait is a catalog trait
    (so it can be parsed and sorted), and every carried name is an allele of the locus."""
    catalog = load_catalog(species)
    for locus in catalog.loci:
        names = {allele.name for allele in locus.alleles}
        for a in range(len(locus.alleles) + 1):
            for b in range(a, len(locus.alleles) + 1):
                shown = locus_phenotype(locus, a, b)
                assert locus_phenotype(locus, b, a) == shown
                assert set(shown.traits) <= set(catalog.traits)
                assert set(shown.hidden) <= names


# --- blocks --------------------------------------------------------------------------------


def _sex_linked_catalog() -> Catalog:
    """A ZW species with Glow (incomplete dominant, lethal super) on the sex chromosomes
    together with Haze (recessive)."""
    return catalog_from_mapping(
        {
            "species": {"id": "zw", "name": "ZW demo", "sex_system": "ZW"},
            "genes": [
                {
                    "id": "g",
                    "name": "Glow",
                    "inheritance": "incomplete_dominant",
                    "super_lethal": True,
                },
                {"id": "h", "name": "Haze", "inheritance": "recessive"},
            ],
            "linkage": [
                {"id": "z", "loci": ["g", "h"], "sex_linked": True, "recombination": ["1/4", "1/4"]}
            ],
        }
    )


def test_a_block_without_sex_chromosomes_tells_no_sex() -> None:
    block = DEMO.blocks[0]
    shown = block_phenotype(DEMO, block, ((BOLD,), (CLOUD,)))
    assert shown.sex is None
    assert (shown.traits, shown.hidden, shown.lethal) == (("Bold",), ("Cloud",), False)


@pytest.mark.parametrize(
    ("chromosomes", "sex"), [(((0,), (0,)), Sex.MALE), (((0,), (1,)), Sex.FEMALE)]
)
def test_a_sex_linked_block_tells_the_sex_and_is_lethal_if_any_locus_is(
    chromosomes: tuple[tuple[int], tuple[int]], sex: Sex
) -> None:
    """ZZ is male and ZW female; Super Glow is lethal whatever Haze does."""
    catalog = _sex_linked_catalog()
    (block,) = catalog.blocks
    z, w = chromosomes
    alive = block_phenotype(catalog, block, ((*z, 1, 0), (*w, 0, 1)))
    assert (alive.traits, alive.hidden, alive.lethal, alive.sex) == (
        ("Glow",),
        ("Haze",),
        False,
        sex,
    )
    dead = block_phenotype(catalog, block, ((*z, 1, 1), (*w, 1, 1)))
    assert (dead.traits, dead.lethal, dead.sex) == (("Super Glow", "Haze"), True, sex)
    assert dead.warnings == ("Super Glow: lethal",)


# --- trait order ---------------------------------------------------------------------------


def test_traits_the_catalog_does_not_know_go_last_in_the_order_given() -> None:
    """Known traits in catalog order (Pastel before Spider), then the unknown ones as given."""
    bp = load_catalog("ball_python")
    assert sort_traits(bp, ["Zigzag", "Spider", "Mystery", "Pastel"]) == (
        "Pastel",
        "Spider",
        "Zigzag",
        "Mystery",
    )
    assert morph_name(bp, ["Mystery", "Clown", "Spider", "Pastel"]) == "Bumblebee Clown Mystery"


def test_the_largest_combo_takes_its_traits_first() -> None:
    """Lesser Pinstripe Spider is Kingspin, which takes Spider before Bumblebee (Pastel
    Spider) could: the Pastel is left to be named on its own."""
    bp = load_catalog("ball_python")
    assert morph_name(bp, ["Pastel", "Lesser", "Pinstripe", "Spider"]) == "Kingspin Pastel"
