"""The catalog format's rules, one by one: exact error messages, defaults, compounds, linkage,
combos, name clashes, extension and the mapping round trip.

Every catalog here is built inside the test (never the memoised built-in ones), so each rule is
checked on fresh input.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import pytest

from reptidex.engine.genetics import (
    CatalogError,
    catalog_from_mapping,
    catalog_to_mapping,
    extend_catalog,
    load_catalog_file,
)
from reptidex.engine.genetics.model import Catalog, HealthNote, Severity

SEVERITY = "health severity must be one of mild, moderate, severe, lethal"
INHERITANCE = "inheritance must be recessive, incomplete_dominant or dominant"


def species(**fields: Any) -> dict[str, Any]:
    return {"id": "demo", "name": "Demo", "sex_system": "XY", **fields}


def gene(gene_id: str, name: str, inheritance: str = "recessive", **fields: Any) -> dict[str, Any]:
    return {"id": gene_id, "name": name, "inheritance": inheritance, **fields}


def locus(**fields: Any) -> dict[str, Any]:
    """Locus ``l`` with the alleles X (``x``) and Y (``y``)."""
    return {
        "id": "l",
        "name": "L",
        "alleles": [gene("x", "X", "incomplete_dominant"), gene("y", "Y", "incomplete_dominant")],
        **fields,
    }


def compound(**fields: Any) -> dict[str, Any]:
    return {"alleles": ["x", "y"], "name": "XY", **fields}


def build(**tables: Any) -> Catalog:
    return catalog_from_mapping({"species": species(), **tables})


def error(data: dict[str, Any]) -> str:
    with pytest.raises(CatalogError) as info:
        catalog_from_mapping(data)
    return str(info.value)


NO_SOURCE = [{"note": "disputed", "sources": []}]
GENES_AB = [gene("a", "A"), gene("b", "B")]
GENES_ABC = [*GENES_AB, gene("c", "C")]


class TestTheShapeOfTheFile:
    """Missing or mistyped tables and fields are refused with the field named."""

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({}, "catalog: missing table 'species'"),
            (
                {"species": species(), "genes": (gene("a", "A"),)},
                "'genes' must be a list of tables",
            ),
            ({"species": species(), "genes": "abc"}, "'genes' must be a list of tables"),
            ({"species": species(id=None)}, "species: 'id' must be a non-empty string"),
            ({"species": species(id=5)}, "species: 'id' must be a non-empty string"),
            ({"species": species(name=" ")}, "species: 'name' must be a non-empty string"),
            (
                {"species": species(sex_system=None)},
                "species: sex_system must be XY, ZW, temperature or unknown: "
                "species: 'sex_system' must be a non-empty string",
            ),
            (
                {"species": species(sex_system="AB")},
                "species: sex_system must be XY, ZW, temperature or unknown: "
                "'AB' is not a valid SexSystem",
            ),
            ({"species": species(notes=5)}, "'notes' must be a string or a list of strings"),
            (
                {"species": species(notes={"a": 1})},
                "'notes' must be a string or a list of strings",
            ),
            (
                {"species": species(notes=["a", 1])},
                "'notes' must be a string or a list of strings",
            ),
        ],
    )
    def test_the_message_names_the_field(self, data: dict[str, Any], message: str) -> None:
        assert error(data) == message

    def test_optional_fields_default_to_empty(self) -> None:
        catalog = build(
            genes=[gene("d", "D", "dominant", health=[{"note": "n", "severity": "mild"}])]
        )
        assert catalog.scientific_name == ""
        allele = catalog.loci[0].alleles[0]
        assert allele.super_lethal is False
        assert allele.health == (HealthNote("n", Severity.MILD, ""),)

    def test_given_fields_are_kept(self) -> None:
        catalog = catalog_from_mapping(
            {
                "species": species(scientific_name="Demo demo"),
                "genes": [
                    gene(
                        "d",
                        "D",
                        "dominant",
                        super_lethal=True,
                        locus_notes=["one locus"],
                        health=[{"note": "n", "severity": "severe", "source": "S"}],
                    )
                ],
            }
        )
        assert catalog.scientific_name == "Demo demo"
        assert catalog.loci[0].notes == ("one locus",)
        assert catalog.loci[0].alleles[0].super_lethal is True
        assert catalog.loci[0].alleles[0].health == (HealthNote("n", Severity.SEVERE, "S"),)


class TestGenesAndAlleles:
    """A gene's or allele's errors name it: ``gene 'a'``, ``locus 'l' allele 'x'``."""

    @pytest.mark.parametrize(
        ("genes", "message"),
        [
            ([gene("a", "A", "sometimes")], f"gene 'a': {INHERITANCE}"),
            (
                [{"name": "A", "inheritance": "recessive"}],
                "gene None: 'id' must be a non-empty string",
            ),
            (
                [{"id": "a", "inheritance": "recessive"}],
                "gene 'a': 'name' must be a non-empty string",
            ),
            (
                [gene("a", "A", health=[{"note": "n", "severity": "awful"}])],
                f"gene 'a': {SEVERITY}",
            ),
            (
                [gene("a", "A", health=[{"note": "", "severity": "mild"}])],
                "gene 'a': 'note' must be a non-empty string",
            ),
            (
                [gene("a", "A", "dominant", super_health=[{"note": "n", "severity": "awful"}])],
                f"gene 'a': {SEVERITY}",
            ),
            ([gene("a", "A", disputes=NO_SOURCE)], "gene 'a': a dispute needs at least one source"),
            (
                [gene("a", "A", disputes=[{"sources": ["S"]}])],
                "gene 'a': 'note' must be a non-empty string",
            ),
            ([*GENES_AB, *GENES_AB], "ids used twice: a, b"),
        ],
    )
    def test_gene_errors(self, genes: list[dict[str, Any]], message: str) -> None:
        assert error({"species": species(), "genes": genes}) == message

    @pytest.mark.parametrize(
        ("entry", "message"),
        [
            ({"id": "l", "name": "L", "alleles": []}, "locus 'l': needs at least one allele"),
            (
                locus(alleles=[gene("x", "X", "sometimes")]),
                f"locus 'l' allele 'x': {INHERITANCE}",
            ),
            (
                {"name": "L", "alleles": [gene("x", "X")]},
                "locus None: 'id' must be a non-empty string",
            ),
            (
                {"id": "l", "alleles": [gene("x", "X")]},
                "locus 'l': 'name' must be a non-empty string",
            ),
            (locus(disputes=NO_SOURCE), "locus 'l': a dispute needs at least one source"),
        ],
    )
    def test_locus_errors(self, entry: dict[str, Any], message: str) -> None:
        assert error({"species": species(), "loci": [entry]}) == message

    def test_a_trait_name_used_twice_is_a_catalog_error(self) -> None:
        data = {"species": species(), "genes": [gene("a", "A"), gene("b", "A")]}
        assert error(data) == "trait name 'A' is used twice"


class TestCompounds:
    """A compound pairs two different alleles of its locus and has a name or a look."""

    WHERE = "locus 'l': compound ['x', 'y']"

    @pytest.mark.parametrize(
        ("entry", "message"),
        [
            (
                compound(alleles=["x", "q"]),
                "locus 'l': a compound needs two different allele ids of the locus",
            ),
            (
                compound(alleles=["x", "y", "y"]),
                "locus 'l': a compound needs two different allele ids of the locus",
            ),
            (
                compound(alleles=["x", "x"]),
                "locus 'l': a compound needs two different allele ids of the locus",
            ),
            (
                {"alleles": ["x", "y"]},
                f"{WHERE} needs exactly one of 'name' and 'looks_like'",
            ),
            (
                {"alleles": ["x", "y"], "looks_like": "z"},
                f"{WHERE} looks_like must be one of its alleles",
            ),
            (
                compound(health=[{"note": "n", "severity": "awful"}]),
                f"locus 'l' compound ['x', 'y']: {SEVERITY}",
            ),
            (
                compound(disputes=NO_SOURCE),
                "locus 'l' compound ['x', 'y']: a dispute needs at least one source",
            ),
        ],
    )
    def test_compound_errors(self, entry: dict[str, Any], message: str) -> None:
        assert error({"species": species(), "loci": [locus(compounds=[entry])]}) == message

    def test_lethal_and_health_are_read(self) -> None:
        note = {"note": "n", "severity": "lethal", "source": "S"}
        loaded = build(loci=[locus(compounds=[compound(lethal=True, health=[note])])])
        (read,) = loaded.loci[0].compounds
        assert read.lethal is True
        assert read.health == (HealthNote("n", Severity.LETHAL, "S"),)

    def test_a_compound_is_not_lethal_unless_marked(self) -> None:
        (read,) = build(loci=[locus(compounds=[compound()])]).loci[0].compounds
        assert read.lethal is False
        assert read.health == ()


class TestLinkage:
    """A linkage group lists loci of the catalog, once each, with one fraction per gap."""

    @pytest.mark.parametrize(
        ("groups", "message"),
        [
            (
                [{"id": "g", "loci": ["a", "zz"], "recombination": ["1/4"]}],
                "linkage 'g': 'loci' must list locus ids of this catalog",
            ),
            (
                [{"id": "g", "loci": ["zz"]}],
                "linkage 'g': 'loci' must list locus ids of this catalog",
            ),
            (
                [{"id": "g", "loci": []}],
                "linkage 'g': 'loci' must list locus ids of this catalog",
            ),
            (
                [{"id": "g", "loci": ["a", "b"], "recombination": []}],
                "linkage 'g': needs 1 recombination fractions",
            ),
            (
                [{"id": "g", "loci": ["a", "b"], "recombination": "0"}],
                "linkage 'g': needs 1 recombination fractions",
            ),
            (
                [{"id": "g", "loci": ["a", "b"], "recombination": ["x"]}],
                "linkage 'g': 'x' is not a fraction",
            ),
            (
                [{"loci": ["a", "b"], "recombination": ["1/4"]}],
                "linkage None: 'id' must be a non-empty string",
            ),
            (
                [{"id": "g", "loci": ["a", "b"], "recombination": ["1/4"], "disputes": NO_SOURCE}],
                "linkage 'g': a dispute needs at least one source",
            ),
            (
                [
                    {"id": "g", "loci": ["a"], "recombination": ["1/4"], "sex_linked": True},
                    {"id": "h", "loci": ["b"], "recombination": ["1/4"], "sex_linked": True},
                ],
                "only one sex-linked linkage group is allowed (one sex chromosome pair)",
            ),
            (
                [
                    {"id": "g", "loci": ["a", "b"], "recombination": ["1/4"]},
                    {"id": "h", "loci": ["b", "c"], "recombination": ["1/4"]},
                ],
                "a locus appears in more than one linkage group",
            ),
        ],
    )
    def test_linkage_errors(self, groups: list[dict[str, Any]], message: str) -> None:
        assert error({"species": species(), "genes": GENES_ABC, "linkage": groups}) == message

    def test_a_one_locus_group_needs_no_recombination(self) -> None:
        catalog = build(genes=GENES_AB, linkage=[{"id": "g", "loci": ["a"]}])
        (group,) = catalog.linkage_groups
        assert (group.loci, group.recombination, group.sex_linked) == (("a",), (), False)


class TestCombos:
    """A combo names at least two known traits and does not take a trait's name."""

    @pytest.mark.parametrize(
        ("combo", "message"),
        [
            (
                {"name": "C", "traits": ["A"]},
                "combo 'C': 'traits' must list at least two trait names",
            ),
            (
                {"name": "C", "traits": "AB"},
                "combo 'C': 'traits' must list at least two trait names",
            ),
            ({"traits": ["A", "B"]}, "combo None: 'name' must be a non-empty string"),
            (
                {"name": "C", "traits": ["A", "B"], "disputes": NO_SOURCE},
                "combo 'C': a dispute needs at least one source",
            ),
            ({"name": "C", "traits": ["A", "Q", "P"]}, "combo 'C': unknown traits P, Q"),
            ({"name": "A", "traits": ["A", "B"]}, "combo 'A' has the name of a trait"),
        ],
    )
    def test_combo_errors(self, combo: dict[str, Any], message: str) -> None:
        assert error({"species": species(), "genes": GENES_AB, "combos": [combo]}) == message


class TestNameClashes:
    """Every name a breeder may write means one thing; names are compared as lookup folds them
    (case-insensitively, a hyphen as a space)."""

    @pytest.mark.parametrize(
        ("tables", "message"),
        [
            (
                {"genes": [gene("a", "A"), gene("b", "B", aliases=["a"])]},
                "the name 'a' means both trait A and trait B",
            ),
            (
                {"genes": [gene("a", "Red Stripe"), gene("b", "B", aliases=["red-stripe"])]},
                "the name 'red-stripe' means both trait Red Stripe and trait B",
            ),
            (
                {
                    "genes": [
                        gene("d", "D", "dominant", super="Super D", super_aliases=["SD"]),
                        gene("e", "E", aliases=["sd"]),
                    ]
                },
                "the name 'sd' means both trait Super D and trait E",
            ),
            (
                {
                    "genes": [gene("g", "G", aliases=["xyc"])],
                    "loci": [locus(compounds=[compound(aliases=["XYC"])])],
                },
                "the name 'XYC' means both trait G and trait XY",
            ),
            (
                {
                    "genes": [gene("a", "A", aliases=["zed"]), gene("b", "B")],
                    "combos": [{"name": "Zed", "traits": ["A", "B"]}],
                },
                "the name 'Zed' means both trait A and combo Zed",
            ),
        ],
    )
    def test_a_clash_names_both_meanings(self, tables: dict[str, Any], message: str) -> None:
        assert error({"species": species(), **tables}) == message

    def test_names_that_lookup_tells_apart_do_not_clash(self) -> None:
        catalog = build(genes=[gene("w", "Weiß"), gene("s", "S", aliases=["Weiss"])])
        assert catalog.allele_by_name("weiss").id == "s"
        assert catalog.allele_by_name("weiß").id == "w"


class TestExtensionAndRoundTrip:
    """Extending keeps every table of the extra; the mapping form reads back to an equal
    catalog."""

    def test_extend_adds_loci_and_linkage(self) -> None:
        base = build(genes=GENES_AB)
        bigger = extend_catalog(
            base,
            {
                "loci": [locus()],
                "linkage": [{"id": "g", "loci": ["a", "l"], "recombination": ["1/8"]}],
            },
        )
        assert [item.id for item in bigger.loci] == ["a", "b", "l"]
        assert [(g.id, g.loci) for g in bigger.linkage_groups] == [("g", ("a", "l"))]

    def test_compound_details_round_trip(self) -> None:
        note = {"note": "n", "severity": "severe", "source": "S"}
        dispute = {"note": "d", "sources": ["T"]}
        catalog = build(
            loci=[locus(compounds=[compound(lethal=True, health=[note], disputes=[dispute])])]
        )
        assert catalog_from_mapping(catalog_to_mapping(catalog)) == catalog


def test_catalog_files_are_read_as_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file's encoding is UTF-8 whatever the locale says."""
    path = tmp_path / "mine.toml"
    path.write_text('[species]\nid = "m"\nname = "Mö"\nsex_system = "ZW"\n', encoding="utf-8")
    encodings: list[str | None] = []
    read_text = Path.read_text

    def spy(self: Path, encoding: str | None = None, errors: str | None = None) -> str:
        encodings.append(encoding)
        return read_text(self, encoding=encoding, errors=errors)

    monkeypatch.setattr(Path, "read_text", spy)
    assert load_catalog_file(path).name == "Mö"
    assert [codecs.lookup(e).name if e else None for e in encodings] == ["utf-8"]
