"""The rules of the genetic model itself: blocks of inherited loci, the trait table, allele
indexes and look-ups by name.

Every test builds its catalog afresh (the built-in ones are memoised), so that it exercises the
construction of the model and not a copy made before it ran.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reptidex.engine.genetics.model import (
    SEX_LOCUS,
    Allele,
    Block,
    Catalog,
    Compound,
    Expression,
    LinkageGroup,
    Locus,
    SexSystem,
    TraitDefinition,
)
from reptidex.engine.genetics.phenotype import sort_traits

RECESSIVE = Expression.RECESSIVE
INCOMPLETE = Expression.INCOMPLETE_DOMINANT


def _locus(locus_id: str, *alleles: Allele, compounds: tuple[Compound, ...] = ()) -> Locus:
    return Locus(locus_id, locus_id.title(), alleles, compounds)


def _gene(gene_id: str, expression: Expression = RECESSIVE) -> Locus:
    """A locus with one mutant allele of the same id."""
    return _locus(gene_id, Allele(gene_id, gene_id.title(), expression))


def _albino_and_pastel() -> Catalog:
    """An albino complex (Amel, Ultra and their compound Ultramel) and an incomplete dominant."""
    albino = _locus(
        "albino",
        Allele("amel", "Amel", RECESSIVE),
        Allele("ultra", "Ultra", RECESSIVE),
        compounds=(Compound(("ultra", "amel"), name="Ultramel"),),
    )
    pastel = _locus("pastel", Allele("pastel", "Pastel", INCOMPLETE))
    return Catalog("demo", "Demo", "Demo demo", SexSystem.XY, (albino, pastel))


def _linked() -> Catalog:
    """Four loci: the third and the first linked (listed in that chromosome order), the second
    unlinked, the fourth on the X chromosome."""
    return Catalog(
        "linked",
        "Linked",
        "Linked demo",
        SexSystem.XY,
        tuple(_gene(gene_id) for gene_id in ("a", "b", "c", "x")),
        linkage_groups=(
            LinkageGroup("ca", ("c", "a"), (Fraction(1, 10),)),
            LinkageGroup("on_x", ("x",), (Fraction(1, 5),), sex_linked=True),
        ),
    )


# --- Blocks: the loci inherited as one unit ------------------------------------------------


def test_blocks_are_numbered_by_their_first_locus_and_keep_their_linkage() -> None:
    """A linkage group is a block in chromosome order, numbered by its lowest locus; an
    unlinked locus is a block of its own with no recombination; a sex-linked block starts with
    the sex pseudo-locus and keeps its recombination with the sex-determining region."""
    catalog = _linked()
    assert catalog.blocks == (
        Block(0, (2, 0), (Fraction(1, 10),), sex_linked=False),
        Block(1, (1,), (), sex_linked=False),
        Block(2, (SEX_LOCUS, 3), (Fraction(1, 5),), sex_linked=True),
    )
    assert [block.index for block in catalog.blocks] == [0, 1, 2]


def test_each_locus_is_found_at_its_block_and_position() -> None:
    """``block_of_locus`` gives the block and the position in it; the sex pseudo-locus takes
    position 0 of a sex-linked block."""
    catalog = _linked()
    assert catalog.block_of_locus == {2: (0, 0), 0: (0, 1), 1: (1, 0), 3: (2, 1)}


def test_the_sex_block_is_the_sex_linked_one() -> None:
    """Only the block of sex-linked loci is the sex block; without one there is none."""
    assert _linked().sex_block == Block(2, (SEX_LOCUS, 3), (Fraction(1, 5),), sex_linked=True)
    assert _albino_and_pastel().sex_block is None


@st.composite
def _groupings(draw: st.DrawFn) -> tuple[int, list[list[int]], bool]:
    """A number of loci and disjoint linkage groups over them (each in a shuffled order), the
    first possibly sex-linked."""
    count = draw(st.integers(min_value=1, max_value=7))
    labels = draw(st.lists(st.integers(0, 3), min_size=count, max_size=count))
    groups = [
        draw(st.permutations([i for i in range(count) if labels[i] == label]))
        for label in (1, 2, 3)
    ]
    return count, [g for g in groups if g], draw(st.booleans())


@settings(max_examples=60, deadline=None)
@given(_groupings())
def test_every_locus_lies_in_exactly_one_block(grouping: tuple[int, list[list[int]], bool]) -> None:
    """Whatever the linkage, each locus is inherited in exactly one block, at the position
    ``block_of_locus`` names, and blocks are numbered in the order of their first locus."""
    count, groups, first_sex_linked = grouping
    loci = tuple(_gene(f"g{i}") for i in range(count))
    linkage = []
    for n, group in enumerate(groups):
        sex_linked = first_sex_linked and n == 0  # then one more fraction: to the sex region
        fractions = (Fraction(1, 4),) * (len(group) if sex_linked else len(group) - 1)
        loci_ids = tuple(f"g{i}" for i in group)
        linkage.append(LinkageGroup(f"group{n}", loci_ids, fractions, sex_linked=sex_linked))
    catalog = Catalog("p", "P", "P p", SexSystem.ZW, loci, linkage_groups=tuple(linkage))

    placed = sorted(i for block in catalog.blocks for i in block.loci if i != SEX_LOCUS)
    assert placed == list(range(count))
    for locus, (b, position) in catalog.block_of_locus.items():
        assert catalog.blocks[b].loci[position] == locus
    assert [block.index for block in catalog.blocks] == list(range(len(catalog.blocks)))
    firsts = [min(i for i in block.loci if i != SEX_LOCUS) for block in catalog.blocks]
    assert firsts == sorted(firsts)
    for block in catalog.blocks:
        assert block.sex_linked == (block.loci[0] == SEX_LOCUS)
        assert len(block.recombination) == len(block.loci) - 1


# --- The trait table: what each visual trait name means ---------------------------------


def test_the_trait_table_defines_each_name_by_its_two_alleles_in_catalog_order() -> None:
    """A recessive trait is two copies (shown over what it masks); an incomplete dominant is
    one copy beside the wild type and its super two copies; a named compound is its two
    alleles, lower index first, whatever order the catalog lists them in. Traits are numbered
    from 0 in catalog order."""
    assert _albino_and_pastel().traits == {
        "Amel": TraitDefinition("Amel", 0, (1, 1), 0, recessive_visual=True),
        "Ultra": TraitDefinition("Ultra", 0, (2, 2), 1, recessive_visual=True),
        "Ultramel": TraitDefinition("Ultramel", 0, (1, 2), 2, recessive_visual=False),
        "Pastel": TraitDefinition("Pastel", 1, (0, 1), 3, recessive_visual=False),
        "Super Pastel": TraitDefinition("Super Pastel", 1, (1, 1), 4, recessive_visual=False),
    }


def test_traits_sort_in_catalog_order_and_unknown_names_last() -> None:
    """Morph names list traits in catalog order; a name the catalog does not define comes
    after every one it does, the last of them included."""
    catalog = _albino_and_pastel()
    assert sort_traits(catalog, ["Mystery", "Super Pastel", "Ultramel", "Amel"]) == (
        "Amel",
        "Ultramel",
        "Super Pastel",
        "Mystery",
    )


def test_a_trait_name_used_twice_is_refused_by_name() -> None:
    """Two traits with one name would make a morph name ambiguous."""
    twice = (_gene("hypo"), _locus("other", Allele("other", "Hypo", RECESSIVE)))
    with pytest.raises(ValueError, match=r"^trait name 'Hypo' is used twice$"):
        Catalog("twice", "Twice", "Twice demo", SexSystem.UNKNOWN, twice)


# --- Allele indexes: 0 is the wild type, mutants count from 1 -----------------------------


def test_mutant_alleles_are_numbered_from_one_in_catalog_order() -> None:
    albino = _albino_and_pastel().locus("albino")
    assert albino.allele_index("amel") == 1
    assert albino.allele_index("ultra") == 2
    assert albino.allele(2).name == "Ultra"


def test_the_wild_type_has_no_allele_object() -> None:
    albino = _albino_and_pastel().locus("albino")
    with pytest.raises(ValueError, match=r"^index 0 is the wild type, which has no Allele object$"):
        albino.allele(0)


# --- Look-ups: unknown ids and names are key errors naming what was asked ------------------


def test_unknown_ids_and_names_raise_key_errors_naming_them() -> None:
    catalog = _albino_and_pastel()
    with pytest.raises(KeyError) as locus:
        catalog.locus("lavender")
    with pytest.raises(KeyError) as allele_index:
        catalog.locus("albino").allele_index("lavender")
    with pytest.raises(KeyError) as located:
        catalog.locate_allele("lavender")
    with pytest.raises(KeyError) as by_name:
        catalog.allele_by_name("Lavender Albino")
    assert locus.value.args == ("lavender",)
    assert allele_index.value.args == ("lavender",)
    assert located.value.args == ("lavender",)
    assert by_name.value.args == ("Lavender Albino",)


def test_allele_names_match_ignoring_case_hyphens_and_spacing() -> None:
    """``Blue-Eyed Lucy``, ``blue eyed lucy`` and ``BLUE-EYED  LUCY`` name one allele."""
    lucy = Allele("bel", "Blue-Eyed Lucy", INCOMPLETE, aliases=("Blue Eyed Leucistic",))
    catalog = Catalog("bel", "Bel", "Bel demo", SexSystem.XY, (_locus("bel", lucy),))
    for spelling in ("blue eyed lucy", "BLUE-EYED  LUCY", "Blue-eyed-Leucistic", "BEL"):
        assert catalog.allele_by_name(spelling) is lucy


def test_case_folding_follows_unicode_lowercase() -> None:
    """A name written with the Ångström sign (U+212B), as copied from a scientific text, is
    found by the ordinary å a keyboard types: both lowercase to the same letter."""
    allele = Allele("angstrom", "\u212bngstr\u00f6m", RECESSIVE)
    catalog = Catalog("u", "U", "U demo", SexSystem.XY, (_locus("angstrom", allele),))
    assert catalog.allele_by_name("\u00e5ngstr\u00f6m") is allele


def test_pretty_printers_show_a_catalog_by_its_short_repr() -> None:
    """IPython and Hypothesis print dataclasses field by field (40 kB for the ball python)."""
    from hypothesis.vendor.pretty import pretty

    from reptidex.engine.genetics import load_catalog

    bp = load_catalog("ball_python")
    assert pretty(bp) == repr(bp) == "Catalog(id='ball_python', loci=54, combos=6)"
