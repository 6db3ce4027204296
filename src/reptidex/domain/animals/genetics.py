"""Genetics questions asked over the API: predicted clutches and proving out possible hets.

These wrap the genetics engine for untrusted input: an unknown species or an unreadable morph
becomes :class:`~reptidex.domain.errors.InvalidInput` (or :class:`NotFound`) naming the field and,
for a morph, the word and the closest gene names the engine suggests.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from reptidex.domain.animals.model import (
    Animal,
    GenotypeRecord,
    describe_by_sex,
    describe_genotype,
    of_sex,
    sex_of,
)
from reptidex.domain.errors import Conflict, InvalidInput, NotFound
from reptidex.engine.genetics import (
    Catalog,
    CrossResult,
    Genotype,
    MakerSplit,
    MorphParseError,
    MorphReading,
    Outcome,
    Outcomes,
    Sex,
    available_species,
    block_phenotype,
    cross,
    cross_block,
    load_catalog,
    name_genotype,
    parse_genotype,
    prove_out,
    read_morph,
    split_by_maker,
    visual_traits,
)
from reptidex.engine.genetics import (
    clutch_odds as engine_clutch_odds,
)
from reptidex.engine.genetics.phenotype import Diplotype


def species_catalog(species: str, *, field: str = "species") -> Catalog:
    """The catalog of ``species`` (an id or a display name, case-insensitively);
    :class:`InvalidInput` naming the known species otherwise.

    >>> species_catalog("corn_snake").name, species_catalog("Ball python").id
    ('Corn snake', 'ball_python')
    """
    try:
        return load_catalog(species)
    except KeyError as error:
        raise InvalidInput(
            f"Unknown species {species!r}.", field_errors={field: error.args[0]}
        ) from error


def catalog_or_404(species: str) -> Catalog:
    """The catalog of ``species`` (an id or a display name) for a path lookup:
    :class:`NotFound` naming the known species when there is none."""
    try:
        return load_catalog(species)
    except KeyError as error:
        raise NotFound(f"{error.args[0][0].upper()}{error.args[0][1:]}.") from error


def catalog_sex(catalog: Catalog, sex: Sex | None) -> Sex | None:
    """The sex to parse a morph with: only species with sex chromosomes use it."""
    return sex if catalog.sex_block is not None else None


def read_genotype(catalog: Catalog, text: str, sex: Sex | None, *, field: str) -> Genotype:
    """Parse ``text`` as ``field``; an unreadable morph is :class:`InvalidInput` on that field.

    >>> read_genotype(load_catalog("ball_python"), "Pastle", Sex.MALE, field="sire")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    reptidex.domain.errors.InvalidInput: The sire morph cannot be read: unknown word 'pastle' (did you mean Pastel...?) in 'Pastle'
    >>> read_genotype(load_catalog("ball_python"), "Banana", None, field="morph")
    Traceback (most recent call last):
    ...
    reptidex.domain.errors.InvalidInput: The morph cannot be read: 'Banana' has a sex-linked gene: give the animal's sex
    """
    return read_morph_as(catalog, text, sex, field=field).genotype


def read_morph_as(catalog: Catalog, text: str, sex: Sex | None, *, field: str) -> MorphReading:
    """:func:`read_genotype`, with the notes on words that could be read another way."""
    try:
        return read_morph(catalog, text, catalog_sex(catalog, sex))
    except MorphParseError as error:
        whose = "The morph" if field == "morph" else f"The {field} morph"
        raise InvalidInput(
            f"{whose} cannot be read: {error}", field_errors={field: str(error)}
        ) from error


@dataclass(frozen=True, slots=True)
class ClutchOdds:
    """The probability of at least one hatchling of an outcome in a clutch of ``eggs``."""

    phenotype: str
    sex: str | None
    eggs: int
    probability: Fraction


MAX_OUTCOMES = 4096
"""The most outcomes one prediction lists by default (more only as the ``top`` most likely)."""


@dataclass(frozen=True, slots=True)
class PredictionLimits:
    """How much work one prediction may ask for. Beyond a limit the request is refused, before
    any of the work is done, with what to ask instead; ``None`` fields do not limit.

    ``outcomes``: groups one answer lists (more only as the ``top`` most likely);
    ``parent_options``: combinations of the parents' uncertain genotypes (each is crossed on
    its own for clutch odds and for proving out a het); ``clutch_work``: parent combinations
    times outcomes, the cost of clutch odds.
    """

    outcomes: int | None = MAX_OUTCOMES
    parent_options: int | None = 64
    clutch_work: int | None = 16_384


UNLIMITED = PredictionLimits(outcomes=None, parent_options=None, clutch_work=None)
"""No limit: for callers whose inputs are already bounded (a breeder's own stored animals)."""


def _refuse(message: str, field: str, hint: str) -> InvalidInput:
    return InvalidInput(message, field_errors={field: hint})


def check_parent_options(
    sire: Genotype, dam: Genotype, limits: PredictionLimits, *, asking: str
) -> int:
    """The number of parent genotype combinations; :class:`InvalidInput` beyond the limit.

    >>> bp = load_catalog("ball_python")
    >>> g = parse_genotype(bp, "50% het Clown 50% het Pied", Sex.MALE)
    >>> check_parent_options(g, g, PredictionLimits(parent_options=8), asking="clutch odds")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    reptidex.domain.errors.InvalidInput: The parents' possible hets make 16 combinations ...
    """
    options = sire.possibility_count * dam.possibility_count
    if limits.parent_options is not None and options > limits.parent_options:
        raise _refuse(
            f"The parents' possible hets make {options:,} combinations of genotypes, each "
            f"computed on its own for {asking}; at most {limits.parent_options:,} are "
            "computed at once. Ask with fewer possible hets (e.g. one gene at a time).",
            "sire",
            f"{options:,} genotype combinations; at most {limits.parent_options:,}",
        )
    return options


def clutch_odds(
    sire: Genotype, dam: Genotype, outcomes: Sequence[Outcome], eggs: int, *, viable_only: bool
) -> list[ClutchOdds]:
    """For each of ``outcomes``, the odds of at least one such hatchling in ``eggs``.

    Exact even for possible-het parents (the engine conditions on each of their genotypes).
    """
    odds = engine_clutch_odds(sire, dam, eggs, viable_only=viable_only)
    return [
        ClutchOdds(
            outcome.phenotype,
            outcome.sex.value if outcome.sex else None,
            eggs,
            odds[(outcome.phenotype, outcome.sex, outcome.lethal)],
        )
        for outcome in outcomes
    ]


@dataclass(frozen=True, slots=True)
class Prediction:
    """A predicted clutch: the engine's cross, the outcomes listed (all of them, or the most
    likely when fewer were asked for) and, if asked, the odds per clutch size."""

    result: CrossResult
    clutch: list[ClutchOdds] | None
    outcomes: Outcomes
    omitted_probability: Fraction = Fraction(0)
    """The probability of the outcomes not listed (0 when all are)."""
    notes: tuple[str, ...] = ()
    """How the parents' morphs were read where they could be read another way."""
    makers: tuple[MakerSplit, ...] = ()
    """The clutch under each phase of a parent's sex-linked genes when it is unknown (a
    Banana male written without "male maker"/"female maker"), listed as the outcomes are."""

    @property
    def outcome_count(self) -> int:
        """How many outcomes the cross has, listed or not."""
        return self.result.outcome_count


Compute = Callable[[Callable[[], Prediction]], Awaitable[Prediction]]
"""Where a prediction's CPU work runs: here (:func:`compute_here`), or a service's threads."""


async def compute_here(work: Callable[[], Prediction]) -> Prediction:
    """Run ``work`` at once, in the caller's thread."""
    return work()


def predict_genotypes(
    sire: Genotype,
    dam: Genotype,
    *,
    viable_only: bool = False,
    clutch_size: int | None = None,
    top: int | None = None,
    limits: PredictionLimits = UNLIMITED,
) -> Prediction:
    """Cross two genotypes; a pairing with no viable offspring is :class:`InvalidInput`.

    ``top`` lists only the most likely outcomes. Work beyond ``limits`` is refused before it
    is done (:class:`InvalidInput` saying how to ask for less).

    >>> bp = load_catalog("ball_python")
    >>> genes = "Pastel Spider Mojave Enchi Fire Cinnamon Yellowbelly Leopard Pinstripe"
    >>> sire, dam = parse_genotype(bp, genes, Sex.MALE), parse_genotype(bp, genes, Sex.FEMALE)
    >>> predict_genotypes(sire, dam, limits=PredictionLimits())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    reptidex.domain.errors.InvalidInput: This pairing has 19,683 possible outcomes; ...
    >>> p = predict_genotypes(sire, dam, top=2, limits=PredictionLimits())
    >>> len(p.outcomes), p.outcome_count, str(p.omitted_probability)
    (2, 19683, '1021/1024')

    A male whose Banana's phase is unknown: the clutch if he is a male maker, if a female maker.

    >>> banana = predict_genotypes(parse_genotype(bp, "Banana", Sex.MALE), dam, top=2)
    >>> [(p.maker, len(p.outcomes)) for p in banana.makers[0].phases]
    [('male maker', 2), ('female maker', 2)]
    """
    try:
        result = cross(sire, dam, viable_only=viable_only)
    except ValueError as error:
        raise InvalidInput(f"These parents cannot be crossed: {error}") from error
    count = result.outcome_count
    most = limits.outcomes
    if top is None and most is not None and count > most:
        raise _refuse(
            f"This pairing has {count:,} possible outcomes; one prediction lists at most "
            f'{most:,}. Ask for the most likely ones with `top` (e.g. "top": 100), or '
            "predict fewer genes at a time.",
            "top",
            f"required when a pairing has more than {most:,} outcomes",
        )
    if top is not None and top < count:
        outcomes = result.most_likely(top)
        omitted = 1 - sum((o.probability for o in outcomes), Fraction(0))
    else:
        outcomes, omitted = result.outcomes(), Fraction(0)
    odds = None
    if clutch_size:
        options = check_parent_options(sire, dam, limits, asking="clutch odds")
        work = limits.clutch_work
        if work is not None and options * count > work:
            raise _refuse(
                f"Clutch odds for this pairing would cross {options:,} combinations of the "
                f"parents' genotypes with {count:,} outcomes each; at most {work:,} are "
                "computed at once. Ask without `clutch_size`, or with fewer genes.",
                "clutch_size",
                f"{options * count:,} outcome computations; at most {work:,}",
            )
        odds = clutch_odds(sire, dam, outcomes, clutch_size, viable_only=viable_only)
    # Each phase has at most the marginal's outcomes, listed alike: at most three times the work.
    makers = split_by_maker(result, top=top)
    return Prediction(result, odds, outcomes, omitted, makers=makers)


def predict_morphs(
    species: str,
    sire: str,
    dam: str,
    *,
    viable_only: bool = False,
    clutch_size: int | None = None,
    top: int | None = None,
    limits: PredictionLimits = UNLIMITED,
) -> Prediction:
    """Cross a male and a female described as morph strings (see :func:`predict_genotypes`).

    >>> p = predict_morphs("ball_python", "Pastel het Clown", "het Clown")
    >>> [(o.phenotype, str(o.probability)) for o in p.result.outcomes()][:2]
    [('Normal', '3/8'), ('Pastel', '3/8')]
    >>> predict_morphs("ball_python", "het Clown Pied", "Clown").notes
    ("The sire morph: 'Piebald' after 'het Clown' is read as het Piebald, not a visual Piebald: write 'Piebald het Clown' for a visual Piebald",)
    """
    catalog = species_catalog(species)
    problems: dict[str, str] = {}
    genotypes: list[Genotype] = []
    notes: list[str] = []
    for field, text, sex in (("sire", sire, Sex.MALE), ("dam", dam, Sex.FEMALE)):
        try:
            reading = read_morph_as(catalog, text, sex, field=field)
        except InvalidInput as error:
            problems.update(error.field_errors)
            continue
        genotypes.append(reading.genotype)
        notes += [f"The {field} morph: {note}" for note in reading.notes]
    if problems:
        words = "; ".join(f"{k}: {v}" for k, v in problems.items())
        raise InvalidInput(f"A morph cannot be read ({words}).", field_errors=problems)
    prediction = predict_genotypes(
        genotypes[0],
        genotypes[1],
        viable_only=viable_only,
        clutch_size=clutch_size,
        top=top,
        limits=limits,
    )
    return dataclasses.replace(prediction, notes=tuple(notes))


@dataclass(frozen=True, slots=True)
class HetProbability:
    """A possible het's probability before and after the offspring it produced."""

    gene: str
    prior: Fraction
    posterior: Fraction
    offspring: int


def het_probability(
    species: str,
    animal: str,
    mate: str,
    offspring: Sequence[str],
    gene: str,
    *,
    animal_is_sire: bool = True,
    limits: PredictionLimits = UNLIMITED,
) -> HetProbability:
    """Update the probability that ``animal`` carries ``gene`` from its offspring with ``mate``.

    >>> h = het_probability("ball_python", "66% het Clown", "Clown", ["Normal"] * 6, "Clown")
    >>> str(h.prior), str(h.posterior)
    ('2/3', '1/33')
    """
    catalog = species_catalog(species)
    try:
        allele = catalog.allele_by_name(gene)
    except KeyError:
        raise InvalidInput(
            f"No gene {gene!r} in the {catalog.name} catalog.",
            field_errors={"gene": f"unknown gene {gene!r}"},
        ) from None
    animal_sex, mate_sex = (Sex.MALE, Sex.FEMALE) if animal_is_sire else (Sex.FEMALE, Sex.MALE)
    subject = read_genotype(catalog, animal, animal_sex, field="animal")
    partner = read_genotype(catalog, mate, mate_sex, field="mate")
    for index, text in enumerate(offspring):
        read_genotype(catalog, text, Sex.MALE, field=f"offspring[{index}]")
    check_parent_options(subject, partner, limits, asking="proving out a het")
    try:
        posterior = prove_out(subject, partner, offspring, allele.id, animal_is_sire=animal_is_sire)
    except MorphParseError as error:
        raise InvalidInput(
            f"An offspring morph cannot be read: {error}", field_errors={"offspring": str(error)}
        ) from error
    except ValueError as error:
        raise InvalidInput(
            f"These offspring cannot come from this pairing: {error}",
            field_errors={"offspring": str(error)},
        ) from error
    return HetProbability(
        allele.name, subject.carrier_probability(allele.id), posterior, len(offspring)
    )


def gene_filter(species: str | None, names: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """For each gene name, the allele ids it may mean (in ``species``, or in any catalog).

    >>> gene_filter("ball_python", ["pied"])
    (('piebald',),)
    """
    catalogs = (
        [species_catalog(species)] if species else [load_catalog(s) for s in available_species()]
    )
    out = []
    for name in names:
        ids: list[str] = []
        for catalog in catalogs:
            try:
                allele = catalog.allele_by_name(name)
            except KeyError:
                continue
            if allele.id not in ids:
                ids.append(allele.id)
        if not ids:
            raise InvalidInput(
                f"No gene {name!r} in the catalogs.",
                field_errors={"gene": f"unknown gene {name!r}"},
            )
        out.append(tuple(ids))
    return tuple(out)


def trait_filter(species: str | None, morph: str) -> tuple[str, ...]:
    """The visual traits a morph filter asks for (needs the species to read the morph).

    >>> trait_filter("ball_python", "Bumblebee")
    ('Pastel', 'Spider')
    """
    if not species:
        raise InvalidInput(
            "Filtering by visual morph needs the species.",
            field_errors={"species": "required with morph"},
        )
    catalog = species_catalog(species)
    try:
        return tuple(sorted(visual_traits(catalog, morph)))
    except MorphParseError as error:
        raise InvalidInput(
            f"The morph filter cannot be read: {error}", field_errors={"morph": str(error)}
        ) from error


def hatchling_genotype(
    catalog: Catalog, sire: Genotype, dam: Genotype, observed: str, sex: Sex | None
) -> Genotype:
    """A hatchling's genotype: the distribution the cross predicts for one offspring,
    narrowed to the diplotypes that look as the breeder sees it (``observed``, a morph whose
    hets are ignored) and, for sex-linked genes, to its sex (see :func:`hatchling_record`
    for a hatchling of unknown sex).

    Blocks are inherited independently and each visual trait belongs to one block, so the
    condition splits into one per block (the engine's :func:`cross_block` and
    :func:`block_phenotype` do the genetics).

    >>> bp = load_catalog("ball_python")
    >>> sire = parse_genotype(bp, "Pastel het Clown", Sex.MALE)
    >>> dam = parse_genotype(bp, "het Clown", Sex.FEMALE)
    >>> kid = hatchling_genotype(bp, sire, dam, "Pastel", None)
    >>> str(kid.carrier_probability("Clown")), str(kid.carrier_probability("Pastel"))
    ('2/3', '1')
    """
    blocks = _hatchling_blocks(catalog, sire, dam, observed, sex)
    needs_sex = any(catalog.blocks[i].sex_linked for i in blocks)
    if needs_sex and sex is None:
        raise InvalidInput(
            "This pairing has sex-linked genes: give the hatchling's sex.",
            field_errors={"sex": "required for sex-linked genes"},
        )
    return Genotype.from_blocks(catalog, blocks, sex if needs_sex else None)


def hatchling_record(
    catalog: Catalog, sire: Genotype, dam: Genotype, observed: str, sex: Sex | None
) -> GenotypeRecord:
    """The stored record of a hatchling (:func:`hatchling_genotype`), named as breeders write
    it. A hatchling of unknown sex from parents with sex-linked genes keeps its genotype for
    each sex it may be, weighted by how likely that sex is given its look (a Banana of a
    "female maker" sire is most likely female); setting its sex later picks one.

    >>> bp = load_catalog("ball_python")
    >>> sire = parse_genotype(bp, "Banana het Clown", Sex.MALE)
    >>> dam = parse_genotype(bp, "het Clown", Sex.FEMALE)
    >>> kid = hatchling_record(bp, sire, dam, "Banana", None)
    >>> kid.phenotype, kid.awaits_sex, [(h.gene, str(h.probability)) for h in kid.possible_hets]
    ('Banana', True, [('Clown', '2/3')])
    """
    return record_of_blocks(
        catalog, _hatchling_blocks(catalog, sire, dam, observed, sex), sex, observed
    )


def record_of_blocks(
    catalog: Catalog, blocks: dict[int, dict[Diplotype, Fraction]], sex: Sex | None, observed: str
) -> GenotypeRecord:
    """The stored record of an offspring whose distribution per block is ``blocks`` (with
    ``sex`` unknown, the sex-linked block holds the diplotypes of both sexes), named as
    breeders write it (``observed`` when no name fits)."""
    sexed = catalog.sex_block
    if sex is not None or sexed is None or sexed.index not in blocks:
        needs_sex = any(catalog.blocks[i].sex_linked for i in blocks)
        genotype = Genotype.from_blocks(catalog, blocks, sex if needs_sex else None)
        return describe_genotype(catalog, genotype, _name(genotype, observed))
    by_sex: dict[Sex, tuple[Fraction, Genotype]] = {}
    for each in Sex:
        weight = sum(
            (p for d, p in blocks[sexed.index].items() if sex_of(catalog, d) is each),
            Fraction(0),
        )
        if weight:
            given = {**blocks, sexed.index: of_sex(catalog, blocks[sexed.index], each)}
            by_sex[each] = (weight, Genotype.from_blocks(catalog, given, each))
    names = {_name(genotype, observed) for _, genotype in by_sex.values()}
    return describe_by_sex(catalog, by_sex, names.pop() if len(names) == 1 else observed)


def _name(genotype: Genotype, fallback: str) -> str:
    try:
        return name_genotype(genotype)
    except (ValueError, MorphParseError):
        return fallback


def _hatchling_blocks(
    catalog: Catalog, sire: Genotype, dam: Genotype, observed: str, sex: Sex | None
) -> dict[int, dict[Diplotype, Fraction]]:
    """Per block, the offspring's distribution given its look (and its sex, when known: with
    the sex unknown, the sex-linked block keeps the diplotypes of both sexes)."""
    try:
        wanted = visual_traits(catalog, observed)
        # a look named alone ("BEL") is any trait that looks so, not the one it is read as
        shared = read_morph(catalog, observed, Sex.MALE).looks
    except MorphParseError as error:
        raise InvalidInput(
            f"The hatchling's morph cannot be read: {error}", field_errors={"morph": str(error)}
        ) from error
    either = frozenset(trait for look in shared for trait in look.traits)
    wanted = wanted - either
    present = sorted({i for i, _ in sire.blocks} | {i for i, _ in dam.blocks})
    blocks: dict[int, dict[Diplotype, Fraction]] = {}
    covered: set[str] = set()
    shown: set[str] = set()
    for index in present:
        block = catalog.blocks[index]
        offspring = cross_block(block, sire.block(index, Sex.MALE), dam.block(index, Sex.FEMALE))
        looks = {d: block_phenotype(catalog, block, d) for d in offspring}
        possible = {t for look in looks.values() for t in look.traits}
        allowed = frozenset(wanted & possible)
        # the shared looks this block can show: one of their traits it must show
        here = [look for look in shared if not possible.isdisjoint(look.traits)]
        kept = {
            d: p
            for d, p in offspring.items()
            if not looks[d].lethal
            and frozenset(looks[d].traits) - either == allowed
            and all(not frozenset(looks[d].traits).isdisjoint(look.traits) for look in here)
            and (not block.sex_linked or sex is None or looks[d].sex is sex)
        }
        shown.update(look.name for look in here)
        if not kept:
            raise InvalidInput(
                f"A hatchling of this pairing cannot look {observed!r}.",
                field_errors={"morph": "not a possible outcome of the cross"},
            )
        total = sum(kept.values(), Fraction(0))
        blocks[index] = {d: p / total for d, p in kept.items()}
        covered |= allowed
    unshown = [look.label for look in shared if look.name not in shown]
    if wanted - covered or unshown:
        missing = ", ".join([*sorted(wanted - covered), *unshown])
        raise InvalidInput(
            f"A hatchling of this pairing cannot show {missing}.",
            field_errors={"morph": "not a possible outcome of the cross"},
        )
    return blocks


def animal_genotype(animal: Animal, catalog: Catalog, sex: Sex) -> Genotype:
    """The engine genotype of a stored animal, as a parent of ``sex``.

    The stored structure names alleles by their position in the catalog; if the catalog has
    changed since (a gene added in the middle), the morph the breeder wrote is read again.
    :class:`Conflict` when neither reads any more: the breeder must re-enter the morph.
    """
    try:
        return animal.genotype.genotype(catalog, sex)
    except (ValueError, IndexError, KeyError):
        try:
            return parse_genotype(catalog, animal.genotype.morph, catalog_sex(catalog, sex))
        except MorphParseError as error:
            raise Conflict(
                f"The stored genotype of {animal.label} no longer reads in the {catalog.name} "
                f"catalog ({error}); enter its morph again."
            ) from error


def read_record(catalog: Catalog, morph: str, sex: Sex | None, *, field: str) -> GenotypeRecord:
    """The stored record of ``morph`` for an animal of ``sex``; an unreadable morph is
    :class:`InvalidInput` on ``field`` (see :func:`read_genotype`).

    An animal of unknown sex may be written with sex-linked genes: its record then holds its
    genotype if male and if female, each with probability 1/2 (or the one sex the morph
    allows, e.g. a "female maker" is a male), until its sex is set.

    >>> bp = load_catalog("ball_python")
    >>> r = read_record(bp, "Banana", None, field="morph")
    >>> r.phenotype, r.awaits_sex
    ('Banana', True)
    >>> read_record(bp, "Banana", Sex.MALE, field="morph").awaits_sex
    False
    """
    if sex is not None or catalog.sex_block is None:
        return describe_genotype(catalog, read_genotype(catalog, morph, sex, field=field), morph)
    try:
        genotype = read_genotype(catalog, morph, None, field=field)
    except InvalidInput:
        readings: dict[Sex, Genotype] = {}
        refusals: list[InvalidInput] = []
        for each in Sex:
            try:
                readings[each] = read_genotype(catalog, morph, each, field=field)
            except InvalidInput as error:
                refusals.append(error)
        if not readings:
            # not a question of sex: the morph reads for neither (an unknown word)
            raise refusals[0] from None
        share = Fraction(1, len(readings))
        by_sex = {each: (share, genotype) for each, genotype in readings.items()}
        return describe_by_sex(catalog, by_sex, morph)
    return describe_genotype(catalog, genotype, morph)
