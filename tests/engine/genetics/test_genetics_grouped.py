"""The bulk-built breeder's view agrees with a slow reference built genotype by genotype."""

from __future__ import annotations

from fractions import Fraction
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reptidex.engine.genetics import (
    Catalog,
    CrossResult,
    Genotype,
    Sex,
    block_phenotype,
    catalog_from_mapping,
    cross,
    grouped,
    load_catalog,
    morph_name,
    parse_genotype,
)
from reptidex.engine.genetics.phenotype import sort_traits

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BP = load_catalog("ball_python")

Key = tuple[tuple[str, ...], bool, Sex | None]


def reference(result: CrossResult) -> list[dict[str, object]]:
    """Group every offspring genotype by what it shows, the obvious way."""
    catalog = result.catalog
    groups: dict[Key, dict[str, object]] = {}
    for genotype, p in result.genotypes():
        traits: list[str] = []
        hidden: list[str] = []
        warnings: set[str] = set()
        lethal = False
        for block, ((diplotype, _),) in genotype.iter_blocks():
            look = block_phenotype(catalog, block, diplotype)
            traits += look.traits
            hidden += look.hidden
            warnings.update(look.warnings)
            lethal = lethal or look.lethal
        sex = genotype.sex
        ordered = sort_traits(catalog, traits)
        group = groups.setdefault(
            (ordered, lethal, sex),
            {"p": Fraction(0), "carried": {}, "warnings": set(), "traits": ordered},
        )
        group["p"] += p  # type: ignore[operator]
        carried: dict[str, Fraction] = group["carried"]  # type: ignore[assignment]
        for name in hidden:
            carried[name] = carried.get(name, Fraction(0)) + p
        group["warnings"] |= warnings  # type: ignore[operator]
    out = []
    for (shown, lethal, sex), group in groups.items():
        total: Fraction = group["p"]  # type: ignore[assignment]
        carried = group["carried"]  # type: ignore[assignment]
        out.append(
            {
                "probability": total,
                "phenotype": morph_name(catalog, shown),
                "traits": shown,
                "hets": sorted(n for n, q in carried.items() if q == total),
                "possible": sorted((n, q / total) for n, q in carried.items() if q != total),
                "sex": sex,
                "lethal": lethal,
                "warnings": group["warnings"],
            }
        )
    out.sort(key=lambda g: (-g["probability"], g["lethal"], g["phenotype"], g["sex"] or ""))  # type: ignore[operator]
    return out


def fast(result: CrossResult) -> list[dict[str, object]]:
    return [
        {
            "probability": o.probability,
            "phenotype": o.phenotype,
            "traits": o.traits,
            "hets": sorted(o.hets),
            "possible": sorted((h.gene, h.probability) for h in o.possible_hets),
            "sex": o.sex,
            "lethal": o.lethal,
            "warnings": set(o.warnings),
        }
        for o in result.outcomes()
    ]


def assert_same(result: CrossResult) -> None:
    """The grouped view equals the reference, both when small crosses are named group by
    group and when every cross takes the bulk path."""
    expected = reference(result)
    for small in (grouped._SMALL, 0):
        with patch.object(grouped, "_SMALL", small):
            again = CrossResult(
                result.catalog,
                result.sire,
                result.dam,
                result._blocks,
                result.viable_only,
                result.lethal_probability,
            )
            assert fast(again) == expected
            assert again.to_dict()["outcomes"] == [o.to_dict() for o in again.outcomes()]


MORPHS = st.lists(
    st.sampled_from(
        [
            "Pastel",
            "Super Pastel",
            "Spider",
            "Pinstripe",
            "het Clown",
            "66% het Pied",
            "ph Albino",
            "Lesser",
            "Mojave",
            "Fire",
            "Cinnamon",
            "Yellowbelly",
            "Gravel",
            "Woma",
            "Champagne",
            "Banana",
            "Clown",
            "50% het Candy",
        ]
    ),
    max_size=6,
    unique=True,
)


def _text(words: list[str]) -> str:
    chosen: dict[str, str] = {}
    for word in words:
        gene = BP.allele_by_name(word.split()[-1]).id
        locus = BP.locate_allele(gene)[0]
        chosen.setdefault(str(locus), word)
    return " ".join(chosen.values()) or "Normal"


@SETTINGS
@given(MORPHS, MORPHS, st.booleans())
def test_ball_python_groups_match_the_reference(
    sire: list[str], dam: list[str], viable_only: bool
) -> None:
    male = parse_genotype(BP, _text(sire), Sex.MALE)
    female = parse_genotype(BP, _text(dam), Sex.FEMALE)
    # none of these morphs is lethal when homozygous, so every pairing has viable offspring
    assert_same(cross(male, female, viable_only=viable_only))


def _interleaved() -> Catalog:
    """Loci a and c are linked around b, so a block's traits are not contiguous in catalog
    order (the grouped view must sort each group's traits itself)."""
    return catalog_from_mapping(
        {
            "species": {"id": "demo", "name": "Demo", "sex_system": "temperature"},
            "genes": [
                {"id": "a", "name": "Alpha", "inheritance": "incomplete_dominant"},
                {"id": "b", "name": "Beta", "inheritance": "recessive"},
                {"id": "c", "name": "Gamma", "inheritance": "dominant"},
            ],
            "linkage": [{"id": "ac", "loci": ["a", "c"], "recombination": ["1/5"]}],
            "combos": [{"name": "Alphabet", "traits": ["Alpha", "Beta"]}],
        }
    )


@SETTINGS
@given(
    st.sampled_from(["Alpha het Beta Gamma", "Super Alpha Beta", "Gamma het Beta", "Normal"]),
    st.sampled_from(["Alpha Beta Gamma", "het Beta", "Alpha Gamma het Beta", "Super Alpha"]),
)
def test_interleaved_linkage_groups_match_the_reference(sire: str, dam: str) -> None:
    catalog = _interleaved()
    assert_same(cross(parse_genotype(catalog, sire), parse_genotype(catalog, dam)))


def test_big_cross_matches_the_reference_and_reads_lazily() -> None:
    names = ["Pastel", "Enchi", "Fire", "Cinnamon", "Spider", "het Clown", "66% het Pied"]
    sire = parse_genotype(BP, " ".join(names))
    dam = parse_genotype(BP, "Pastel Cinnamon Pinstripe het Clown het Pied")
    result = cross(sire, dam)
    assert_same(result)
    outcomes = result.outcomes()
    assert outcomes[-1] == list(outcomes)[-1]
    assert outcomes[:2] == [outcomes[0], outcomes[1]]
    assert outcomes == list(outcomes)


def test_outcomes_of_genotype_with_no_blocks() -> None:
    normal = Genotype.from_blocks(BP, {}, Sex.MALE)
    result = cross(normal, Genotype.from_blocks(BP, {}, Sex.FEMALE))
    assert [(o.phenotype, o.probability) for o in result.outcomes()] == [("Normal", Fraction(1))]
    assert_same(result)
