"""Looks that several genotypes share (the ball python's Blue-Eyed Leucistic), and species
given by their display names.

A Blue-Eyed Leucistic (BEL) is any two of Lesser, Butter, Mojave and Russo at the BEL complex:
crosses name it, and ``BEL`` written alone is read as one pairing (the first the catalog
lists, Lesser Mojave) with a note naming every other one. The catalogs read here are fresh
copies of the built-in ones, so the table of names a catalog is read with is built by the test.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reptidex.cli import main
from reptidex.engine.genetics import (
    CatalogError,
    MorphParseError,
    available_species,
    catalog,
    catalog_from_mapping,
    catalog_to_mapping,
    clutch_probability,
    cross,
    cross_morphs,
    grouped,
    load_catalog,
    name_genotype,
    parse_genotype,
    read_morph,
    species_id,
    trait_target,
)
from reptidex.engine.genetics.model import Catalog, Look
from reptidex.engine.genetics.phenotype import morph_name, trait_label

BEL = "Blue-Eyed Leucistic (BEL)"
PAIRINGS = (
    "Lesser Mojave",
    "Super Lesser",
    "Super Butter",
    "Super Mojave",
    "Super Russo",
    "Lesser Butter",
    "Butter Mojave",
    "Mojave Russo",
    "Lesser Russo",
    "Butter Russo",
)
BEL_ALLELES = ("Lesser", "Butter", "Mojave", "Russo")
BEL_NOTE = (
    "'BEL' is read as Lesser Mojave; a Blue-Eyed Leucistic may also be Super Lesser, "
    "Super Butter, Super Mojave, Super Russo, Lesser Butter, Butter Mojave, Mojave Russo, "
    "Lesser Russo or Butter Russo: write the pairing for another"
)


def fresh_ball_python() -> Catalog:
    """A copy of the built-in ball python catalog, with no memoised name table."""
    return catalog_from_mapping(catalog_to_mapping(load_catalog("ball_python")))


def with_looks(looks: list[dict[str, Any]]) -> dict[str, Any]:
    """A small catalog: locus ``l`` with the alleles X and Y, its supers and compound XY."""
    return {
        "species": {"id": "demo", "name": "Demo", "sex_system": "XY"},
        "loci": [
            {
                "id": "l",
                "name": "L",
                "alleles": [
                    {"id": "x", "name": "X", "inheritance": "incomplete_dominant"},
                    {"id": "y", "name": "Y", "inheritance": "incomplete_dominant"},
                ],
                "compounds": [{"alleles": ["x", "y"], "name": "XY"}],
                "looks": looks,
            }
        ],
        "genes": [{"id": "z", "name": "Z", "inheritance": "incomplete_dominant"}],
    }


def looks_of(catalog: Catalog) -> list[dict[str, Any]]:
    """The looks of locus ``l`` in the mapping form of ``catalog``."""
    loci = catalog_to_mapping(catalog)["loci"]
    looks: list[dict[str, Any]] = next(x["looks"] for x in loci if x["id"] == "l")
    return looks


def catalog_error(data: dict[str, Any]) -> str:
    with pytest.raises(CatalogError) as info:
        catalog_from_mapping(data)
    return str(info.value)


# ------------------------------------------------------------------ naming


def test_the_ball_python_bel_look_lists_every_pairing() -> None:
    look = load_catalog("ball_python").looks["Lesser Mojave"]
    assert (look.name, look.abbreviation, look.label) == ("Blue-Eyed Leucistic", "BEL", BEL)
    assert look.traits == PAIRINGS


def test_a_look_labels_its_traits_in_morph_names() -> None:
    bp = fresh_ball_python()
    assert morph_name(bp, ["Pastel", "Mojave Russo"]) == f"Pastel Mojave Russo {BEL}"
    assert trait_label(bp, "Lesser") == "Lesser"
    assert Look("Plain", ("X",)).label == "Plain"


@pytest.mark.parametrize("pairing", PAIRINGS)
def test_every_bel_pairing_is_named_a_bel_and_reads_back(pairing: str) -> None:
    bp = fresh_ball_python()
    genotype = parse_genotype(bp, pairing)
    name = name_genotype(genotype)
    assert name == f"{pairing} {BEL}"
    reading = read_morph(bp, name)
    assert (reading.genotype, reading.notes) == (genotype, ())


def test_lesser_by_mojave_names_the_bel_in_the_json_contract() -> None:
    data = cross_morphs(fresh_ball_python(), "Lesser", "Mojave").to_dict()
    bel = [o for o in data["outcomes"] if o["traits"] == ["Lesser Mojave"]]
    assert [(o["phenotype"], o["probability"]) for o in bel] == [(f"Lesser Mojave {BEL}", "1/4")]


def pair_genes(pair: tuple[str, str]) -> str:
    """A morph carrying ``pair`` at the BEL complex ("" for the wild type)."""
    genes = [g for g in pair if g]
    if len(genes) == 2 and genes[0] == genes[1]:
        return f"Super {genes[0]}"
    return " ".join(genes) or "Normal"


BEL_PAIRS = st.tuples(st.sampled_from(("", *BEL_ALLELES)), st.sampled_from(("", *BEL_ALLELES)))


@settings(max_examples=30, deadline=None)
@given(BEL_PAIRS, BEL_PAIRS)
def test_the_bel_share_of_a_cross_is_the_chance_both_parents_pass_a_bel_allele(
    sire: tuple[str, str], dam: tuple[str, str]
) -> None:
    """Any two of Lesser, Butter, Mojave and Russo make a BEL, so an offspring is one exactly
    when each parent passes one of them: half a chance per copy a parent has."""
    bp = load_catalog("ball_python")
    result = cross_morphs(bp, pair_genes(sire), pair_genes(dam))
    share = sum(
        (o.probability for o in result.outcomes() if o.phenotype.endswith(BEL)), Fraction(0)
    )

    def passes(pair: tuple[str, str]) -> Fraction:
        return Fraction(sum(1 for g in pair if g), 2)

    assert share == passes(sire) * passes(dam)
    for o in result.outcomes():
        assert o.phenotype.endswith(BEL) == bool(set(o.traits) & set(PAIRINGS))


@settings(max_examples=30, deadline=None)
@given(BEL_PAIRS, BEL_PAIRS)
def test_a_bel_target_counts_every_pairing_that_looks_so(
    sire: tuple[str, str], dam: tuple[str, str]
) -> None:
    """Asked for a "BEL", the odds are those of any BEL (the same rule as above), never only
    of the Lesser Mojave the name alone is read as."""
    bp = fresh_ball_python()
    result = cross_morphs(bp, pair_genes(sire), pair_genes(dam))

    def passes(pair: tuple[str, str]) -> Fraction:
        return Fraction(sum(1 for g in pair if g), 2)

    assert result.probability(trait_target(bp, "BEL")) == passes(sire) * passes(dam)
    assert result.probability(trait_target(bp, "BEL", exact=True)) == passes(sire) * passes(dam)


def test_a_bel_target_with_other_genes() -> None:
    bp = fresh_ball_python()
    result = cross_morphs(bp, "Pastel Lesser", "Mojave Russo")
    # a BEL in half, Pastel in half: a Pastel BEL in a quarter, and a BEL without Pastel too
    assert result.probability(trait_target(bp, "Pastel BEL")) == Fraction(1, 4)
    assert result.probability(trait_target(bp, "BEL")) == Fraction(1, 2)
    assert result.probability(trait_target(bp, "BEL", exact=True)) == Fraction(1, 4)
    assert result.probability(trait_target(bp, "Pastel BEL", exact=True)) == Fraction(1, 4)
    assert result.probability(trait_target(bp, "Pastel Lesser Mojave BEL")) == Fraction(1, 8)
    sire, dam = parse_genotype(bp, "Super Lesser"), parse_genotype(bp, "Normal")
    assert clutch_probability(sire, dam, "BEL", 3) == 0
    sire = parse_genotype(bp, "Super Lesser")
    dam = parse_genotype(bp, "Mojave", "female")
    assert clutch_probability(sire, dam, "BEL", 2) == Fraction(3, 4)


def test_a_reading_lists_the_looks_named_alone() -> None:
    bp = fresh_ball_python()
    look = bp.looks["Lesser Mojave"]
    assert read_morph(bp, "Pastel BEL").looks == (look,)
    assert read_morph(bp, "BEL BEL").looks == (look,)
    assert read_morph(bp, "Lesser Mojave BEL").looks == ()
    assert read_morph(bp, "BEL Super Lesser").looks == ()


# ------------------------------------------------------------------ reading "BEL"


@pytest.mark.parametrize("text", ["BEL", "bel", "Bel"])
def test_bel_alone_is_read_as_lesser_mojave_and_names_the_other_pairings(text: str) -> None:
    bp = fresh_ball_python()
    reading = read_morph(bp, text)
    assert reading.genotype == parse_genotype(bp, "Lesser Mojave")
    assert reading.notes == (BEL_NOTE,)


def test_each_name_of_the_look_says_which_name_it_read() -> None:
    bp = fresh_ball_python()
    for name in ("Blue-Eyed Leucistic", "Blue Eyed Lucy"):
        reading = read_morph(bp, f"Pastel {name} het Clown")
        assert name_genotype(reading.genotype) == f"Pastel Lesser Mojave {BEL} het Clown"
        assert reading.notes == (BEL_NOTE.replace("'BEL'", f"'{name}'"),)


@pytest.mark.parametrize(
    ("text", "pairing"),
    [
        ("Lesser Mojave BEL", "Lesser Mojave"),
        ("Super Lesser Blue-Eyed Leucistic (BEL)", "Super Lesser"),
        ("BEL Mojave Russo", "Mojave Russo"),
        ("BEL (Butter Mojave)", "Butter Mojave"),
        ("Blue Eyed Lucy Super Butter Pastel", "Pastel Super Butter"),
        ("Lesser BEL", "Super Lesser"),  # the hobby's name of the Super Lesser
    ],
)
def test_a_look_written_beside_its_pairing_is_that_pairing_without_a_note(
    text: str, pairing: str
) -> None:
    bp = fresh_ball_python()
    reading = read_morph(bp, text)
    assert reading.genotype == parse_genotype(bp, pairing)
    assert reading.notes == ()


def test_a_look_beside_another_gene_is_still_read_as_its_first_pairing() -> None:
    bp = fresh_ball_python()
    reading = read_morph(bp, "BEL Pastel")
    assert reading.genotype == parse_genotype(bp, "Pastel Lesser Mojave")
    assert reading.notes == (BEL_NOTE,)
    reading = read_morph(bp, "BEL BEL")  # the second names the look the first was read as
    assert (reading.genotype, reading.notes) == (parse_genotype(bp, "Lesser Mojave"), (BEL_NOTE,))


def test_a_look_after_a_het_ends_the_het_and_is_not_carried() -> None:
    bp = fresh_ball_python()
    reading = read_morph(bp, "het Clown BEL Pied")
    assert name_genotype(reading.genotype) == f"Piebald Lesser Mojave {BEL} het Clown"
    assert reading.notes == (BEL_NOTE,)


def test_a_look_cannot_be_a_het_nor_a_third_allele() -> None:
    bp = fresh_ball_python()
    with pytest.raises(MorphParseError, match="BEL is not recessive"):
        parse_genotype(bp, "het BEL")
    with pytest.raises(MorphParseError, match="more than two alleles at the BEL complex"):
        parse_genotype(bp, "BEL Mojave")


def test_a_look_of_one_trait_is_read_without_a_note() -> None:
    demo = catalog_from_mapping(with_looks([{"name": "Glow", "traits": ["XY"]}]))
    reading = read_morph(demo, "Glow")
    assert (name_genotype(reading.genotype), reading.notes) == ("XY Glow", ())


# ------------------------------------------------------------------ catalog format


def test_a_look_round_trips_through_the_mapping() -> None:
    data = with_looks(
        [{"name": "Pale", "abbreviation": "P", "aliases": ["Pallid"], "traits": ["XY", "Super X"]}]
    )
    demo = catalog_from_mapping(data)
    look = demo.locus("l").looks[0]
    assert look == Look("Pale", ("XY", "Super X"), "P", ("Pallid",))
    assert demo.looks == {"XY": look, "Super X": look}
    assert catalog_from_mapping(catalog_to_mapping(demo)) == demo
    assert looks_of(demo)[0]["abbreviation"] == "P"
    plain = catalog_from_mapping(with_looks([{"name": "Pale", "traits": ["XY"]}]))
    assert "abbreviation" not in looks_of(plain)[0]


@pytest.mark.parametrize(
    ("looks", "message"),
    [
        (
            [{"name": "Pale", "traits": ["Z"]}],
            "locus 'l' look 'Pale': 'Z' is not a trait of this locus",
        ),
        (
            [{"name": "Pale", "traits": ["Nope"]}],
            "locus 'l' look 'Pale': 'Nope' is not a trait of this locus",
        ),
        (
            [{"name": "Pale", "traits": ["XY"]}, {"name": "Wan", "traits": ["XY"]}],
            "trait 'XY' has more than one look",
        ),
        (
            [{"name": "Pale", "traits": []}],
            "locus 'l' look 'Pale': 'traits' must list the trait names that look this way",
        ),
        (
            [{"name": "Pale", "traits": "XY"}],
            "locus 'l' look 'Pale': 'traits' must list the trait names that look this way",
        ),
        (
            [{"name": "Pale", "traits": [1]}],
            "locus 'l' look 'Pale': 'traits' must list the trait names that look this way",
        ),
        (
            [{"name": "Pale", "abbreviation": 3, "traits": ["XY"]}],
            "locus 'l' look 'Pale': 'abbreviation' is a name",
        ),
        ([{"traits": ["XY"]}], "locus 'l' look None: 'name' must be a non-empty string"),
        (
            [{"name": "Pale", "traits": ["XY"], "disputes": [{"note": "argued"}]}],
            "locus 'l' look 'Pale': a dispute needs at least one source",
        ),
        (
            [{"name": "Super Y", "traits": ["XY"]}],
            "the name 'Super Y' means both trait Super Y and look Super Y",
        ),
        (
            [{"name": "Pale", "abbreviation": "z", "traits": ["XY"]}],
            "the name 'z' means both trait Z and look Pale",
        ),
        (
            [{"name": "Pale", "aliases": ["X"], "traits": ["XY"]}],
            "the name 'X' means both trait X and look Pale",
        ),
    ],
)
def test_a_bad_look_is_a_catalog_error(looks: list[dict[str, Any]], message: str) -> None:
    assert catalog_error(with_looks(looks)) == message


# ------------------------------------------------------------------ species by name


@pytest.mark.parametrize(
    ("given_as", "expected"),
    [
        ("ball_python", "ball_python"),
        ("Ball python", "ball_python"),
        ("BALL PYTHON", "ball_python"),
        ("  ball-python ", "ball_python"),
        ("Leopard gecko", "leopard_gecko"),
        ("western hognose", "western_hognose"),
    ],
)
def test_a_species_is_found_by_id_or_display_name(given_as: str, expected: str) -> None:
    assert species_id(given_as) == expected
    assert load_catalog(given_as) is load_catalog(expected)


def test_every_built_in_species_is_found_by_its_own_name() -> None:
    for species in available_species():
        catalog = load_catalog(species)
        assert species_id(catalog.name) == species
        assert species_id(catalog.name.upper()) == species


@pytest.mark.parametrize("given_as", ["dragon snake", "", "ball", "python ball"])
def test_an_unknown_species_lists_the_known_ids_and_names(given_as: str) -> None:
    with pytest.raises(KeyError) as info:
        load_catalog(given_as)
    known = ", ".join(f"{s} ({load_catalog(s).name})" for s in available_species())
    assert info.value.args[0] == f"unknown species {given_as!r}; known species: {known}"


def test_species_ids_and_names_never_collide() -> None:
    """Each folded id and name points at one species (the lookup could not be ambiguous)."""
    names = [load_catalog(s).name.lower() for s in available_species()]
    ids = [s.replace("_", " ") for s in available_species()]
    for (a, name_a), (b, name_b) in itertools.combinations(zip(ids, names, strict=True), 2):
        assert {a, name_a}.isdisjoint({b, name_b})


def test_the_cli_counts_any_bel_as_a_clutch_target(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                *("genetics", "clutch", "--species", "Ball python", "--eggs", "2"),
                *("--target", "BEL", "Super Lesser", "Mojave"),
            ]
        )
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == "at least one BEL in 2 eggs: 3/4 (75.00%)\n"


# ------------------------------------------------------------------ rules one by one


@pytest.mark.parametrize("small", [0, 10_000])
def test_the_bulk_and_the_small_view_both_name_the_look(small: int) -> None:
    """Groups named in bulk (numpy) and one by one spell a look alike, with or without a
    combo beside it."""
    bp = fresh_ball_python()
    with patch.object(grouped, "_SMALL", small):
        names = {o.phenotype for o in cross_morphs(bp, "Pastel Spider Lesser", "Mojave").outcomes()}
    assert f"Bumblebee Lesser Mojave {BEL}" in names
    assert f"Pastel Lesser Mojave {BEL}" in names
    assert f"Lesser Mojave {BEL}" in names


def test_a_look_of_two_names_its_one_alternative() -> None:
    demo = catalog_from_mapping(with_looks([{"name": "Pale", "traits": ["XY", "Super X"]}]))
    assert read_morph(demo, "Pale").notes == (
        "'Pale' is read as XY; a Pale may also be Super X: write the pairing for another",
    )


def test_a_look_of_three_names_its_two_alternatives() -> None:
    demo = catalog_from_mapping(with_looks([{"name": "Pale", "traits": ["XY", "Super X", "Y"]}]))
    assert read_morph(demo, "Pale").notes == (
        "'Pale' is read as XY; a Pale may also be Super X or Y: write the pairing for another",
    )


def test_a_look_after_a_het_of_one_of_its_traits_is_not_that_het() -> None:
    """Only a visual trait takes the look after it: after "het R", "Pale" still names a
    visual (read as R, with a note), never silently nothing."""
    data = with_looks([{"name": "Pale", "traits": ["R", "XY"]}])
    data["loci"][0]["alleles"].append({"id": "r", "name": "R", "inheritance": "recessive"})
    demo = catalog_from_mapping(data)
    reading = read_morph(demo, "het R Pale")
    assert reading.genotype == parse_genotype(demo, "R")
    assert reading.notes == (
        "'Pale' is read as R; a Pale may also be XY: write the pairing for another",
    )
    assert read_morph(demo, "R Pale").notes == ()


def test_a_combo_after_a_look_is_not_its_pairing() -> None:
    """A look's pairing is one trait; a combo holding that trait beside another is not it."""
    data = with_looks([{"name": "Pale", "traits": ["XY"]}])
    data["combos"] = [{"name": "Zed", "traits": ["XY", "Z"]}]
    demo = catalog_from_mapping(data)
    with pytest.raises(MorphParseError, match="more than two alleles"):
        parse_genotype(demo, "Pale Zed")
    assert parse_genotype(demo, "Zed") == parse_genotype(demo, "XY Z")


def test_every_field_of_a_look_round_trips() -> None:
    look = {
        "name": "Pale",
        "traits": ["XY"],
        "aliases": ["Pallid"],
        "notes": ["a note"],
        "sources": ["a source"],
        "disputes": [{"note": "argued", "sources": ["a page"]}],
    }
    demo = catalog_from_mapping(with_looks([look]))
    assert looks_of(demo) == [look]


def test_a_species_id_is_found_without_reading_every_catalog() -> None:
    with patch.object(catalog, "_species_names", side_effect=AssertionError("read them all")):
        assert species_id("corn_snake") == "corn_snake"


def test_a_species_id_is_found_even_when_its_name_differs() -> None:
    labels = (("ball_python", "Royal python"),)
    with patch.object(catalog, "_species_labels", return_value=labels):
        names = catalog._species_names.__wrapped__()
    assert names == {"ball python": "ball_python", "royal python": "ball_python"}
    assert catalog._fold_species("  Ball_Royal-Python ") == "ball royal python"


def test_a_bel_target_with_a_sex_linked_gene() -> None:
    """A target is read whatever the sex: its sex-linked genes count as shown."""
    bp = fresh_ball_python()
    sire = parse_genotype(bp, "Banana Super Lesser", "male")
    dam = parse_genotype(bp, "Mojave", "female")
    result = cross(sire, dam)
    assert result.probability(trait_target(bp, "Banana BEL")) == Fraction(1, 4)
