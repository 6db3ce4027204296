"""Catalog loading, validation and extension."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reptidex.engine.genetics import (
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
