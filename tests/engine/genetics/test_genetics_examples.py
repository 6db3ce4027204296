"""Worked examples from the hobby's literature, one group per species."""

from __future__ import annotations

from fractions import Fraction

import pytest

from reptidex.engine.genetics import (
    CrossResult,
    MorphParseError,
    Sex,
    clutch_probability,
    cross_morphs,
    load_catalog,
    name_genotype,
    parse_genotype,
    prove_out,
    rank_pairs,
    visual_traits,
)


def table(result: CrossResult) -> dict[str, Fraction]:
    out: dict[str, Fraction] = {}
    for o in result.outcomes():
        key = o.phenotype + (f" ({o.sex.value})" if o.sex else "") + (" LETHAL" if o.lethal else "")
        out[key] = out.get(key, Fraction(0)) + o.probability
    return out


def F(text: str) -> Fraction:
    return Fraction(text)


# ------------------------------------------------------------------ ball python


def test_acceptance_pastel_spider_het_clown_by_pastel_het_clown() -> None:
    result = cross_morphs(
        load_catalog("ball_python"), "Pastel Spider het Clown", "Pastel het Clown"
    )
    outcomes = {o.phenotype: o for o in result.outcomes()}
    assert len(result.outcomes()) == 12
    killer_bee = outcomes["Killer Bee"]
    assert killer_bee.probability == F("3/32")
    assert killer_bee.traits == ("Super Pastel", "Spider")
    assert [(p.gene, p.probability) for p in killer_bee.possible_hets] == [("Clown", F("2/3"))]
    assert outcomes["Bumblebee Clown"].probability == F("1/16")
    assert outcomes["Bumblebee Clown"].possible_hets == ()
    assert outcomes["Bumblebee"].probability == F("3/16")
    assert outcomes["Normal"].probability == F("3/32")
    assert outcomes["Super Pastel Clown"].probability == F("1/32")
    assert all(o.sex is None and not o.lethal for o in result.outcomes())
    assert any("wobble" in w for w in killer_bee.warnings)
    data = result.to_dict()
    assert data["outcomes"][0]["probability"] == "3/16"
    assert {o["phenotype"] for o in data["outcomes"]} == set(outcomes)


def test_lesser_by_mojave_gives_blue_eyed_leucistic() -> None:
    """The compound is named as the hobby sees it: a Blue-Eyed Leucistic, with its pairing."""
    result = cross_morphs(load_catalog("ball_python"), "Lesser", "Mojave")
    assert table(result) == {
        "Lesser": F("1/4"),
        "Mojave": F("1/4"),
        "Lesser Mojave Blue-Eyed Leucistic (BEL)": F("1/4"),
        "Normal": F("1/4"),
    }
    bel = next(o for o in result.outcomes() if o.traits == ("Lesser Mojave",))
    assert bel.to_dict()["phenotype"] == "Lesser Mojave Blue-Eyed Leucistic (BEL)"


def test_bel_alias_reads_as_lesser_mojave() -> None:
    bp = load_catalog("ball_python")
    assert parse_genotype(bp, "BEL") == parse_genotype(bp, "lesser mojave")
    assert parse_genotype(bp, "Blue-Eyed Leucistic") == parse_genotype(bp, "Mojave Lesser")


def test_yellowbelly_by_gravel_gives_highway_and_yb_by_yb_gives_ivory() -> None:
    bp = load_catalog("ball_python")
    assert table(cross_morphs(bp, "Yellowbelly", "Gravel"))["Highway"] == F("1/4")
    assert table(cross_morphs(bp, "YB", "Yellow Belly"))["Ivory"] == F("1/4")


def test_spider_by_spider_flags_the_presumed_lethal_super() -> None:
    bp = load_catalog("ball_python")
    result = cross_morphs(bp, "Spider", "Spider")
    assert table(result) == {
        "Spider": F("1/2"),
        "Normal": F("1/4"),
        "Super Spider LETHAL": F("1/4"),
    }
    assert result.lethal_probability == F("1/4")
    assert table(cross_morphs(bp, "Spider", "Spider", viable_only=True)) == {
        "Spider": F("2/3"),
        "Normal": F("1/3"),
    }


def test_albino_complex_candino() -> None:
    result = cross_morphs(load_catalog("ball_python"), "Albino", "Candy")
    assert table(result) == {"Candino": F("1")}


def test_banana_male_maker_sires_mostly_male_bananas() -> None:
    bp = load_catalog("ball_python")
    r = bp.linkage_groups[0].recombination[0]
    result = table(cross_morphs(bp, "male maker Banana", "Normal"))
    assert result["Banana (male)"] == (1 - r) / 2
    assert result["Banana (female)"] == r / 2
    female_maker = table(cross_morphs(bp, "female maker Coral Glow", "Normal"))
    assert female_maker["Banana (female)"] == (1 - r) / 2
    unknown = table(cross_morphs(bp, "Banana", "Normal"))
    assert unknown["Banana (female)"] == unknown["Banana (male)"] == F("1/4")


def test_banana_female_passes_to_both_sexes_and_sons_become_female_makers() -> None:
    bp = load_catalog("ball_python")
    result = cross_morphs(bp, "Normal", "Banana")
    assert table(result) == {
        "Banana (female)": F("1/4"),
        "Banana (male)": F("1/4"),
        "Normal (female)": F("1/4"),
        "Normal (male)": F("1/4"),
    }
    sons = [g for g, _ in result.genotypes() if g.sex is Sex.MALE and g.blocks]
    assert [name_genotype(g) for g in sons] == ["female maker Banana"]


def test_proving_out_a_66_percent_het() -> None:
    bp = load_catalog("ball_python")
    male = parse_genotype(bp, "66% het Clown")
    assert prove_out(male, parse_genotype(bp, "Clown"), ["Normal"] * 6, "Clown") == F("1/33")
    assert prove_out(male, parse_genotype(bp, "Clown"), ["Normal", "Clown"], "Clown") == 1


def test_clutch_of_n_odds() -> None:
    bp = load_catalog("ball_python")
    het = parse_genotype(bp, "het Pied")
    assert clutch_probability(het, het, "Piebald", 1) == F("1/4")
    assert clutch_probability(het, het, "Pied", 8) == 1 - F("3/4") ** 8


def test_pair_ranking() -> None:
    bp = load_catalog("ball_python")
    males = {"A": parse_genotype(bp, "Pastel Clown"), "B": parse_genotype(bp, "het Clown")}
    females = {"X": parse_genotype(bp, "het Clown"), "Y": parse_genotype(bp, "Pastel")}
    ranking = rank_pairs(males, females, "Pastel Clown")
    assert [(r.sire, r.dam, r.probability) for r in ranking] == [
        ("A", "X", F("1/4")),
        ("A", "Y", F("0")),
        ("B", "X", F("0")),
        ("B", "Y", F("0")),
    ]


def test_ball_python_catalog_size_and_complexes() -> None:
    bp = load_catalog("ball_python")
    assert sum(len(locus.alleles) for locus in bp.loci) >= 60
    assert [a.name for a in bp.locus("bel").alleles] == [
        "Lesser",
        "Butter",
        "Mojave",
        "Russo",
        "Phantom",
        "Mystic",
    ]
    assert [a.name for a in bp.locus("yellowbelly").alleles] == [
        "Yellowbelly",
        "Gravel",
        "Asphalt",
        "Specter",
    ]
    assert any("Lesser and Butter" in d.description for d in bp.locus("bel").disputes)
    assert any("Super Spider" in d.description for d in bp.allele_by_name("Spider").disputes)
    assert any("Candy and Toffee" in d.description for d in bp.locus("albino").disputes)
    assert bp.linkage_groups[0].disputes


def test_bel_complex_pairings_are_blue_eyed_leucistics_and_named_compounds() -> None:
    bp = load_catalog("ball_python")
    leucistic = ["Lesser", "Butter", "Mojave", "Russo"]
    for i, a in enumerate(leucistic):
        for b in leucistic[i + 1 :]:
            outcomes = cross_morphs(bp, a, b).outcomes()
            (compound,) = [o for o in outcomes if len(o.traits) == 1 and " " in o.traits[0]]
            assert compound.probability == F("1/4")
    assert table(cross_morphs(bp, "Mojave", "Phantom"))["Purple Passion"] == F("1/4")
    assert table(cross_morphs(bp, "Mojave", "Mystic"))["Mystic Potion"] == F("1/4")
    assert table(cross_morphs(bp, "Yellowbelly", "Asphalt"))["Freeway"] == F("1/4")
    assert table(cross_morphs(bp, "Albino", "Toffee")) == {"Toffino": F("1")}


# ------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pastel het Clown 66% het Pied", "Pastel het Clown 66% het Piebald"),
        ("Super Pastel Enchi poss het Hypo", "Super Pastel Enchi 50% het Orange Ghost"),
        ("50% het Albino", "Normal 50% het Albino"),
        ("ph Clown", "Normal 50% het Clown"),
        ("Lesser Mojave", "Lesser Mojave Blue-Eyed Leucistic (BEL)"),
        ("BEL", "Lesser Mojave Blue-Eyed Leucistic (BEL)"),
        ("Lesser BEL", "Super Lesser Blue-Eyed Leucistic (BEL)"),
        ("Killer Bee", "Killer Bee"),
        ("Normal", "Normal"),
        ("PASTEL SPIDER", "Bumblebee"),
        ("pied", "Piebald"),
        ("Pastel dh Clown Pied", "Pastel het Clown het Piebald"),
    ],
)
def test_parsing_what_breeders_write(text: str, expected: str) -> None:
    assert name_genotype(parse_genotype(load_catalog("ball_python"), text)) == expected


def test_unknown_words_name_the_word_and_suggest_genes() -> None:
    with pytest.raises(MorphParseError, match=r"unknown word 'clwon'.*Clown"):
        parse_genotype(load_catalog("ball_python"), "Pastel het Clwon")


@pytest.mark.parametrize(
    "text", ["het Pastel", "Lesser Mojave Butter", "Spider 50%", "Clown het Clown het Clown"]
)
def test_impossible_descriptions_are_errors(text: str) -> None:
    with pytest.raises(MorphParseError):
        parse_genotype(load_catalog("ball_python"), text)


def test_sex_linked_gene_needs_a_sex() -> None:
    with pytest.raises(MorphParseError, match="sex"):
        parse_genotype(load_catalog("ball_python"), "Banana")


# ------------------------------------------------------------------ corn snake


def test_corn_double_het_snow_by_double_het_gives_9_3_3_1() -> None:
    corn = load_catalog("corn_snake")
    result = cross_morphs(corn, "het Amel het Anery", "het Amel het Anery")
    assert table(result) == {
        "Normal": F("9/16"),
        "Amel": F("3/16"),
        "Anery": F("3/16"),
        "Snow": F("1/16"),
    }
    snow_by_normal = cross_morphs(corn, "Snow", "Normal").outcomes()
    assert [(o.phenotype, o.hets) for o in snow_by_normal] == [("Normal", ("Anery", "Amel"))]


def test_corn_amel_by_ultra_gives_ultramel() -> None:
    corn = load_catalog("corn_snake")
    assert table(cross_morphs(corn, "Amel", "Ultra")) == {"Ultramel": F("1")}
    assert table(cross_morphs(corn, "Ultramel", "Ultramel")) == {
        "Amel": F("1/4"),
        "Ultramel": F("1/2"),
        "Ultra": F("1/4"),
    }


def test_corn_motley_stripe_looks_motley_het_stripe() -> None:
    corn = load_catalog("corn_snake")
    outcomes = cross_morphs(corn, "Motley het Stripe", "Stripe").outcomes()
    assert [(o.phenotype, o.hets, o.probability) for o in outcomes] == [
        ("Motley", ("Stripe",), F("1/2")),
        ("Stripe", (), F("1/2")),
    ]
    with pytest.raises(MorphParseError, match="Ultramel"):
        parse_genotype(corn, "Amel het Ultra")


def test_corn_aliases() -> None:
    corn = load_catalog("corn_snake")
    assert parse_genotype(corn, "Albino") == parse_genotype(corn, "amelanistic")
    assert parse_genotype(corn, "Bloodred") == parse_genotype(corn, "diffused")


# ------------------------------------------------------------------ leopard gecko


def test_leopard_gecko_albino_lines_are_not_compatible() -> None:
    leo = load_catalog("leopard_gecko")
    outcomes = cross_morphs(leo, "Tremper Albino", "Bell Albino").outcomes()
    assert [(o.phenotype, o.hets) for o in outcomes] == [
        ("Normal", ("Tremper Albino", "Bell Albino"))
    ]
    assert parse_genotype(leo, "Rainwater") != parse_genotype(leo, "Tremper")


def test_leopard_gecko_mack_snow_and_combos() -> None:
    leo = load_catalog("leopard_gecko")
    assert table(cross_morphs(leo, "Mack Snow", "Mack Snow")) == {
        "Mack Snow": F("1/2"),
        "Normal": F("1/4"),
        "Super Snow": F("1/4"),
    }
    banana = table(
        cross_morphs(leo, "het Murphy Patternless het Blizzard", "het Patternless het Blizzard")
    )
    assert banana["Banana Blizzard"] == F("1/16")
    assert table(cross_morphs(leo, "Raptor", "Raptor")) == {"Raptor": F("1")}
    enigma = cross_morphs(leo, "Enigma", "Normal").outcomes()
    assert any("Enigma syndrome" in w and "severe" in w for o in enigma for w in o.warnings)


# ------------------------------------------------------------------ boa constrictor


def test_boa_sunglow_and_super_hypo() -> None:
    boa = load_catalog("boa_constrictor")
    assert table(cross_morphs(boa, "Hypo", "Salmon")) == {
        "Hypo": F("1/2"),
        "Normal": F("1/4"),
        "Super Hypo": F("1/4"),
    }
    result = table(cross_morphs(boa, "Sunglow", "het Kahl"))
    assert result == {
        "Hypo": F("1/4"),
        "Normal": F("1/4"),
        "Sunglow": F("1/4"),
        "Kahl Albino": F("1/4"),
    }


# ------------------------------------------------------------------ crested gecko


def test_crested_lilly_white_super_is_lethal() -> None:
    crested = load_catalog("crested_gecko")
    assert table(cross_morphs(crested, "Lilly White", "Lilly White")) == {
        "Lilly White": F("1/2"),
        "Normal": F("1/4"),
        "Super Lilly White LETHAL": F("1/4"),
    }
    assert table(cross_morphs(crested, "LW", "Lily White", viable_only=True)) == {
        "Lilly White": F("2/3"),
        "Normal": F("1/3"),
    }


# ------------------------------------------------------------------ western hognose


def test_hognose_superconda_and_snow() -> None:
    hog = load_catalog("western_hognose")
    assert table(cross_morphs(hog, "Conda", "Anaconda"))["Superconda"] == F("1/4")
    assert table(cross_morphs(hog, "het Albino het Axanthic", "het Albino het Axanthic"))[
        "Snow"
    ] == F("1/16")


# ------------------------------------------------------------------ bearded dragon


def test_bearded_dragon_silkback_and_wero() -> None:
    dragon = load_catalog("bearded_dragon")
    outcomes = {
        o.phenotype: o for o in cross_morphs(dragon, "Leatherback", "Leatherback").outcomes()
    }
    assert outcomes["Silkback"].probability == F("1/4")
    assert any("severe" in w for w in outcomes["Silkback"].warnings)
    assert table(cross_morphs(dragon, "Wero", "Witblits het Zero"))["Wero"] == F("1/2")


# ------------------------------------------------------------------ corrected facts


def test_corn_hypo_strawberry_looks_hypo_and_carries_strawberry() -> None:
    corn = load_catalog("corn_snake")
    outcomes = cross_morphs(corn, "Hypo", "Strawberry").outcomes()
    assert [(o.phenotype, o.hets, o.probability) for o in outcomes] == [
        ("Hypo", ("Strawberry",), F("1"))
    ]


def test_leopard_gecko_snake_eyes_is_not_eclipse_and_banana_blizzard_is_murphy_blizzard() -> None:
    leo = load_catalog("leopard_gecko")
    with pytest.raises(MorphParseError, match="snake"):
        parse_genotype(leo, "Snake Eyes")
    assert visual_traits(leo, "Banana Blizzard") == {"Murphy Patternless", "Blizzard"}
    assert leo.allele_by_name("Giant").disputes
    assert any("neurological" in n.description for n in leo.allele_by_name("W&Y").health)


def test_crested_gecko_facts() -> None:
    crested = load_catalog("crested_gecko")
    assert crested.sex_system.value == "ZW"
    assert table(cross_morphs(crested, "Sable", "Cappuccino"))["Luwak"] == F("1/4")
    assert "Luwak" not in {c.name for c in crested.combos}
    with pytest.raises(MorphParseError):
        parse_genotype(crested, "Frappuccino")


def test_ball_python_corrections() -> None:
    bp = load_catalog("ball_python")
    assert bp.linkage_groups[0].recombination == (F("1/40"),)
    assert not bp.allele_by_name("Woma").super_lethal
    assert bp.allele_by_name("Hidden Gene Woma").health
    names = {c.name for c in bp.combos}
    assert {"Bumblebee", "Killer Bee"} <= names
    assert "Queen Bee" not in names
    assert visual_traits(bp, "Ivory") == {"Ivory"}
