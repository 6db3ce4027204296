"""``reptidex genetics`` commands: species, genes and crosses from the genetics engine."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from reptidex.cli.progress import Progress, wanted
from reptidex.domain.het_labels import possible_het_label
from reptidex.engine.genetics import (
    Catalog,
    MakerSplit,
    MorphParseError,
    MorphReading,
    Outcome,
    Sex,
    available_species,
    catalog_to_mapping,
    clutch_probability,
    cross,
    load_catalog,
    parse_genotype,
    prove_out,
    rank_pairs,
    read_morph,
    split_by_maker,
)


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the genetics commands."""
    parser = subparsers.add_parser(
        "genetics", help="gene catalogs and clutch predictions", description="Genetics engine."
    )
    commands = parser.add_subparsers(dest="genetics_command", metavar="COMMAND")
    parser.set_defaults(func=lambda args: _help(parser))

    species = commands.add_parser("species", help="list the built-in species catalogs")
    species.add_argument("--json", action="store_true", help="print them as JSON")
    species.set_defaults(func=_species)

    genes = commands.add_parser("genes", help="list a species' genes")
    _species_argument(genes)
    genes.add_argument(
        "--json", action="store_true", help="print the whole catalog as JSON (its TOML layout)"
    )
    genes.set_defaults(func=_genes)

    cross = commands.add_parser("cross", help="predict the offspring of a pairing")
    _species_argument(cross)
    cross.add_argument(
        "--viable-only", action="store_true", help="renormalise over viable offspring"
    )
    cross.add_argument("--json", action="store_true", help="print the JSON contract")
    cross.add_argument(
        "--top",
        type=_positive,
        metavar="N",
        help="list only the N most likely outcomes (found without making the others)",
    )
    cross.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show (or never show) a progress line on standard error when the cross takes "
        "more than a second (default: when standard error is a terminal)",
    )
    cross.add_argument("sire", metavar="SIRE", help='male morph, e.g. "Pastel Spider het Clown"')
    cross.add_argument("dam", metavar="DAM", help='female morph, e.g. "Pastel het Clown"')
    cross.set_defaults(func=_cross)

    clutch = commands.add_parser(
        "clutch", help="the odds of at least one hatchling of a morph in a clutch"
    )
    _species_argument(clutch)
    clutch.add_argument("--eggs", required=True, type=_positive, help="eggs in the clutch")
    clutch.add_argument("--target", required=True, help='the morph wanted, e.g. "Clown"')
    clutch.add_argument("--viable-only", action="store_true", help="count viable eggs only")
    clutch.add_argument("sire", metavar="SIRE", help="male morph")
    clutch.add_argument("dam", metavar="DAM", help="female morph")
    clutch.set_defaults(func=_clutch)

    rank = commands.add_parser(
        "rank", help="rank every male x female pairing by the chance of a target hatchling"
    )
    _species_argument(rank)
    rank.add_argument("--target", required=True, help='the morph wanted, e.g. "Clown"')
    rank.add_argument(
        "--male",
        dest="males",
        action="append",
        required=True,
        type=_named_morph,
        metavar="NAME=MORPH",
        help='a male and his morph, e.g. --male "Zeus=Pastel het Clown"; once per male',
    )
    rank.add_argument(
        "--female",
        dest="females",
        action="append",
        required=True,
        type=_named_morph,
        metavar="NAME=MORPH",
        help='a female and her morph, e.g. --female "Hera=het Clown"; once per female',
    )
    rank.add_argument("--viable-only", action="store_true", help="among viable hatchlings")
    rank.add_argument("--json", action="store_true", help="print the ranking as JSON")
    rank.set_defaults(func=_rank)

    proof = commands.add_parser(
        "prove-out", help="how likely a possible het is het, after the hatchlings it produced"
    )
    _species_argument(proof)
    proof.add_argument("--gene", required=True, help='the recessive gene, e.g. "Clown"')
    proof.add_argument(
        "--hatchling",
        dest="offspring",
        action="append",
        required=True,
        metavar="MORPH",
        help="how one hatchling looks; once per hatchling (e.g. --hatchling Normal)",
    )
    proof.add_argument(
        "--dam", action="store_true", help="the animal is the dam (default: the sire)"
    )
    proof.add_argument("animal", metavar="ANIMAL", help='its morph, e.g. "66%% het Clown"')
    proof.add_argument("mate", metavar="MATE", help='its mate\'s morph, e.g. "Clown"')
    proof.set_defaults(func=_prove_out)


def _species_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--species", required=True, help="species id or name, e.g. ball_python or 'Ball python'"
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _catalog(species: str) -> Catalog | None:
    try:
        return load_catalog(species)
    except KeyError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return None


def _species(args: argparse.Namespace) -> int:
    rows = []
    for species in available_species():
        catalog = load_catalog(species)
        count = sum(len(locus.alleles) for locus in catalog.loci)
        rows.append(
            {
                "id": catalog.id,
                "name": catalog.name,
                "scientific_name": catalog.scientific_name,
                "genes": count,
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        print(
            f"{row['id']:<18} {row['name']:<18} {row['scientific_name']:<26} "
            f"{row['genes']:>3} genes"
        )
    return 0


def _genes(args: argparse.Namespace) -> int:
    catalog = _catalog(args.species)
    if catalog is None:
        return 1
    if args.json:
        print(json.dumps(catalog_to_mapping(catalog), indent=2, default=str))
        return 0
    for locus in catalog.loci:
        complex_note = f" [{locus.name}]" if len(locus.alleles) > 1 else ""
        for allele in locus.alleles:
            line = f"{allele.name}{complex_note}: {allele.expression.value.replace('_', ' ')}"
            if not allele.expression.is_recessive:
                line += f"; two copies: {allele.homozygous_name}"
                if allele.super_lethal:
                    line += " (lethal)"
            print(line)
            aliases = [*allele.aliases, *allele.super_aliases]
            if aliases:
                print(f"    aliases: {', '.join(aliases)}")
            for note in (*allele.health, *allele.super_health):
                print(f"    health: {note}")
            for text in allele.notes:
                print(f"    note: {text}")
        for compound in locus.compounds:
            a, b = (locus.allele(locus.allele_index(x)).name for x in compound.alleles)
            look = (
                compound.name
                or f"looks {locus.allele(locus.allele_index(compound.looks_like or '')).name}"
            )
            print(f"{a}/{b}: {look}" + (" (lethal)" if compound.lethal else ""))
        for shared in locus.looks:
            print(f"look {shared.label}: {', '.join(shared.traits)}")
        for text in locus.notes:
            print(f"    locus note: {text}")
    for group in catalog.linkage_groups:
        kind = "sex-linked" if group.sex_linked else "linked"
        rates = ", ".join(str(r) for r in group.recombination)
        print(f"{kind}: {', '.join(group.loci)} (recombination {rates})")
    for combo in catalog.combos:
        print(f"combo {combo.name} = {' + '.join(sorted(combo.traits))}")
    return 0


def _cross(args: argparse.Namespace) -> int:
    catalog = _catalog(args.species)
    if catalog is None:
        return 1
    male, female = _sexes(catalog)
    enabled = wanted(args.progress, sys.stderr)
    with Progress(sys.stderr, enabled=enabled, label="crossing") as progress:
        try:
            sire, dam = _read_parents(catalog, (args.sire, male), (args.dam, female))
            result = cross(sire.genotype, dam.genotype, viable_only=args.viable_only)
            count = result.outcome_count
            top = args.top if args.top is not None and args.top < count else None
            outcomes = result.outcomes() if top is None else result.most_likely(top)
            makers = split_by_maker(result, top=top)
        except (MorphParseError, ValueError, KeyError) as error:
            progress.close()
            return _failed(error)
        omitted = 1 - sum((o.probability for o in outcomes), Fraction(0))
        if args.json:
            progress.stage("writing JSON")
            if top is None:
                body = result.to_dict()
            else:
                body = {**result.summary(), "outcomes": outcomes.to_dicts()}
                body |= {"outcome_count": count, "omitted_probability": str(omitted)}
            body["maker_phases"] = [split.to_dict() for split in makers]
            text = json.dumps(body, indent=2)
        else:
            progress.stage("writing", total=len(outcomes))
            table = _table(outcomes, progress, makers)
            summary = "\n".join(
                [_summary(result.summary(), outcomes, count, omitted), *_maker_lines(makers)]
            )
    for parent, reading in (("sire", sire), ("dam", dam)):
        for note in reading.notes:
            print(f"note: the {parent} morph: {note}", file=sys.stderr)
    print(text if args.json else f"{table}\n{summary}")
    return 0


def _read_parents(
    catalog: Catalog, sire: tuple[str, Sex | None], dam: tuple[str, Sex | None]
) -> tuple[MorphReading, MorphReading]:
    """Both parents read; what cannot be read in either is said at once, parent by parent."""
    readings, problems = [], []
    for parent, (text, sex) in (("sire", sire), ("dam", dam)):
        try:
            readings.append(read_morph(catalog, text, sex))
        except MorphParseError as error:
            problems.append(f"the {parent} morph: {error.args[0] if error.args else error}")
    if problems:
        raise MorphParseError("; ".join(problems))
    return readings[0], readings[1]


def _table(
    outcomes: Sequence[Outcome], progress: Progress, makers: Sequence[MakerSplit] = ()
) -> str:
    """The outcomes as aligned columns (those with nothing in them left out), with the chance
    of each under each maker phase beside the marginal one (``-``: not among that phase's
    listed outcomes)."""
    phases = [
        (f"if {split.parent} {phase.maker}", {_key(o): o.probability for o in phase.outcomes})
        for split in makers
        for phase in split.phases
    ]
    head = ("phenotype", "chance", "percent", *(heading for heading, _ in phases))
    rows = [(*head, "sex", "hets", "possible hets", "warnings")]
    for o in outcomes:
        rows.append(
            (
                o.phenotype + (" (LETHAL)" if o.lethal else ""),
                str(o.probability),
                f"{float(o.probability) * 100:.2f}%",
                *(_ratio(chances[_key(o)]) if _key(o) in chances else "-" for _, chances in phases),
                o.sex.value if o.sex else "",
                ", ".join(o.hets),
                ", ".join(_possible_het(p.probability, p.gene) for p in o.possible_hets),
                "; ".join(o.warnings),
            )
        )
        progress.advance()
    progress.stage("aligning columns")
    keep = [i for i in range(len(rows[0])) if i < 3 or any(row[i] for row in rows[1:])]
    widths = [max(len(row[i]) for row in rows) for i in keep]
    return "\n".join(
        "  ".join(row[i].ljust(w) for i, w in zip(keep, widths, strict=True)).rstrip()
        for row in rows
    )


def _key(outcome: Outcome) -> tuple[str, Sex | None, bool]:
    return outcome.phenotype, outcome.sex, outcome.lethal


def _maker_lines(makers: Sequence[MakerSplit]) -> list[str]:
    """Under the table: each maker phase's summary line, and what to read from them."""
    lines = []
    for split in makers:
        for phase in split.phases:
            line = _summary(
                phase.result.summary(),
                phase.outcomes,
                phase.result.outcome_count,
                phase.omitted_probability,
            )
            lines.append(f"if the {split.parent} is a {phase.maker} ({phase.probability}): {line}")
        lines.append(f"note: {split.note}")
    return lines


def _failed(error: Exception) -> int:
    """Say on standard error why a morph or a cross could not be read; the exit status."""
    print(f"error: {error.args[0] if error.args else error}", file=sys.stderr)
    return 1


def _sexes(catalog: Catalog) -> tuple[Sex | None, Sex | None]:
    return (Sex.MALE, Sex.FEMALE) if catalog.sex_block is not None else (None, None)


def _ratio(value: Fraction) -> str:
    return f"{value} ({float(value) * 100:.2f}%)"


def _clutch(args: argparse.Namespace) -> int:
    catalog = _catalog(args.species)
    if catalog is None:
        return 1
    male, female = _sexes(catalog)
    try:
        sire, dam = (
            parse_genotype(catalog, args.sire, male),
            parse_genotype(catalog, args.dam, female),
        )
        chance = clutch_probability(sire, dam, args.target, args.eggs, viable_only=args.viable_only)
    except (MorphParseError, ValueError, KeyError) as error:
        return _failed(error)
    print(f"at least one {args.target} in {args.eggs} eggs: {_ratio(chance)}")
    return 0


def _prove_out(args: argparse.Namespace) -> int:
    catalog = _catalog(args.species)
    if catalog is None:
        return 1
    male, female = _sexes(catalog)
    own, other = (female, male) if args.dam else (male, female)
    try:
        animal = parse_genotype(catalog, args.animal, own)
        mate = parse_genotype(catalog, args.mate, other)
        before = animal.carrier_probability(args.gene)
        after = prove_out(animal, mate, args.offspring, args.gene, animal_is_sire=not args.dam)
    except (MorphParseError, ValueError, KeyError) as error:
        return _failed(error)
    count = len(args.offspring)
    gene = catalog.allele_by_name(args.gene).name
    print(f"before: {_het_odds(before, gene)}")
    print(f"after {count} hatchling{'s' if count != 1 else ''}: {_het_odds(after, gene)}")
    return 0


def _named_morph(text: str) -> tuple[str, str]:
    name, equals, morph = text.partition("=")
    if not equals or not name.strip() or not morph.strip():
        raise argparse.ArgumentTypeError(f"not NAME=MORPH: {text!r}")
    return name.strip(), morph.strip()


def _rank(args: argparse.Namespace) -> int:
    catalog = _catalog(args.species)
    if catalog is None:
        return 1
    for sex, animals in (("male", args.males), ("female", args.females)):
        names = [name for name, _ in animals]
        if len(set(names)) != len(names):
            return _failed(ValueError(f"each {sex} needs a name of its own"))
    male, female = _sexes(catalog)
    try:
        sires = {name: parse_genotype(catalog, morph, male) for name, morph in args.males}
        dams = {name: parse_genotype(catalog, morph, female) for name, morph in args.females}
        ranking = rank_pairs(sires, dams, args.target, viable_only=args.viable_only)
    except (MorphParseError, ValueError, KeyError) as error:
        return _failed(error)
    if args.json:
        rows = [
            {"male": r.sire, "female": r.dam, "probability": str(r.probability),
             "percent": float(r.probability) * 100}
            for r in ranking
        ]  # fmt: skip
        print(json.dumps({"target": args.target, "pairings": rows}, indent=2))
        return 0
    width = max(len("pairing"), *(len(f"{r.sire} x {r.dam}") for r in ranking))
    print(f"{'pairing':<{width}}  chance of {args.target}")
    for r in ranking:
        print(f"{r.sire + ' x ' + r.dam:<{width}}  {_ratio(r.probability)}")
    return 0


def _possible_het(probability: Fraction, gene: str) -> str:
    """A possible het as breeders write it, with the exact chance: ``66% het Clown (2/3)``."""
    return possible_het_label(probability, gene, exact=True)


def _het_odds(probability: Fraction, gene: str) -> str:
    """How likely an animal is het, as breeders say it, with the exact chance:
    ``66% het Clown (2/3)``, ``proven het Clown (1)``, ``not het Clown (0)``."""
    if probability == 1:
        return f"proven het {gene} (1)"
    if probability == 0:
        return f"not het {gene} (0)"
    return _possible_het(probability, gene)


def _summary(
    parents: dict[str, Any], outcomes: Sequence[Outcome], count: int, omitted: Fraction
) -> str:
    """The line under the table: how many outcomes, what is not listed, the lethal share,
    and the chance of a visual (a hatchling showing any gene) and of a het of each gene
    (proven or possible, weighted by its odds), over the viable outcomes listed."""
    listed = len(outcomes)
    line = f"{listed:,} outcome{'s' if listed != 1 else ''}"
    if listed < count:
        line += f" of {count:,} listed; the others weigh {omitted} ({float(omitted) * 100:.2f}%)"
    lethal = Fraction(parents["lethal_probability"])
    if lethal:
        line += f"; lethal {lethal} ({float(lethal) * 100:.2f}%)"
    visual = Fraction(0)
    hets: dict[str, Fraction] = {}
    for o in outcomes:
        if o.lethal:
            continue
        if o.traits:
            visual += o.probability
        for gene in o.hets:
            hets[gene] = hets.get(gene, Fraction(0)) + o.probability
        for possible in o.possible_hets:
            share = o.probability * possible.probability
            hets[possible.gene] = hets.get(possible.gene, Fraction(0)) + share
    masses = [f"visual {_ratio(visual)}", *(f"het {g} {_ratio(p)}" for g, p in hets.items())]
    if listed < count:
        return f"{line}; among those listed: {', '.join(masses)}"
    return "; ".join([line, *masses])
