"""The rules of reading and writing morph names, one by one, with exact answers.

Every test builds its catalog afresh: the table of names a catalog's phrases are read from is
built once per catalog and kept on it (and the built-in catalogs are memoised by
``load_catalog``), so a test on a shared catalog would not exercise that table's construction.
The demo catalog is small and made for these rules: an albino complex (Amel, Ultra, Candy, with
the compound Ultramel), a looks-like compound (Motley over Stripe), two linked recessives (Hypo
and Ghost), and two loci on the sex chromosomes (Banana/Lemon, then Xanthic).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reptidex.engine.genetics.catalog import load_catalog
from reptidex.engine.genetics.genotype import Genotype
from reptidex.engine.genetics.model import (
    Allele,
    Catalog,
    Combo,
    Compound,
    Expression,
    LinkageGroup,
    Locus,
    Sex,
    SexSystem,
)
from reptidex.engine.genetics.parsing import (
    MorphParseError,
    _phrases,
    name_genotype,
    parse_genotype,
    read_morph,
    visual_traits,
)
from reptidex.engine.genetics.phenotype import Diplotype

RECESSIVE = Expression.RECESSIVE
INCOMPLETE = Expression.INCOMPLETE_DOMINANT
DOMINANT = Expression.DOMINANT
MALE, FEMALE = Sex.MALE, Sex.FEMALE
HALF, THIRD, QUARTER, EIGHTH = Fraction(1, 2), Fraction(1, 3), Fraction(1, 4), Fraction(1, 8)


def _gene(
    gene_id: str,
    name: str,
    expression: Expression = RECESSIVE,
    aliases: tuple[str, ...] = (),
    super_aliases: tuple[str, ...] = (),
) -> Locus:
    """A locus with one mutant allele."""
    allele = Allele(gene_id, name, expression, aliases=aliases, super_aliases=super_aliases)
    return Locus(gene_id, name, (allele,))


def _demo(sex_system: SexSystem = SexSystem.XY) -> Catalog:
    """A fresh demo catalog (see the module's docstring)."""
    albino = Locus(
        "albino",
        "Albino",
        (
            Allele("amel", "Amel", RECESSIVE, aliases=("Amelanistic",)),
            Allele("ultra", "Ultra", RECESSIVE),
            Allele("candy", "Candy", RECESSIVE),
        ),
        compounds=(Compound(("ultra", "amel"), name="Ultramel", aliases=("Ultramelanistic",)),),
    )
    motley = Locus(
        "motley",
        "Motley",
        (Allele("motley", "Motley", RECESSIVE), Allele("stripe", "Stripe", RECESSIVE)),
        compounds=(Compound(("motley", "stripe"), looks_like="motley"),),
    )
    banana = Locus(
        "banana",
        "Banana",
        (Allele("banana", "Banana", INCOMPLETE), Allele("lemon", "Lemon", INCOMPLETE)),
    )
    pied = Locus("piebald", "Piebald", (Allele("piebald", "Pied", RECESSIVE),))
    loci = (
        albino,
        _gene("pastel", "Pastel", INCOMPLETE, aliases=("Past",), super_aliases=("Blast",)),
        _gene("spider", "Spider", DOMINANT),
        _gene("clown", "Clown"),
        pied,
        motley,
        _gene("hypo", "Hypo"),
        _gene("ghost", "Ghost"),
        banana,
        _gene("xanthic", "Xanthic"),
    )
    return Catalog(
        "demo",
        "Demo",
        "Demo demo",
        sex_system,
        loci,
        linkage_groups=(
            LinkageGroup("hypo_ghost", ("hypo", "ghost"), (Fraction(1, 10),)),
            LinkageGroup(
                "sex", ("banana", "xanthic"), (Fraction(1, 40), Fraction(1, 10)), sex_linked=True
            ),
        ),
        combos=(Combo("Bumblebee", frozenset({"Pastel", "Spider"}), aliases=("Bee",)),),
    )


# Allele indexes of the demo catalog (0 is the wild type).
AMEL, ULTRA, CANDY = 1, 2, 3
MOTLEY, STRIPE = 1, 2
BANANA, LEMON = 1, 2
X, Y = 0, 1  # the sex pseudo-locus: 0 is X (or Z), 1 is Y (or W)


def _block(catalog: Catalog, locus_id: str) -> int:
    return catalog.block_of_locus[catalog.loci.index(catalog.locus(locus_id))][0]


def _loci(
    catalog: Catalog, sex: Sex | None = None, **pairs: dict[tuple[int, int], Fraction]
) -> Genotype:
    """A genotype of unlinked loci, each given as the distribution of its allele pair."""
    blocks: dict[int, dict[Diplotype, Fraction]] = {
        _block(catalog, locus_id): {((a,), (b,)): p for (a, b), p in distribution.items()}
        for locus_id, distribution in pairs.items()
    }
    return Genotype.from_blocks(catalog, blocks, sex)


def _phased(
    catalog: Catalog, locus_id: str, sex: Sex | None, distribution: dict[Diplotype, Fraction]
) -> Genotype:
    """A genotype of one block of linked loci (the block of ``locus_id``)."""
    return Genotype.from_blocks(catalog, {_block(catalog, locus_id): distribution}, sex)


def _parse(text: str, sex: Sex | None = None) -> Genotype:
    return parse_genotype(_demo(), text, sex)


def _error(text: str, sex: Sex | None = None, catalog: Catalog | None = None) -> str:
    """The message parsing ``text`` fails with."""
    with pytest.raises(MorphParseError) as raised:
        parse_genotype(catalog or _demo(), text, sex)
    return str(raised.value)


# --- The table of names: genes, aliases, supers, compounds and combos -----------------------


def test_every_name_of_a_gene_reads_as_that_gene() -> None:
    """A trait's name, an allele's id and aliases, the supers (``Super X``, ``homozygous X``,
    ``Super <alias>``, the super aliases), a compound's aliases and a combo's name and aliases
    all read as what they name."""
    catalog = _demo()
    pied = _loci(catalog, piebald={(1, 1): Fraction(1)})
    super_pastel = _loci(catalog, pastel={(1, 1): Fraction(1)})
    ultramel = _loci(catalog, albino={(AMEL, ULTRA): Fraction(1)})
    bee = _loci(catalog, pastel={(0, 1): Fraction(1)}, spider={(0, 1): Fraction(1)})
    assert parse_genotype(catalog, "Pied") == pied
    assert parse_genotype(catalog, "piebald") == pied
    assert parse_genotype(catalog, "Amelanistic") == _loci(catalog, albino={(1, 1): Fraction(1)})
    assert parse_genotype(catalog, "Past") == _loci(catalog, pastel={(0, 1): Fraction(1)})
    for text in ("Super Pastel", "homozygous pastel", "Super Past", "Blast"):
        assert parse_genotype(catalog, text) == super_pastel, text
    assert parse_genotype(catalog, "Ultramelanistic") == ultramel
    assert parse_genotype(catalog, "Bumblebee") == bee
    assert parse_genotype(catalog, "Bee") == bee


def test_a_recessive_has_no_super() -> None:
    """``Super`` names the homozygous form of a (incompletely) dominant gene only: the error
    says so instead of suggesting names that look like the keyword."""
    assert _error("Super Amel") == (
        "unknown word 'super' (Amel is recessive: two copies are written 'Amel') in 'Super Amel'"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "homozygous Amelanistic",
            "unknown word 'homozygous' (Amel is recessive: two copies are written 'Amel')",
        ),
        ("Super Ultramel", "unknown word 'super' (Ultramel has no super form)"),
        ("Super Bee", "unknown word 'super' (Bee has no super form)"),
        (
            "Pastel super",
            "unknown word 'super' (write it before a gene that shows in one copy, e.g. "
            "'Super Pastel')",
        ),
        (
            "Pastel homozygous",
            "unknown word 'homozygous' (write it before a gene that shows in one copy, e.g. "
            "'Homozygous Pastel')",
        ),
    ],
)
def test_a_super_no_gene_takes_says_why(text: str, message: str) -> None:
    assert _error(text) == f"{message} in {text!r}"


def test_a_super_hint_names_a_combo_of_recessives_and_needs_a_gene_to_show() -> None:
    assert _error("Super Snow", catalog=load_catalog("corn_snake")) == (
        "unknown word 'super' (Snow has no super form) in 'Super Snow'"
    )
    recessive_only = Catalog("d", "D", "", SexSystem.XY, (_gene("albino", "Albino"),))
    assert _error("Albino super", catalog=recessive_only) == (
        "unknown word 'super' (write it before a gene that shows in one copy) in 'Albino super'"
    )


def test_a_het_error_names_the_gene_as_written() -> None:
    """A het of a gene that shows in one copy is refused, named as the breeder wrote it."""
    message = "{} is not recessive: an animal carrying it shows it, so it cannot be a het"
    assert _error("het Pastel") == message.format("Pastel")
    assert _error("het Past") == message.format("Past")
    assert _error("Clown het Bee") == message.format("Bee")


def test_the_table_is_built_once_per_catalog() -> None:
    """Reading many names of one catalog reuses its table instead of building it again."""
    catalog = _demo()
    table = _phrases(catalog)
    parse_genotype(catalog, "Pastel het Clown")
    assert _phrases(catalog) is table
    assert _phrases(_demo()) is not table


# --- Words: case, separators, quotes, numbers glued to their sign ---------------------------


def test_case_separators_and_quotes_do_not_matter() -> None:
    """Names are read case-insensitively; ``/ , ; + & ( ) [ ]`` and hyphens separate words
    (a slash between digits is a ratio) and apostrophes vanish."""
    expected = _parse("Pastel Spider het Clown 1/3 het Pied")
    for text in (
        "PASTEL SPIDER HET CLOWN 1/3 HET PIED",
        "Pastel/Spider het Clown, 1/3 het Pied",
        "Pastel + Spider (het Clown); [1/3 het Pied]",
        "Pastel & Spider het 'Clown' 1/3 het Pied",
        "Pastel-Spider het Clown 1/3 het Pied",
    ):
        assert _parse(text) == expected, text


def test_a_percent_sign_ends_its_number() -> None:
    assert _parse("66%het Clown") == _parse("66% het Clown")


# --- Probabilities ----------------------------------------------------------------------------


def _clown(p: Fraction) -> Genotype:
    """A possible het Clown of probability ``p`` in a fresh demo catalog."""
    catalog = _demo()
    if p == 1:
        return _loci(catalog, clown={(0, 1): Fraction(1)})
    return _loci(catalog, clown={(0, 1): p, (0, 0): 1 - p})


@pytest.mark.parametrize(
    ("text", "p"),
    [
        ("50% het Clown", HALF),
        ("50 het Clown", HALF),  # the percent sign is optional
        ("12.5% het Clown", EIGHTH),
        ("66.5% het Clown", Fraction(133, 200)),
        ("66% het Clown", 2 * THIRD),  # the hobby's rounded thirds
        ("67% het Clown", 2 * THIRD),
        ("33% het Clown", THIRD),
        ("100% het Clown", Fraction(1)),
        ("1/3 het Clown", THIRD),
        ("2/5 het Clown", Fraction(2, 5)),
        ("poss het Clown", HALF),
        ("possible het Clown", HALF),
        ("ph Clown", HALF),
        ("66% poss het Clown", 2 * THIRD),  # a number says more than "possible"
        ("poss 66% het Clown", 2 * THIRD),
        ("66% ph Clown", 2 * THIRD),
    ],
)
def test_probabilities_of_a_het(text: str, p: Fraction) -> None:
    assert _parse(text) == _clown(p)


@pytest.mark.parametrize("token", ["0%", "0", "150%", "101", "3/2", "0/4", "1/0"])
def test_a_probability_lies_between_0_and_100_percent(token: str) -> None:
    assert _error(f"{token} het Clown") == (f"{token!r} is not a probability between 0 and 100%")


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 99).filter(lambda k: k not in (33, 66, 67)))
def test_a_whole_percent_reads_and_writes_as_itself(k: int) -> None:
    """``k% het X`` is k/100, and is written back the same way."""
    genotype = _parse(f"{k}% het Clown")
    assert genotype == _clown(Fraction(k, 100))
    assert name_genotype(genotype) == f"Normal {k}% het Clown"


@settings(max_examples=30, deadline=None)
@given(st.fractions(min_value=0, max_value=1).filter(lambda p: 0 < p < 1))
def test_a_ratio_reads_as_itself(p: Fraction) -> None:
    assert _parse(f"{p.numerator}/{p.denominator} het Clown") == _clown(p)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("33% het Clown", "Normal 33% het Clown"),
        ("1/3 het Clown", "Normal 33% het Clown"),
        ("67% het Clown", "Normal 66% het Clown"),
        ("2/3 het Clown", "Normal 66% het Clown"),
        ("1/8 het Clown", "Normal 1/8 het Clown"),
        ("12.5% het Clown", "Normal 1/8 het Clown"),
        ("poss het Clown", "Normal 50% het Clown"),
        ("100% het Clown", "Normal het Clown"),
    ],
)
def test_how_a_probability_is_written(text: str, name: str) -> None:
    """Thirds as the hobby rounds them, whole percents, else a ratio."""
    assert name_genotype(_parse(text)) == name


def test_a_probability_must_be_followed_by_het() -> None:
    assert _error("66% Pastel") == "a probability must be followed by 'het' in '66% Pastel'"
    assert _error("poss Pastel") == "a probability must be followed by 'het' in 'poss Pastel'"
    for text in ("Pastel 66%", "Pastel poss"):
        assert _error(text) == f"a probability must be followed by 'het' and a gene in {text!r}"


# --- Hets: het, ph, double/triple/quad het, dh, th --------------------------------------------


def test_het_counts_cover_as_many_genes() -> None:
    """``double het A B`` makes both hets (``dh`` likewise, ``triple``/``th`` three, ``quad``
    four), with the probability written before it; the genes after them are visual again."""
    catalog = _demo()
    certain = {(0, 1): Fraction(1)}
    two = _loci(catalog, clown=certain, piebald=certain)
    assert parse_genotype(catalog, "double het Clown Pied") == two
    assert parse_genotype(catalog, "dh Clown Pied") == two
    three = _loci(catalog, clown=certain, piebald=certain, albino={(0, AMEL): Fraction(1)})
    assert parse_genotype(catalog, "triple het Clown Pied Amel") == three
    assert parse_genotype(catalog, "th Clown Pied Amel") == three
    four = _loci(
        catalog,
        clown=certain,
        piebald=certain,
        albino={(0, AMEL): Fraction(1)},
        motley={(0, MOTLEY): Fraction(1)},
    )
    assert parse_genotype(catalog, "quad het Clown Pied Amel Motley") == four
    assert parse_genotype(catalog, "quadruple het Clown Pied Amel Motley") == four
    pastel = {(0, 1): Fraction(1)}
    assert parse_genotype(catalog, "Pastel double het Clown Pied") == _loci(
        catalog, pastel=pastel, clown=certain, piebald=certain
    )
    assert parse_genotype(catalog, "double het Clown Pied Pastel") == _loci(
        catalog, pastel=pastel, clown=certain, piebald=certain
    )
    maybe = {(0, 1): 2 * THIRD, (0, 0): THIRD}
    assert parse_genotype(catalog, "66% double het Clown Pied") == _loci(
        catalog, clown=maybe, piebald=maybe
    )
    half = {(0, 1): HALF, (0, 0): HALF}
    assert parse_genotype(catalog, "poss double het Clown Pied") == _loci(
        catalog, clown=half, piebald=half
    )


def test_keywords_anywhere_in_the_name() -> None:
    """Probabilities, hets, makers and the words for the wild type work after other words."""
    catalog = _demo()
    pastel = {(0, 1): Fraction(1)}
    maybe = {(0, 1): HALF, (0, 0): HALF}
    assert parse_genotype(catalog, "Pastel 50% het Clown") == _loci(
        catalog, pastel=pastel, clown=maybe
    )
    assert parse_genotype(catalog, "Pastel poss het Clown") == _loci(
        catalog, pastel=pastel, clown=maybe
    )
    assert parse_genotype(catalog, "Pastel ph Clown") == _loci(catalog, pastel=pastel, clown=maybe)
    assert parse_genotype(catalog, "Pastel het Clown") == _loci(
        catalog, pastel=pastel, clown={(0, 1): Fraction(1)}
    )
    het_clown = _loci(catalog, clown={(0, 1): Fraction(1)})
    for text in ("Normal het Clown", "Classic het Clown", "wild type het Clown", "het Clown WT"):
        assert parse_genotype(catalog, text) == het_clown, text
    assert parse_genotype(catalog, "Banana male maker", MALE) == parse_genotype(
        catalog, "male maker Banana", MALE
    )


def test_count_and_maker_words_need_their_partner() -> None:
    """``double`` without ``het`` and ``male`` without ``maker`` are unknown words."""
    assert _error("Pastel double") == "unknown word 'double' in 'Pastel double'"
    assert _error("Pastel male") == "unknown word 'male' (did you mean Motley?) in 'Pastel male'"


def test_het_must_be_followed_by_its_genes() -> None:
    for text in ("Pastel het", "Pastel double het", "double het Clown", "66% het"):
        assert _error(text) == f"'het' must be followed by the gene(s) it names in {text!r}"


# --- One locus: visuals, hets and possible hets together --------------------------------------


def test_a_locus_holds_two_alleles() -> None:
    assert (
        _error("Ultramel Amel") == "'Ultramel Amel' gives more than two alleles at the Albino locus"
    )
    assert _error("Ultramel het Amel") == (
        "'Ultramel het Amel': no room for het Amel at the Albino locus"
    )
    assert _error("Ultramel 50% het Amel") == (
        "'Ultramel 50% het Amel': no room for a possible het at the Albino locus"
    )


def test_possible_hets_of_one_locus_share_it() -> None:
    """Possible hets at one locus are alternatives: they add up to at most 100%, the same gene
    named twice adds up, and what is left is the wild type (or a visual recessive's copy)."""
    catalog = _demo()
    assert parse_genotype(catalog, "50% het Amel 50% het Ultra") == _loci(
        catalog, albino={(0, AMEL): HALF, (0, ULTRA): HALF}
    )
    assert parse_genotype(catalog, "66% het Clown 33% het Clown") == _loci(
        catalog, clown={(0, 1): Fraction(1)}
    )
    assert parse_genotype(catalog, "Motley 50% het Stripe") == _loci(
        catalog, motley={(MOTLEY, STRIPE): HALF, (MOTLEY, MOTLEY): HALF}
    )
    assert parse_genotype(catalog, "Motley het Stripe") == _loci(
        catalog, motley={(MOTLEY, STRIPE): Fraction(1)}
    )
    assert _error("66% het Amel 66% het Ultra") == (
        "'66% het Amel 66% het Ultra': possible hets at the Albino locus exceed 100%"
    )


def test_what_a_locus_shows_must_be_what_is_written() -> None:
    assert _error("Amel het Ultra") == (
        "'Amel het Ultra': Amel, Ultra at the Albino locus looks Ultramel, not as written"
    )
    assert _error("Amel het Candy") == (
        "'Amel het Candy': Amel, Candy at the Albino locus looks Amel Candy, not as written"
    )
    assert _error("Stripe het Motley") == (
        "'Stripe het Motley': Motley, Stripe at the Motley locus looks Motley, not as written"
    )
    assert _error("50% het Amel 50% het Ultra Pastel Amel") == (
        "'50% het Amel 50% het Ultra Pastel Amel': Amel, Ultra at the Albino locus looks "
        "Ultramel, not as written"
    )


# --- Linked loci: phases -----------------------------------------------------------------------


def test_hets_of_linked_genes_are_in_either_phase() -> None:
    """Two hets on one chromosome pair: together (cis) or apart (trans), each half the time."""
    catalog = _demo()
    assert parse_genotype(catalog, "het Hypo het Ghost") == _phased(
        catalog, "hypo", None, {((1, 1), (0, 0)): HALF, ((1, 0), (0, 1)): HALF}
    )


def test_possible_hets_of_linked_genes_multiply() -> None:
    catalog = _demo()
    assert parse_genotype(catalog, "50% het Hypo 50% het Ghost") == _phased(
        catalog,
        "hypo",
        None,
        {
            ((0, 0), (0, 0)): QUARTER,
            ((1, 0), (0, 0)): QUARTER,
            ((0, 1), (0, 0)): QUARTER,
            ((1, 1), (0, 0)): EIGHTH,
            ((1, 0), (0, 1)): EIGHTH,
        },
    )


def test_a_male_with_two_sex_linked_hets_has_four_phases() -> None:
    """An XY male's X and Y differ, so they count as a het: with Banana and Xanthic there are
    three hets and four equally likely phases."""
    catalog = _demo()
    assert parse_genotype(catalog, "Banana het Xanthic", MALE) == _phased(
        catalog,
        "banana",
        MALE,
        {
            ((X, BANANA, 1), (Y, 0, 0)): QUARTER,
            ((X, BANANA, 0), (Y, 0, 1)): QUARTER,
            ((X, 0, 1), (Y, BANANA, 0)): QUARTER,
            ((X, 0, 0), (Y, BANANA, 1)): QUARTER,
        },
    )


# --- Makers: which sex chromosome carries a sex-linked gene --------------------------------


def test_a_male_maker_carries_the_gene_on_his_y() -> None:
    catalog = _demo()
    male_maker = _phased(catalog, "banana", MALE, {((Y, BANANA, 0), (X, 0, 0)): Fraction(1)})
    female_maker = _phased(catalog, "banana", MALE, {((X, BANANA, 0), (Y, 0, 0)): Fraction(1)})
    assert parse_genotype(catalog, "male maker Banana", MALE) == male_maker
    assert parse_genotype(catalog, "female maker Banana", MALE) == female_maker
    assert parse_genotype(catalog, "male maker het Xanthic", MALE) == _phased(
        catalog, "banana", MALE, {((Y, 0, 1), (X, 0, 0)): Fraction(1)}
    )
    assert parse_genotype(catalog, "male maker Super Banana", MALE) == _phased(
        catalog, "banana", MALE, {((Y, BANANA, 0), (X, BANANA, 0)): Fraction(1)}
    )


def test_in_zw_species_a_female_is_the_maker_and_a_male_maker_has_it_on_her_z() -> None:
    catalog = _demo(SexSystem.ZW)
    assert parse_genotype(catalog, "male maker Banana", FEMALE) == _phased(
        catalog, "banana", FEMALE, {((X, BANANA, 0), (Y, 0, 0)): Fraction(1)}
    )
    assert parse_genotype(catalog, "female maker Banana", FEMALE) == _phased(
        catalog, "banana", FEMALE, {((Y, BANANA, 0), (X, 0, 0)): Fraction(1)}
    )


def test_what_a_maker_cannot_say() -> None:
    assert _error("male maker Banana Lemon", MALE) == (
        "'male maker Banana Lemon': 'maker' is ambiguous for two mutant alleles"
    )
    assert _error("male maker Banana", FEMALE) == (
        "'male maker Banana': 'male maker'/'female maker' applies only to an animal with two "
        "different sex chromosomes"
    )
    assert _error("male maker Pastel", MALE) == (
        "'male maker Pastel': 'maker' applies only to a sex-linked gene"
    )
    assert _error("Banana") == "'Banana' has a sex-linked gene: give the animal's sex"


def test_a_refusal_of_the_genotype_model_is_a_parse_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever :meth:`Genotype.from_blocks` refuses comes out as a parse error of the text."""

    def refuse(cls: type[Genotype], /, *args: object, **kwargs: object) -> Genotype:
        raise ValueError("refused")

    monkeypatch.setattr(Genotype, "from_blocks", classmethod(refuse))
    assert _error("Pastel") == "'Pastel': refused"


# --- Unknown words and suggestions ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Xyzzy", "unknown word 'xyzzy' in 'Xyzzy'"),
        ("Pastle", "unknown word 'pastle' (did you mean Pastel, Past?) in 'Pastle'"),
        ("Bumbelbee", "unknown word 'bumbelbee' (did you mean Bumblebee?) in 'Bumbelbee'"),
        (
            "Ultramelanstic",
            "unknown word 'ultramelanstic' (did you mean Ultramelanistic, Amelanistic, "
            "Ultramel?) in 'Ultramelanstic'",
        ),
        (
            "Homozygus Pastel",
            "unknown word 'homozygus' (did you mean homozygous Lemon, homozygous Spider, "
            "homozygous Pastel?) in 'Homozygus Pastel'",
        ),
        (
            "Pastle Xyzzy Bumbelbee",
            "unknown words 'pastle' (did you mean Pastel, Past?), 'xyzzy', 'bumbelbee' (did you "
            "mean Bumblebee?) in 'Pastle Xyzzy Bumbelbee'",
        ),
    ],
)
def test_an_unknown_word_suggests_the_closest_names(text: str, message: str) -> None:
    """Every unknown word at once, each with up to three of the closest names, each once, as
    written in the catalog; never a keyword (``super``, ``het``) alone."""
    assert _error(text) == message


# --- Writing names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sex", "name"),
    [
        ("Normal", None, "Normal"),
        ("Spider Pastel het Clown 50% het Pied", None, "Bumblebee het Clown 50% het Pied"),
        ("Ultra Amel", None, "Ultramel"),
        ("50% het Amel 50% het Ultra", None, "Normal 50% het Amel 50% het Ultra"),
        ("Banana", MALE, "Banana"),
        ("male maker Banana", MALE, "male maker Banana"),
        ("female maker Banana", MALE, "female maker Banana"),
        ("Banana het Xanthic", FEMALE, "Banana het Xanthic"),
    ],
)
def test_names_are_written_as_breeders_write_them(text: str, sex: Sex | None, name: str) -> None:
    assert name_genotype(parse_genotype(_demo(), text, sex)) == name


def test_a_name_cannot_say_may_or_may_not_show() -> None:
    genotype = _loci(_demo(), pastel={(0, 0): HALF, (0, 1): HALF})
    with pytest.raises(
        ValueError, match=r"^the Pastel locus may or may not show: no morph name says that$"
    ):
        name_genotype(genotype)


def test_a_name_cannot_say_a_known_phase_of_autosomal_genes() -> None:
    genotype = _phased(_demo(), "hypo", None, {((1, 1), (0, 0)): Fraction(1)})
    with pytest.raises(
        ValueError,
        match=r"^this genotype has no exact morph name \(e\.g\. a known phase of linked genes\)$",
    ):
        name_genotype(genotype)


# --- Visual traits ----------------------------------------------------------------------------


def test_visual_traits_ignore_hets_and_need_no_sex() -> None:
    """A sex-linked gene is read without the animal's sex, and a species without sex
    chromosomes reads the same way."""
    assert visual_traits(_demo(), "Banana het Clown") == {"Banana"}
    assert visual_traits(_demo(SexSystem.ZW), "Banana Bee") == {
        "Banana",
        "Pastel",
        "Spider",
    }
    temperature = Catalog(
        "t",
        "T",
        "T t",
        SexSystem.TEMPERATURE,
        (_gene("clown", "Clown"), _gene("pastel", "Pastel", INCOMPLETE)),
    )
    assert visual_traits(temperature, "Pastel het Clown") == {"Pastel"}


# --- A het carries over the recessive genes after it ------------------------------------------


def _bp_name(text: str) -> tuple[str, tuple[str, ...]]:
    reading = read_morph(load_catalog("ball_python"), text)
    return name_genotype(reading.genotype), reading.notes


def _carried(gene: str, first: str) -> str:
    return (
        f"'{gene}' after 'het {first}' is read as het {gene}, not a visual {gene}: "
        f"write '{gene} het {first}' for a visual {gene}"
    )


def test_a_het_carries_over_the_recessive_genes_that_follow_it() -> None:
    """Breeders write a double het as 'het Clown Pied' or 'het Clown, Pied': never a visual
    Piebald, which is written first ('Piebald het Clown')."""
    double = ("Bumblebee het Clown het Piebald", (_carried("Piebald", "Clown"),))
    for text in ("Pastel Spider het Clown, Pied", "Pastel Spider het Clown Pied"):
        assert _bp_name(text) == double, text
    assert _bp_name("het Clown Pied") == (
        "Normal het Clown het Piebald",
        (_carried("Piebald", "Clown"),),
    )
    assert _bp_name("het Clown Pied Hypo") == (  # Hypo is the Orange Ghost of ball pythons
        "Normal het Clown het Piebald het Orange Ghost",
        (_carried("Piebald", "Clown"), _carried("Orange Ghost", "Clown")),
    )
    assert _bp_name("66% het Clown Pied")[0] == "Normal 66% het Clown 66% het Piebald"
    assert _bp_name("ph Clown Pied")[0] == "Normal 50% het Clown 50% het Piebald"
    assert _bp_name("Piebald het Clown") == ("Piebald het Clown", ())


def test_the_carry_ends_at_a_gene_that_is_not_recessive_or_a_new_qualifier() -> None:
    assert _bp_name("Pastel het Clown Spider Pied") == ("Bumblebee Piebald het Clown", ())
    assert _bp_name("het Clown 66% het Pied") == ("Normal het Clown 66% het Piebald", ())
    assert _bp_name("het Clown ph Pied") == ("Normal het Clown 50% het Piebald", ())
    assert _bp_name("het Clown Normal Pied") == ("Piebald het Clown", ())
    # a count says how many: the gene after them is visual
    assert _bp_name("double het Clown Pied Hypo") == ("Orange Ghost het Clown het Piebald", ())
    assert _bp_name("dh Clown Pied") == ("Normal het Clown het Piebald", ())
    assert _bp_name("dh Clown Pied Hypo") == ("Orange Ghost het Clown het Piebald", ())


def test_a_combo_carried_over_is_named_as_a_combo() -> None:
    reading = read_morph(load_catalog("corn_snake"), "het Motley Snow")
    assert name_genotype(reading.genotype) == "Normal het Anery het Amel het Motley"
    assert reading.notes == (_carried("Snow", "Motley"),)


def test_a_gene_of_another_species_is_named_as_such() -> None:
    assert _error("Tremper Clown", catalog=load_catalog("leopard_gecko")) == (
        "unknown word 'clown' (a gene of Ball python, not of Leopard gecko) in 'Tremper Clown'"
    )
    assert _error("Motley", catalog=load_catalog("ball_python")) == (
        "unknown word 'motley' (a gene of Boa constrictor, Corn snake, not of Ball python) "
        "in 'Motley'"
    )


@pytest.mark.parametrize("text", ["", "   ", ", ;"])
def test_an_empty_morph_is_refused_not_read_as_normal(text: str) -> None:
    assert _error(text) == "a morph is needed: write 'Normal' for the wild type"


def test_abbreviations_with_a_dot_are_read() -> None:
    bp = load_catalog("ball_python")
    assert parse_genotype(bp, "het. Clown") == parse_genotype(bp, "het Clown")
    assert parse_genotype(bp, "poss. het Pied") == parse_genotype(bp, "poss het Pied")
    assert parse_genotype(bp, "Pastel 66.7% het Clown").carrier_probability("Clown") == Fraction(
        667, 1000
    )
