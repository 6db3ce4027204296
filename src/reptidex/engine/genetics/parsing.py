"""Reading and writing morph names the way breeders write them.

:func:`parse_genotype` reads ``"Pastel het Clown 66% het Pied"``, ``"Super Pastel Enchi poss
het Hypo"``, ``"ph Clown"``, ``"Lesser Mojave"``, ``"BEL"``, ``"Killer Bee"`` or ``"Normal"``
(case-insensitively, with aliases) into a :class:`Genotype`; :func:`name_genotype` writes a
genotype back so that parsing the name gives the same genotype.

Conventions: ``poss het`` / ``ph`` without a percentage means 50%; ``66%`` and ``67%`` mean
exactly 2/3 and ``33%`` means 1/3 (the hobby's rounding); ``double het A B`` makes both hets.
A ``het`` (``ph``, ``66% het``) carries over the recessive genes that follow it, as breeders
write a double het: ``"Pastel het Clown Pied"`` and ``"het Clown, Pied"`` are het Clown and het
Piebald, until a gene that is not recessive or a new qualifier; a visual recessive is written
before its hets (``"Piebald het Clown"``). :func:`read_morph` says when a gene was read this way,
since a breeder may have meant the other reading.
For a sex-linked gene in a heterogametic animal (e.g. a male ball python's Banana) ``male
maker`` puts the mutant allele on the Y (or Z) and ``female maker`` on the X (or W); without
either, both phases are taken as equally likely.
"""

from __future__ import annotations

import contextlib
import difflib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, TypeVar

from reptidex.engine.genetics.catalog import available_species, load_catalog
from reptidex.engine.genetics.genotype import BlockDistribution, Genotype, sex_pair
from reptidex.engine.genetics.model import (
    SEX_LOCUS,
    Catalog,
    Look,
    Sex,
    SexSystem,
    TraitDefinition,
)
from reptidex.engine.genetics.phenotype import (
    Diplotype,
    block_phenotype,
    locus_phenotype,
    morph_name,
)

T = TypeVar("T")

MEMO_SIZE = 1024
"""The most entries each memo of a catalog keeps (see :func:`catalog_memo`)."""


def catalog_memo(catalog: Catalog, name: str) -> dict[Any, Any]:
    """The memo called ``name`` of ``catalog``: a dict kept on the catalog instance itself, so
    that nothing computed for one catalog is ever read for another, and freed with it. Add to
    it with :func:`remember`, which keeps it to :data:`MEMO_SIZE` entries; :func:`forget_memos`
    empties them all."""
    memos = catalog.__dict__.get("_memos")
    if memos is None:
        memos = {}
        object.__setattr__(catalog, "_memos", memos)
    return memos.setdefault(name, {})  # type: ignore[no-any-return]


def forget_memos(catalog: Catalog) -> None:
    """Empty every memo of ``catalog`` (what it remembers of the morphs and crosses it has
    seen): answers stay the same, only slower until the memos fill again."""
    catalog.__dict__.pop("_memos", None)


def remember(memo: dict[Any, T], key: object, value: T) -> T:
    """Store ``value`` under ``key`` in ``memo`` and return it, emptying the memo first when
    it holds :data:`MEMO_SIZE` entries already (one step, safe when threads share a catalog).

    Examples
    --------
    >>> memo = {}
    >>> for n in range(MEMO_SIZE + 5):
    ...     _ = remember(memo, n, n * n)
    >>> len(memo), min(memo), memo[MEMO_SIZE + 4]
    (5, 1024, 1056784)
    """
    if len(memo) >= MEMO_SIZE:
        memo.clear()
    memo[key] = value
    return value


class MorphParseError(ValueError):
    """A morph description that cannot be read; the message names the word and suggests genes."""


_NORMAL_WORDS = frozenset({"normal", "wild", "type", "wildtype", "wt", "classic"})
_POSSIBLE_WORDS = frozenset({"poss", "possible", "pos", "possibly", "probable"})
_COUNT_WORDS = {"double": 2, "triple": 3, "quad": 4, "quadruple": 4}
_SHORT_HETS = {"ph": (True, 1), "dh": (False, 2), "th": (False, 3)}
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)%?")
_RATIO = re.compile(r"(\d+)/(\d+)")
_HOBBY_PERCENTS = {  # the hobby's rounded thirds
    Fraction(66): Fraction(2, 3),
    Fraction(67): Fraction(2, 3),
    Fraction(33): Fraction(1, 3),
}


@dataclass(frozen=True)
class _Phrase:
    traits: tuple[str, ...]
    label: str
    look: Look | None = None  # a shared look's name: read as its first trait unless one is named


def _fold(text: str) -> str:
    return " ".join(_tokens(text))


def _phrases(catalog: Catalog) -> dict[str, _Phrase]:
    memo = catalog.__dict__.get("_phrase_table")
    if isinstance(memo, dict):
        return memo
    table: dict[str, _Phrase] = {}

    def add(name: str, traits: tuple[str, ...]) -> None:
        table.setdefault(_fold(name), _Phrase(traits, name))

    for trait in catalog.traits:
        add(trait, (trait,))
    for _, _, allele in catalog.alleles():
        for alias in (allele.id, *allele.aliases):
            add(alias, (allele.name,))
        if not allele.expression.is_recessive:
            for alias in (
                *allele.super_aliases,
                f"super {allele.name}",
                f"homozygous {allele.name}",
            ):
                add(alias, (allele.homozygous_name,))
            for alias in allele.aliases:
                add(f"super {alias}", (allele.homozygous_name,))
    for locus in catalog.loci:
        for compound in locus.compounds:
            if compound.name:
                for alias in compound.aliases:
                    add(alias, (compound.name,))
        for look in locus.looks:
            for name in (
                look.name,
                *([look.abbreviation] if look.abbreviation else []),
                *look.aliases,
            ):
                table.setdefault(_fold(name), _Phrase((look.traits[0],), name, look))
    for combo in catalog.combos:
        for name in (combo.name, *combo.aliases):
            add(name, tuple(sorted(combo.traits)))
    object.__setattr__(catalog, "_phrase_table", table)
    return table


def _tokens(text: str) -> list[str]:
    text = text.lower().replace("%", "% ")
    text = re.sub(r"(?<!\d)[/.]|[/.](?!\d)", " ", text)  # "het." and "poss.": abbreviations
    text = re.sub(r"[,;+&()\[\]]", " ", text)
    text = text.replace("-", " ").replace("'", "")
    return text.split()


def _percent(token: str) -> Fraction | None:
    """The probability a token states (``66%``, ``50``, ``1/3``), or None for another word."""
    value: Fraction | None
    if ratio := _RATIO.fullmatch(token):
        top, bottom = int(ratio[1]), int(ratio[2])
        value = Fraction(top, bottom) if bottom else None
    elif percent := _PERCENT.fullmatch(token):
        number = Fraction(percent[1])
        value = _HOBBY_PERCENTS.get(number, number / 100)
    else:
        return None
    if value is None or not 0 < value <= 1:
        raise MorphParseError(f"{token!r} is not a probability between 0 and 100%")
    return value


@dataclass
class _LocusWords:
    visual: list[TraitDefinition] = field(default_factory=list)
    hets: list[int] = field(default_factory=list)
    possible: list[tuple[int, Fraction]] = field(default_factory=list)


_TWO_COPIES = frozenset({"super", "homozygous"})


def _suggest(catalog: Catalog, word: str, after: Sequence[str] = ()) -> str:
    """The closest gene names to ``word`` (never a keyword such as "super"), or where else
    the word is a gene: another species' catalog. A "super" that no gene takes (``after`` are
    the words that follow it) says which gene has no super form, or where it belongs."""
    table = _phrases(catalog)
    if word in _TWO_COPIES:
        following = _longest_phrase(table, list(after), 0)
        if following is not None:
            phrase = following[0]
            if len(phrase.traits) == 1 and catalog.traits[phrase.traits[0]].recessive_visual:
                name = phrase.traits[0]
                return f" ({name} is recessive: two copies are written '{name}')"
            return f" ({phrase.label} has no {word} form)"
        shown = [a.name for _, _, a in catalog.alleles() if not a.expression.is_recessive]
        example = f", e.g. '{word.capitalize()} {shown[0]}'" if shown else ""
        return f" (write it before a gene that shows in one copy{example})"
    # difflib's defaults: the three closest, with a similarity of at least 0.6
    labels = list(
        dict.fromkeys(
            table[guess].label for guess in difflib.get_close_matches(word, sorted(table))
        )
    )
    if labels:
        return f" (did you mean {', '.join(labels)}?)"
    elsewhere = [
        other.name
        for species in available_species()
        if (other := load_catalog(species)).id != catalog.id and word in _phrases(other)
    ]
    if elsewhere:
        return f" (a gene of {', '.join(elsewhere)}, not of {catalog.name})"
    return ""


@dataclass(frozen=True)
class MorphReading:
    """A morph description read: the genotype, and notes on words that could be read
    another way (each names the reading chosen and the alternative); ``looks`` are the looks
    named alone (``BEL``), each read as its first trait though it may be any of them."""

    genotype: Genotype
    notes: tuple[str, ...] = ()
    looks: tuple[Look, ...] = ()


def parse_genotype(catalog: Catalog, text: str, sex: Sex | str | None = None) -> Genotype:
    """Read a breeder's morph description into a genotype of ``catalog``'s species.

    ``sex`` is needed when the description has a sex-linked gene.

    Raises :class:`MorphParseError` naming an unknown word (with the closest gene names), an
    impossible combination, or an incomplete one (a probability or a ``het`` without its gene).

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog
    >>> bp = load_catalog("ball_python")
    >>> g = parse_genotype(bp, "Pastel het Clown 66% het Pied")
    >>> g.carrier_probability("Piebald"), g.carrier_probability("clown")
    (Fraction(2, 3), Fraction(1, 1))
    >>> name_genotype(parse_genotype(bp, "super pastel spider"))
    'Killer Bee'
    >>> parse_genotype(bp, "Pastle")
    Traceback (most recent call last):
    ...
    reptidex.engine.genetics.parsing.MorphParseError: unknown word 'pastle' (did you mean Pastel, Pastel Jungle?) in 'Pastle'
    >>> parse_genotype(bp, "Pastle Spyder Xyzzy")
    Traceback (most recent call last):
    ...
    reptidex.engine.genetics.parsing.MorphParseError: unknown words 'pastle' (did you mean Pastel, Pastel Jungle?), 'spyder' (did you mean Spider, Spectre, Specter?), 'xyzzy' in 'Pastle Spyder Xyzzy'
    >>> parse_genotype(load_catalog("leopard_gecko"), "Clown")
    Traceback (most recent call last):
    ...
    reptidex.engine.genetics.parsing.MorphParseError: unknown word 'clown' (a gene of Ball python, not of Leopard gecko) in 'Clown'
    >>> parse_genotype(bp, "het. Clown") == parse_genotype(bp, "het Clown")
    True
    """
    return read_morph(catalog, text, sex).genotype


def read_morph(catalog: Catalog, text: str, sex: Sex | str | None = None) -> MorphReading:
    """:func:`parse_genotype`, with notes on what could have been read another way.

    Parameters
    ----------
    catalog : Catalog
        The species' genes.
    text : str
        The morph as a breeder writes it.
    sex : Sex or str, optional
        Needed when the description has a sex-linked gene.

    Returns
    -------
    MorphReading
        The genotype and the notes (empty when the reading is the only one).

    Raises
    ------
    MorphParseError
        As :func:`parse_genotype`.

    Examples
    --------
    A ``het`` carries over the recessive genes after it (a double het, as breeders write it):

    >>> from reptidex.engine.genetics import load_catalog
    >>> bp = load_catalog("ball_python")
    >>> reading = read_morph(bp, "Pastel Spider het Clown, Pied")
    >>> name_genotype(reading.genotype)
    'Bumblebee het Clown het Piebald'
    >>> reading.notes
    ("'Piebald' after 'het Clown' is read as het Piebald, not a visual Piebald: write 'Piebald het Clown' for a visual Piebald",)
    >>> read_morph(bp, "Piebald het Clown").notes
    ()
    """
    if isinstance(sex, str):
        sex = Sex(sex)
    table = _phrases(catalog)
    tokens = _tokens(text)
    words: dict[int, _LocusWords] = {}
    maker: str | None = None
    pending: Fraction | None = None
    possible = False
    het_left = 0
    het_probability: Fraction  # set with het_left
    carrying: str | None = None  # after a plain het: the first gene it named, while it carries
    notes: list[str] = []
    unknown: list[str] = []  # every unknown word, reported at once
    deferred: _Phrase | None = (
        None  # a look's name, unless its pairing follows ("BEL Super Lesser")
    )
    previous: str | None = None  # the visual trait just read, whose look may follow ("... BEL")
    alone: list[Look] = []  # the looks named alone

    def assume(phrase: _Phrase) -> str:
        """Read a look's name alone as its first trait, noting the other genotypes it may be."""
        assert phrase.look is not None
        alone.append(phrase.look)
        trait = catalog.traits[phrase.look.traits[0]]
        words.setdefault(trait.locus, _LocusWords()).visual.append(trait)
        if others := phrase.look.traits[1:]:
            notes.append(
                f"'{phrase.label}' is read as {trait.name}; a {phrase.look.name} may also be "
                f"{', '.join(others[:-1])}{' or ' if len(others) > 1 else ''}{others[-1]}: "
                "write the pairing for another"
            )
        return trait.name

    if not tokens:
        raise MorphParseError("a morph is needed: write 'Normal' for the wild type")
    i = 0
    while i < len(tokens):
        word = tokens[i]
        last, previous = previous, None
        if deferred is not None:
            following = _longest_phrase(table, tokens, i)
            if following is None or not _names_a_pairing(following[0], deferred):
                last = assume(deferred)
            deferred = None
        number = _percent(word)
        if number is not None:
            pending, carrying = number, None
            i += 1
            continue
        if word in _POSSIBLE_WORDS:
            possible, carrying = True, None
            i += 1
            continue
        if word in _COUNT_WORDS and i + 1 < len(tokens) and tokens[i + 1] == "het":
            het_left, het_probability = _COUNT_WORDS[word], _het_probability(pending, possible)
            pending, possible, carrying = None, False, None
            i += 2
            continue
        if word == "het" or word in _SHORT_HETS:
            is_possible, count = _SHORT_HETS.get(word, (False, 1))
            het_left = count
            het_probability = _het_probability(pending, possible or is_possible)
            pending, possible = None, False
            carrying = "" if count == 1 else None  # a plain het carries on; its gene comes next
            i += 1
            continue
        if word in {"male", "female"} and i + 1 < len(tokens) and tokens[i + 1] == "maker":
            maker, carrying = word, None
            i += 2
            continue
        if pending is not None or possible:
            raise MorphParseError(f"a probability must be followed by 'het' in {text!r}")
        found = _longest_phrase(table, tokens, i)
        if found is None:
            if word in _NORMAL_WORDS:
                carrying = None
                i += 1
                continue
            unknown.append(f"{word!r}{_suggest(catalog, word, tokens[i + 1 :])}")
            i += 1
            continue
        phrase, i = found
        if phrase.look is not None and not het_left:
            carrying = None
            if last in phrase.look.traits:  # "Lesser Mojave BEL": the look of the trait just read
                previous = last
            else:
                deferred = phrase
            continue
        gene = phrase.traits[0] if len(phrase.traits) == 1 else phrase.label
        if not het_left and carrying:
            if all(catalog.traits[name].recessive_visual for name in phrase.traits):
                het_left = 1  # carried over: a double het as breeders write it
                notes.append(
                    f"'{gene}' after 'het {carrying}' is read as het {gene}, not a visual "
                    f"{gene}: write '{gene} het {carrying}' for a visual {gene}"
                )
            else:
                carrying = None
        elif het_left and carrying == "":
            carrying = gene
        if not het_left and len(phrase.traits) == 1:
            previous = phrase.traits[0]
        for trait_name in phrase.traits:
            trait = catalog.traits[trait_name]
            slot = words.setdefault(trait.locus, _LocusWords())
            if het_left:
                if not trait.recessive_visual:
                    raise MorphParseError(
                        f"{phrase.label} is not recessive: an animal carrying it shows it, "
                        "so it cannot be a het"
                    )
                if het_probability == 1:
                    slot.hets.append(trait.alleles[0])
                else:
                    slot.possible.append((trait.alleles[0], het_probability))
            else:
                slot.visual.append(trait)
        if het_left:
            het_left -= 1
    if deferred is not None:
        assume(deferred)
    if unknown:
        words_ = "unknown word" if len(unknown) == 1 else "unknown words"
        raise MorphParseError(f"{words_} {', '.join(unknown)} in {text!r}")
    if pending is not None or possible:
        raise MorphParseError(f"a probability must be followed by 'het' and a gene in {text!r}")
    if het_left:
        raise MorphParseError(f"'het' must be followed by the gene(s) it names in {text!r}")
    return MorphReading(_build(catalog, text, words, sex, maker), tuple(notes), tuple(alone))


def _names_a_pairing(phrase: _Phrase, look_name: _Phrase) -> bool:
    """Whether ``phrase`` names one of the genotypes of the look ``look_name`` names."""
    assert look_name.look is not None
    return (
        phrase.look is None
        and len(phrase.traits) == 1
        and phrase.traits[0] in look_name.look.traits
    )


def _longest_phrase(
    table: dict[str, _Phrase], tokens: list[str], start: int
) -> tuple[_Phrase, int] | None:
    """The longest phrase of ``table`` that ``tokens`` have at ``start``, and where it ends."""
    for end in range(len(tokens), start, -1):
        phrase = table.get(" ".join(tokens[start:end]))
        if phrase is not None:
            return phrase, end
    return None


def _het_probability(pending: Fraction | None, possible: bool) -> Fraction:
    if pending is not None:
        return pending
    return Fraction(1, 2) if possible else Fraction(1)


def _locus_pairs(
    catalog: Catalog, text: str, locus: int, words: _LocusWords
) -> dict[tuple[int, int], Fraction]:
    spec = catalog.loci[locus]
    fixed: list[int] = []
    default = 0
    for trait in words.visual:
        if trait.recessive_visual:
            # A recessive visual fills both copies, unless a het it masks takes the second.
            fixed.append(trait.alleles[0])
            default = trait.alleles[0]
        else:
            fixed.extend(a for a in trait.alleles if a != 0)
    if len(fixed) > 2:
        raise MorphParseError(f"{text!r} gives more than two alleles at the {spec.name} locus")
    slots = list(fixed)
    for het in words.hets:
        if len(slots) >= 2:
            name = spec.allele(het).name
            raise MorphParseError(f"{text!r}: no room for het {name} at the {spec.name} locus")
        slots.append(het)
    reference = locus_phenotype(spec, *(fixed + [default] * (2 - len(fixed)))).traits
    total = sum((p for _, p in words.possible), Fraction(0))
    if words.possible and len(slots) == 2:
        raise MorphParseError(f"{text!r}: no room for a possible het at the {spec.name} locus")
    if total > 1:
        raise MorphParseError(f"{text!r}: possible hets at the {spec.name} locus exceed 100%")
    options = list(words.possible)
    if total < 1:
        # the rest: a recessive visual's second copy, else the wild type
        options.append((default, 1 - total))
    pairs: dict[tuple[int, int], Fraction] = {}
    for allele, p in options:
        # the written alleles, then this option's, then the wild type, in the two copies
        first, second = sorted([*slots, allele, 0][:2])
        pairs[(first, second)] = pairs.get((first, second), Fraction(0)) + p
    for a, b in pairs:
        shown = locus_phenotype(spec, a, b).traits
        if sorted(shown) != sorted(reference):
            # A pair that differs shows a trait (with no visual written, it must show one to
            # differ; with one written, it holds that visual's allele), so neither is empty.
            names = ", ".join(spec.allele(x).name for x in (a, b) if x)
            raise MorphParseError(
                f"{text!r}: {names} at the {spec.name} locus looks {' '.join(shown)}, "
                "not as written"
            )
    return pairs


def _build(
    catalog: Catalog, text: str, words: dict[int, _LocusWords], sex: Sex | None, maker: str | None
) -> Genotype:
    per_block: dict[int, list[int]] = {}
    for locus in words:
        per_block.setdefault(catalog.block_of_locus[locus][0], []).append(locus)
    # Descriptions share blocks ("Pastel" is the same block in every morph that names it): each
    # block's distribution is kept on the catalog, by what was written at its loci.
    memo = catalog_memo(catalog, "_parsed_blocks")
    present: list[tuple[int, BlockDistribution]] = []
    for index, loci in per_block.items():
        written = tuple(
            (
                locus,
                tuple(trait.name for trait in words[locus].visual),
                tuple(words[locus].hets),
                tuple(words[locus].possible),
            )
            for locus in sorted(loci)
        )
        key = (written, sex, maker)  # the loci written name the block
        found = memo.get(key)
        if found is None:
            found = remember(memo, key, _block(catalog, text, index, loci, words, sex, maker))
        present.extend(found)
    if maker is not None and not any(catalog.blocks[i].sex_linked for i in per_block):
        raise MorphParseError(f"{text!r}: 'maker' applies only to a sex-linked gene")
    return Genotype(catalog, tuple(sorted(present)), sex)  # one entry per block index


def _block(
    catalog: Catalog,
    text: str,
    index: int,
    loci: list[int],
    words: dict[int, _LocusWords],
    sex: Sex | None,
    maker: str | None,
) -> tuple[tuple[int, BlockDistribution], ...]:
    """Block ``index`` of a genotype from the words written at its ``loci``, as
    :meth:`Genotype.from_blocks` keeps it: no entry for a block that is certainly wild type."""
    block = catalog.blocks[index]
    options: list[list[tuple[tuple[int, int], Fraction]]] = []
    for locus in block.loci:
        if locus == SEX_LOCUS:
            if sex is None:
                raise MorphParseError(f"{text!r} has a sex-linked gene: give the animal's sex")
            options.append([(sex_pair(catalog.sex_system, sex), Fraction(1))])
        elif locus in loci:
            options.append(list(_locus_pairs(catalog, text, locus, words[locus]).items()))
        else:
            options.append([((0, 0), Fraction(1))])
    distribution: dict[Diplotype, Fraction] = {}
    for combo in itertools.product(*options):
        weight = Fraction(1)
        for _, p in combo:
            weight *= p
        for diplotype, share in _phases(
            catalog, [pair for pair, _ in combo], block.sex_linked, maker, text
        ):
            distribution[diplotype] = distribution.get(diplotype, Fraction(0)) + weight * share
    try:
        return Genotype.from_blocks(catalog, {index: distribution}, sex).blocks
    except ValueError as error:
        raise MorphParseError(f"{text!r}: {error}") from error


def _phases(
    catalog: Catalog,
    pairs: Sequence[tuple[int, int]],
    sex_linked: bool,
    maker: str | None,
    text: str,
) -> list[tuple[Diplotype, Fraction]]:
    """The phased diplotypes of unordered pairs at linked positions, with probabilities."""
    het_positions = [i for i, (a, b) in enumerate(pairs) if a != b]
    if sex_linked and maker is not None and 0 in het_positions:
        male_allele = 1 if catalog.sex_system is SexSystem.XY else 0
        target = male_allele if maker == "male" else 1 - male_allele
        first: list[int] = []
        second: list[int] = []
        for position, (a, b) in enumerate(pairs):
            if position == 0:
                first.append(target)
                second.append(1 - target)
            elif a == b:
                first.append(a)
                second.append(a)
            elif a == 0:
                first.append(b)
                second.append(0)
            else:
                raise MorphParseError(f"{text!r}: 'maker' is ambiguous for two mutant alleles")
        return [((tuple(first), tuple(second)), Fraction(1))]
    if sex_linked and maker is not None:
        raise MorphParseError(
            f"{text!r}: 'male maker'/'female maker' applies only to an animal with two different "
            "sex chromosomes"
        )
    # The phase is unknown: the first het fixes which haplotype is which, and every later het
    # lies either way round, each way as likely.
    later_hets = het_positions[1:]
    ways = [
        [(a, b), (b, a)] if position in later_hets else [(a, b)]
        for position, (a, b) in enumerate(pairs)
    ]
    phased = list(itertools.product(*ways))
    return [
        ((tuple(a for a, _ in chosen), tuple(b for _, b in chosen)), Fraction(1, len(phased)))
        for chosen in phased
    ]


def _format_probability(p: Fraction) -> str:
    if p == Fraction(2, 3):
        return "66%"
    if p == Fraction(1, 3):
        return "33%"
    percent = p * 100
    if percent.denominator == 1:
        return f"{percent.numerator}%"
    return f"{p.numerator}/{p.denominator}"


def name_genotype(genotype: Genotype) -> str:
    """The breeder's name of a genotype: visual morph name, certain hets, then possible hets.

    Raises :class:`ValueError` for a genotype the hobby's language cannot state exactly (e.g.
    one that may or may not be visual).

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog, parse_genotype
    >>> bp = load_catalog("ball_python")
    >>> name_genotype(parse_genotype(bp, "het pied pastel ph clown"))
    'Pastel het Piebald 50% het Clown'
    >>> name_genotype(parse_genotype(bp, "normal"))
    'Normal'
    """
    # The name is checked by parsing it back, which costs more than the cross of a small
    # pairing: each genotype's name (or why it has none) is kept on its catalog.
    memo = catalog_memo(genotype.catalog, "_genotype_names")
    key = (genotype.blocks, genotype.sex)
    found = memo.get(key)
    if found is None:
        try:
            found = (True, _name_genotype(genotype))
        except ValueError as error:
            found = (False, str(error))
        remember(memo, key, found)
    named, text = found
    if not named:
        raise ValueError(text)
    return text


def _name_genotype(genotype: Genotype) -> str:
    catalog = genotype.catalog
    traits: list[str] = []
    hets: list[str] = []
    possible: list[str] = []
    for block, _ in genotype.iter_blocks():
        for locus in block.loci:
            if locus == SEX_LOCUS:
                continue
            spec = catalog.loci[locus]
            shown: set[tuple[str, ...]] = set()
            carried: dict[str, Fraction] = {}
            for pair, p in genotype.locus_distribution(locus).items():
                look = locus_phenotype(spec, *pair)
                shown.add(tuple(sorted(look.traits)))
                for name in look.hidden:
                    carried[name] = carried.get(name, Fraction(0)) + p
            if len(shown) != 1:
                raise ValueError(
                    f"the {spec.name} locus may or may not show: no morph name says that"
                )
            traits.extend(shown.pop())
            for name, p in carried.items():
                if p == 1:
                    hets.append(f"het {name}")
                else:
                    possible.append(f"{_format_probability(p)} het {name}")
    base = " ".join([morph_name(catalog, traits), *hets, *possible])
    # A known phase on the sex chromosomes needs a maker; one that cannot apply fails to parse.
    for candidate in (base, f"male maker {base}", f"female maker {base}"):
        with contextlib.suppress(MorphParseError):
            if parse_genotype(catalog, candidate, genotype.sex) == genotype:
                return candidate
    raise ValueError("this genotype has no exact morph name (e.g. a known phase of linked genes)")


def visual_traits(catalog: Catalog, text: str) -> frozenset[str]:
    """The visual traits a morph description states (hets ignored), e.g. to describe offspring.

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog
    >>> sorted(visual_traits(load_catalog("ball_python"), "Killer Bee het Clown"))
    ['Spider', 'Super Pastel']
    """
    # Any sex lets a sex-linked gene be read; what shows does not depend on it.
    genotype = parse_genotype(catalog, text, Sex.MALE)
    traits: set[str] = set()
    for block, distribution in genotype.iter_blocks():
        for diplotype, _ in distribution:
            traits.update(block_phenotype(catalog, block, diplotype).traits)
    return frozenset(traits)
