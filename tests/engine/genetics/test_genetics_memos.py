"""What a catalog remembers to make small crosses fast: parsed blocks, each block's classes of a
cross, genotype names and morph names. Each memo lives on its catalog instance (never shared by
two catalogs, even of the same species id), is bounded, and changes no answer."""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any
from unittest.mock import patch

import pytest

from reptidex.engine.genetics import (
    Catalog,
    Genotype,
    Sex,
    catalog_from_mapping,
    cross,
    load_catalog,
    parse_genotype,
    parsing,
)
from reptidex.engine.genetics.parsing import (
    catalog_memo,
    forget_memos,
    name_genotype,
    remember,
)
from reptidex.engine.genetics.phenotype import Diplotype

BP = load_catalog("ball_python")


def twin(inheritance: str, combos: list[dict[str, Any]]) -> Catalog:
    """A species "twin" with genes Alpha and Beta of the given inheritance (same ids, same
    loci, same block indexes whatever the inheritance), lethal as supers when dominant."""
    lethal = inheritance != "recessive"
    return catalog_from_mapping(
        {
            "species": {"id": "twin", "name": "Twin", "sex_system": "temperature"},
            "genes": [
                {"id": "a", "name": "Alpha", "inheritance": inheritance, "super_lethal": lethal},
                {"id": "b", "name": "Beta", "inheritance": inheritance},
            ],
            "combos": combos,
        }
    )


def summary(result: Any) -> list[tuple[str, str]]:
    return [(o["phenotype"], o["probability"]) for o in result.to_dict()["outcomes"]]


def test_two_catalogs_of_one_species_id_never_read_each_others_memos() -> None:
    """The same words, distributions and trait sets mean different things in a catalog where
    Alpha is recessive and in one where it is incomplete dominant (with a lethal super) and
    no combo: each catalog answers from its own genes, whichever was asked first."""
    recessive = twin("recessive", [{"name": "Alphabet", "traits": ["Alpha", "Beta"]}])
    dominant = twin("incomplete_dominant", [])
    het: dict[int, dict[Diplotype, Fraction]] = {0: {((0,), (1,)): Fraction(1)}}
    for first, second in ((recessive, dominant), (dominant, recessive)):
        for catalog in (first, second):
            fresh = dataclasses.replace(catalog)  # a new instance: nothing remembered
            for target in (catalog, fresh):
                parsed = parse_genotype(target, "Alpha")
                carrier = Genotype.from_blocks(target, het)
                both = parse_genotype(target, "Alpha Beta")
                if target.traits["Alpha"].recessive_visual:
                    assert parsed.blocks == ((0, ((((1,), (1,)), Fraction(1)),)),)
                    assert name_genotype(carrier) == "Normal het Alpha"
                    assert summary(cross(carrier, carrier)) == [
                        ("Normal", "3/4"),
                        ("Alpha", "1/4"),
                    ]
                    assert summary(cross(both, both)) == [("Alphabet", "1")]
                else:
                    assert parsed.blocks == ((0, ((((0,), (1,)), Fraction(1)),)),)
                    assert name_genotype(carrier) == "Alpha"
                    assert summary(cross(carrier, carrier)) == [
                        ("Alpha", "1/2"),
                        ("Normal", "1/4"),
                        ("Super Alpha", "1/4"),
                    ]
                    assert summary(cross(carrier, carrier, viable_only=True)) == [
                        ("Alpha", "2/3"),
                        ("Normal", "1/3"),
                    ]
                    assert summary(cross(both, both))[0] == ("Alpha Beta", "1/4")


def test_what_a_catalog_remembers_is_reused_by_later_morphs_and_crosses() -> None:
    """A block parsed once is the same object in every later description that writes the same
    words at its loci; a cross's classes, its groups' possible hets and names, and a
    genotype's name are made once and then read back."""
    catalog = dataclasses.replace(BP)
    pastel = parse_genotype(catalog, "Pastel het Clown")
    bumblebee = parse_genotype(catalog, "Bumblebee het Clown")
    assert dict(pastel.blocks)[0] is dict(bumblebee.blocks)[0]
    sire = parse_genotype(catalog, "Spider 66% het Clown")
    first = cross(sire, pastel).outcomes()
    again = cross(parse_genotype(catalog, "Spider 66% het Clown"), pastel).outcomes()
    assert first[0].possible_hets[0] is again[0].possible_hets[0]
    assert [o.phenotype for o in first] == [o.phenotype for o in again]
    assert all(a.phenotype is b.phenotype for a, b in zip(first, again, strict=True))
    assert name_genotype(sire) is name_genotype(parse_genotype(catalog, "Spider 66% het Clown"))


def test_the_parse_memo_tells_apart_sexes_makers_hets_and_possible_hets() -> None:
    """Descriptions that differ only in the animal's sex, the maker, or how sure a het is give
    different blocks, whichever is read first."""
    catalog = dataclasses.replace(BP)
    readings = [
        ("Banana", Sex.MALE),
        ("Banana", Sex.FEMALE),
        ("male maker Banana", Sex.MALE),
        ("female maker Banana", Sex.MALE),
        ("Clown", None),
        ("het Clown", None),
        ("66% het Clown", None),
        ("50% het Clown", None),
        ("het Clown het Pied", None),
    ]
    expected = [parse_genotype(dataclasses.replace(BP), t, s).blocks for t, s in readings]
    assert len({repr(blocks) for blocks in expected}) == len(readings)
    for _ in range(2):
        assert [parse_genotype(catalog, t, s).blocks for t, s in readings] == expected


def test_a_name_is_remembered_for_its_sex_too() -> None:
    """A hand-made genotype with a female's Banana block but no sex has no name (parsing
    "Banana" needs a sex); the same blocks of a female are a Banana."""
    catalog = dataclasses.replace(BP)
    banana = parse_genotype(catalog, "Banana", Sex.FEMALE)
    with pytest.raises(ValueError, match="has no exact morph name"):
        name_genotype(Genotype(catalog, banana.blocks, None))
    with pytest.raises(ValueError, match="has no exact morph name"):
        name_genotype(Genotype(catalog, banana.blocks, None))  # the reason, remembered
    assert name_genotype(banana) == "Banana"


def test_an_unnamed_genotype_keeps_its_reason() -> None:
    """The reason a genotype has no name is given again when it is asked again."""
    catalog = dataclasses.replace(BP)
    maybe_pastel = Genotype.from_blocks(
        catalog, {0: {((0,), (0,)): Fraction(1, 2), ((0,), (1,)): Fraction(1, 2)}}
    )
    for _ in range(2):
        with pytest.raises(ValueError, match=r"^the Pastel locus may or may not show"):
            name_genotype(maybe_pastel)


def test_a_full_memo_is_emptied_and_answers_stay_right() -> None:
    """With room for two entries, each memo is emptied when a third comes, and every answer
    is the one a catalog that remembers nothing gives."""
    catalog = dataclasses.replace(BP)
    morphs = ["Pastel", "Spider het Clown", "Enchi 66% het Pied", "Mojave", "Pastel Spider"]
    expected = [
        cross(parse_genotype(BP, m), parse_genotype(BP, "het Clown")).to_dict() for m in morphs
    ]
    with patch.object(parsing, "MEMO_SIZE", 2):
        for _ in range(2):
            got = [
                cross(parse_genotype(catalog, m), parse_genotype(catalog, "het Clown")).to_dict()
                for m in morphs
            ]
            assert got == expected
        for name in ("_parsed_blocks", "_block_classes", "_genotype_names", "_morph_names"):
            assert 1 <= len(catalog_memo(catalog, name)) <= 2, name


def test_remember_returns_the_value_and_empties_a_full_memo() -> None:
    memo: dict[Any, Any] = {}
    with patch.object(parsing, "MEMO_SIZE", 3):
        assert [remember(memo, n, str(n)) for n in range(3)] == ["0", "1", "2"]
        assert memo == {0: "0", 1: "1", 2: "2"}
        assert remember(memo, 3, "3") == "3"
        assert memo == {3: "3"}


def test_a_catalog_memo_is_one_dict_per_name_and_catalog() -> None:
    catalog = dataclasses.replace(BP)
    other = dataclasses.replace(BP)
    memo = catalog_memo(catalog, "_test_memo")
    assert memo == {}
    assert catalog_memo(catalog, "_test_memo") is memo
    assert catalog_memo(catalog, "_other_memo") is not memo
    assert catalog_memo(other, "_test_memo") is not memo
    assert catalog == other  # memos are not part of what a catalog is


def test_a_memo_holds_at_most_1024_entries() -> None:
    """The documented bound: 1024 entries fit, the 1025th empties the memo first."""
    memo: dict[Any, Any] = {}
    for n in range(1024):
        remember(memo, n, n)
    assert len(memo) == 1024
    remember(memo, 1024, 1024)
    assert memo == {1024: 1024}


def test_forgetting_empties_every_memo_of_one_catalog_only() -> None:
    """After forget_memos a catalog computes again (new objects, the same answers); another
    catalog keeps what it remembers."""
    catalog, other = dataclasses.replace(BP), dataclasses.replace(BP)
    first, kept = (
        cross(parse_genotype(c, "Pastel het Clown"), parse_genotype(c, "het Clown")).outcomes()
        for c in (catalog, other)
    )
    remembered = catalog_memo(catalog, "_block_classes")
    assert remembered
    forget_memos(catalog)
    assert catalog_memo(catalog, "_block_classes") == {}
    assert catalog_memo(catalog, "_block_classes") is not remembered
    again = cross(
        parse_genotype(catalog, "Pastel het Clown"), parse_genotype(catalog, "het Clown")
    ).outcomes()
    assert list(again) == list(first)
    assert again[0].possible_hets[0] is not first[0].possible_hets[0]
    same = cross(
        parse_genotype(other, "Pastel het Clown"), parse_genotype(other, "het Clown")
    ).outcomes()
    assert same[0].possible_hets[0] is kept[0].possible_hets[0]
    forget_memos(dataclasses.replace(BP))  # a catalog that never remembered anything
