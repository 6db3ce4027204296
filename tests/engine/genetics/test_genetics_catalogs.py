"""Catalog loading, validation and extension."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reptidex.engine.genetics import (
    Catalog,
    CatalogError,
    available_species,
    catalog_from_mapping,
    catalog_from_toml,
    catalog_to_mapping,
    extend_catalog,
    load_catalog,
    load_catalog_file,
)


def test_all_seven_species_ship_and_validate() -> None:
    assert set(available_species()) >= {
        "ball_python",
        "leopard_gecko",
        "corn_snake",
        "boa_constrictor",
        "crested_gecko",
        "western_hognose",
        "bearded_dragon",
    }
    for species in available_species():
        catalog = load_catalog(species)
        assert catalog_from_mapping(catalog_to_mapping(catalog)) == catalog


def test_unknown_species_is_a_key_error_listing_the_known_ones() -> None:
    with pytest.raises(KeyError, match="ball_python"):
        load_catalog("dragonfly")


def base() -> dict[str, Any]:
    return {"species": {"id": "demo", "name": "Demo", "sex_system": "XY"}, "genes": []}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"genes": [{"id": "a", "name": "A", "inheritance": "sometimes"}]}, "inheritance"),
        ({"genes": [{"id": "a", "name": "A", "inheritance": "recessive", "super": "X"}]}, "super"),
        (
            {
                "genes": [
                    {"id": "a", "name": "A", "inheritance": "recessive"},
                    {"id": "a", "name": "B", "inheritance": "recessive"},
                ]
            },
            "twice",
        ),
        ({"combos": [{"name": "C", "traits": ["A", "B"]}]}, "unknown traits"),
        (
            {
                "genes": [{"id": "a", "name": "A", "inheritance": "recessive"}],
                "linkage": [
                    {"id": "l", "loci": ["a"], "sex_linked": True, "recombination": ["2/3"]}
                ],
            },
            "between 0 and 1/2",
        ),
        (
            {
                "genes": [
                    {"id": "a", "name": "A", "inheritance": "recessive", "aliases": ["Z"]},
                    {"id": "b", "name": "B", "inheritance": "recessive", "aliases": ["z"]},
                ]
            },
            "means both",
        ),
        (
            {
                "genes": [
                    {
                        "id": "a",
                        "name": "A",
                        "inheritance": "dominant",
                        "health": [{"note": "x", "severity": "awful"}],
                    }
                ]
            },
            "severity",
        ),
    ],
)
def test_validation_names_the_problem(change: dict[str, Any], message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        catalog_from_mapping({**base(), **change})


def test_invalid_toml_is_a_catalog_error() -> None:
    with pytest.raises(CatalogError, match="TOML"):
        catalog_from_toml("[species")


def test_user_file_and_extension(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        '[species]\nid = "mine"\nname = "Mine"\nsex_system = "ZW"\n'
        '[[genes]]\nid = "glow"\nname = "Glow"\ninheritance = "incomplete_dominant"\nsuper = "Mega Glow"\n',
        encoding="utf-8",
    )
    mine = load_catalog_file(path)
    assert mine.allele_by_name("glow").homozygous_name == "Mega Glow"
    bigger = extend_catalog(
        load_catalog("corn_snake"),
        {
            "genes": [{"id": "neon", "name": "Neon", "inheritance": "recessive"}],
            "combos": [{"name": "Neon Snow", "traits": ["Neon", "Amel", "Anery"]}],
        },
    )
    assert any(c.name == "Neon Snow" for c in bigger.combos)
    assert load_catalog("corn_snake").combos != bigger.combos


def _entries(catalog: Catalog) -> list[tuple[str, Any]]:
    """Every catalog entry that can carry sources, with a label."""
    out: list[tuple[str, Any]] = []
    for locus in catalog.loci:
        out.append((f"locus {locus.id}", locus))
        out.extend((f"allele {a.id}", a) for a in locus.alleles)
        out.extend((f"compound {c.alleles}", c) for c in locus.compounds)
    out.extend((f"linkage {g.id}", g) for g in catalog.linkage_groups)
    out.extend((f"combo {c.name}", c) for c in catalog.combos)
    return out


@pytest.mark.parametrize("species", available_species())
def test_every_health_note_and_dispute_carries_a_source(species: str) -> None:
    catalog = load_catalog(species)
    missing = []
    for label, entry in _entries(catalog):
        notes = [*getattr(entry, "health", ()), *getattr(entry, "super_health", ())]
        missing += [f"{label}: {n.description}" for n in notes if not n.source.strip()]
        missing += [
            f"{label}: {d.description}"
            for d in entry.disputes
            if not d.sources or not all(s.strip() for s in d.sources)
        ]
    assert missing == []


@pytest.mark.parametrize("species", available_species())
def test_lethal_entries_name_where_the_claim_comes_from(species: str) -> None:
    catalog = load_catalog(species)
    unsourced = []
    for label, entry in _entries(catalog):
        lethal = getattr(entry, "super_lethal", False) or getattr(entry, "lethal", False)
        if lethal and not (entry.sources or entry.disputes):
            unsourced.append(label)
    assert unsourced == []


def test_every_built_in_species_names_sources() -> None:
    for species in available_species():
        catalog = load_catalog(species)
        assert catalog.sources, species
        assert any(entry.sources for _, entry in _entries(catalog)), species


def test_disputes_need_a_source_and_round_trip() -> None:
    gene = {"id": "a", "name": "A", "inheritance": "recessive"}
    with pytest.raises(CatalogError, match="dispute needs at least one source"):
        catalog_from_mapping({**base(), "genes": [{**gene, "disputes": [{"note": "x"}]}]})
    catalog = catalog_from_mapping(
        {
            **base(),
            "genes": [
                {
                    **gene,
                    "sources": ["paper"],
                    "disputes": [{"note": "allelic?", "sources": ["forum", "book"]}],
                }
            ],
        }
    )
    allele = catalog.allele_by_name("A")
    assert allele.sources == ("paper",)
    assert str(allele.disputes[0]) == "allelic? (sources: forum; book)"
    assert catalog_from_mapping(catalog_to_mapping(catalog)) == catalog


def test_old_catalogs_without_sources_still_load() -> None:
    catalog = catalog_from_mapping(
        {**base(), "genes": [{"id": "a", "name": "A", "inheritance": "dominant"}]}
    )
    assert catalog.allele_by_name("A").sources == ()
    assert catalog.allele_by_name("A").disputes == ()


def test_unknown_sex_system_allows_no_sex_linkage() -> None:
    data = {
        "species": {"id": "x", "name": "X", "sex_system": "unknown"},
        "genes": [{"id": "a", "name": "A", "inheritance": "recessive"}],
        "linkage": [{"id": "l", "loci": ["a"], "sex_linked": True, "recombination": ["0"]}],
    }
    with pytest.raises(CatalogError, match="sex chromosomes"):
        catalog_from_mapping(data)
