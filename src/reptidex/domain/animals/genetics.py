"""Genetics questions asked over the API: predicted clutches and proving out possible hets.

These wrap the genetics engine for untrusted input: an unknown species or an unreadable morph
becomes :class:`~reptidex.domain.errors.InvalidInput` (or :class:`NotFound`) naming the field and,
for a morph, the word and the closest gene names the engine suggests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from reptidex.domain.animals.model import Animal
from reptidex.domain.errors import Conflict, InvalidInput, NotFound
from reptidex.engine.genetics import (
    Catalog,
    CrossResult,
    Genotype,
    MorphParseError,
    Outcome,
    Sex,
    available_species,
    block_phenotype,
    clutch_probability,
    cross,
    cross_block,
    load_catalog,
    parse_genotype,
    prove_out,
    visual_traits,
)
from reptidex.engine.genetics.phenotype import Diplotype


def species_catalog(species: str, *, field: str = "species") -> Catalog:
    """The catalog of ``species``; :class:`InvalidInput` naming the known species otherwise.

    >>> species_catalog("corn_snake").name
    'Corn snake'
    """
    if species not in available_species():
        known = ", ".join(available_species())
        raise InvalidInput(
            f"Unknown species {species!r}.",
            field_errors={field: f"unknown species {species!r}; known species: {known}"},
        )
    return load_catalog(species)


def catalog_or_404(species: str) -> Catalog:
    """The catalog of ``species`` for a path lookup: :class:`NotFound` when there is none."""
    if species not in available_species():
        raise NotFound(f"No species {species!r}; known species: {', '.join(available_species())}.")
    return load_catalog(species)


def catalog_sex(catalog: Catalog, sex: Sex | None) -> Sex | None:
    """The sex to parse a morph with: only species with sex chromosomes use it."""
    return sex if catalog.sex_block is not None else None


def read_genotype(catalog: Catalog, text: str, sex: Sex | None, *, field: str) -> Genotype:
    """Parse ``text`` as ``field``; an unreadable morph is :class:`InvalidInput` on that field.

    >>> read_genotype(load_catalog("ball_python"), "Pastle", Sex.MALE, field="sire")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    reptidex.domain.errors.InvalidInput: The sire morph cannot be read: unknown word 'pastle' in 'Pastle'; did you mean Pastel...?
    """
    try:
        return parse_genotype(catalog, text, catalog_sex(catalog, sex))
    except MorphParseError as error:
        raise InvalidInput(
            f"The {field} morph cannot be read: {error}", field_errors={field: str(error)}
        ) from error


@dataclass(frozen=True, slots=True)
class ClutchOdds:
    """The probability of at least one hatchling of an outcome in a clutch of ``eggs``."""

    phenotype: str
    sex: str | None
    eggs: int
    probability: Fraction


def _same_group(outcome: Outcome) -> Any:
    def matches(other: Outcome) -> bool:
        return (
            other.phenotype == outcome.phenotype
            and other.sex == outcome.sex
            and other.lethal == outcome.lethal
        )

    return matches


def clutch_odds(sire: Genotype, dam: Genotype, result: CrossResult, eggs: int) -> list[ClutchOdds]:
    """For every outcome of ``result``, the odds of at least one such hatchling in ``eggs``.

    Exact even for possible-het parents (the engine conditions on each of their genotypes).
    """
    return [
        ClutchOdds(
            outcome.phenotype,
            outcome.sex.value if outcome.sex else None,
            eggs,
            clutch_probability(
                sire, dam, _same_group(outcome), eggs, viable_only=result.viable_only
            ),
        )
        for outcome in result.outcomes()
    ]


@dataclass(frozen=True, slots=True)
class Prediction:
    """A predicted clutch: the engine's cross and, if asked, the odds per clutch size."""

    result: CrossResult
    clutch: list[ClutchOdds] | None


def predict_genotypes(
    sire: Genotype, dam: Genotype, *, viable_only: bool = False, clutch_size: int | None = None
) -> Prediction:
    """Cross two genotypes; a pairing with no viable offspring is :class:`InvalidInput`."""
    try:
        result = cross(sire, dam, viable_only=viable_only)
        result.outcomes()
    except ValueError as error:
        raise InvalidInput(f"These parents cannot be crossed: {error}") from error
    odds = clutch_odds(sire, dam, result, clutch_size) if clutch_size else None
    return Prediction(result, odds)


def predict_morphs(
    species: str,
    sire: str,
    dam: str,
    *,
    viable_only: bool = False,
    clutch_size: int | None = None,
) -> Prediction:
    """Cross a male and a female described as morph strings.

    >>> p = predict_morphs("ball_python", "Pastel het Clown", "het Clown")
    >>> [(o.phenotype, str(o.probability)) for o in p.result.outcomes()][:2]
    [('Normal', '3/8'), ('Pastel', '3/8')]
    """
    catalog = species_catalog(species)
    problems: dict[str, str] = {}
    genotypes: list[Genotype] = []
    for field, text, sex in (("sire", sire, Sex.MALE), ("dam", dam, Sex.FEMALE)):
        try:
            genotypes.append(read_genotype(catalog, text, sex, field=field))
        except InvalidInput as error:
            problems.update(error.field_errors)
    if problems:
        words = "; ".join(f"{k}: {v}" for k, v in problems.items())
        raise InvalidInput(f"A morph cannot be read ({words}).", field_errors=problems)
    return predict_genotypes(
        genotypes[0], genotypes[1], viable_only=viable_only, clutch_size=clutch_size
    )


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
    hets are ignored) and, for sex-linked genes, to its sex.

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
    try:
        wanted = visual_traits(catalog, observed)
    except MorphParseError as error:
        raise InvalidInput(
            f"The hatchling's morph cannot be read: {error}", field_errors={"morph": str(error)}
        ) from error
    present = sorted({i for i, _ in sire.blocks} | {i for i, _ in dam.blocks})
    blocks: dict[int, dict[Diplotype, Fraction]] = {}
    covered: set[str] = set()
    needs_sex = False
    for index in present:
        block = catalog.blocks[index]
        if block.sex_linked:
            needs_sex = True
            if sex is None:
                raise InvalidInput(
                    "This pairing has sex-linked genes: give the hatchling's sex.",
                    field_errors={"sex": "required for sex-linked genes"},
                )
        offspring = cross_block(block, sire.block(index, Sex.MALE), dam.block(index, Sex.FEMALE))
        looks = {d: block_phenotype(catalog, block, d) for d in offspring}
        possible = {t for look in looks.values() for t in look.traits}
        allowed = frozenset(wanted & possible)
        kept = {
            d: p
            for d, p in offspring.items()
            if not looks[d].lethal
            and frozenset(looks[d].traits) == allowed
            and (not block.sex_linked or looks[d].sex is sex)
        }
        if not kept:
            raise InvalidInput(
                f"A hatchling of this pairing cannot look {observed!r}.",
                field_errors={"morph": "not a possible outcome of the cross"},
            )
        total = sum(kept.values(), Fraction(0))
        blocks[index] = {d: p / total for d, p in kept.items()}
        covered |= allowed
    if wanted - covered:
        missing = ", ".join(sorted(wanted - covered))
        raise InvalidInput(
            f"A hatchling of this pairing cannot show {missing}.",
            field_errors={"morph": "not a possible outcome of the cross"},
        )
    return Genotype.from_blocks(catalog, blocks, sex if needs_sex else None)


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
