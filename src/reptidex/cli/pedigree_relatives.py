"""``reptidex pedigree`` commands about relatives and pictures: ancestors, descendants,
relationship, founders, mean-kinship, chart."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reptidex.cli.pedigree import _csv_cell, _error, _load, _pipe_safe, _progress, _write_json
from reptidex.engine.pedigree import (
    Pedigree,
    ancestors,
    descendants,
    founder_contributions,
    founders,
    inbreeding,
    kinship,
    mean_kinship,
    relationship,
)

if TYPE_CHECKING:
    from reptidex.adapters.render.pedigree_files import ChartFormat

CHART_SUFFIXES: dict[str, ChartFormat] = {".svg": "svg", ".png": "png", ".pdf": "pdf"}


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the commands to ``reptidex pedigree``."""
    for name, words in (("ancestors", "ancestors"), ("descendants", "descendants")):
        walk = commands.add_parser(
            name,
            help=f"the {words} of an animal, with how many generations away (CSV id,generation)",
        )
        walk.add_argument("file")
        walk.add_argument("animal", metavar="ID")
        walk.add_argument("--generations", type=int, metavar="N", help="at most N generations away")
        walk.add_argument("--json", action="store_true", help="write a JSON object instead")
        walk.set_defaults(func=_pipe_safe(run_walk), direction=name)

    related = commands.add_parser(
        "relationship", help="what animal B is to animal A (full sib, first cousin, ...)"
    )
    related.add_argument("file")
    related.add_argument("animals", nargs=2, metavar="ID")
    related.add_argument("--json", action="store_true", help="write a JSON object instead")
    related.set_defaults(func=_pipe_safe(run_relationship))

    found = commands.add_parser(
        "founders",
        help="the founders and their genetic contribution to the animals without offspring",
    )
    found.add_argument("file")
    found.add_argument("--json", action="store_true", help="write a JSON object instead")
    found.set_defaults(func=_pipe_safe(run_founders))

    mean = commands.add_parser(
        "mean-kinship",
        help="each animal's mean kinship to a population (CSV id,mean_kinship in input order)",
    )
    mean.add_argument("file")
    mean.add_argument(
        "--population",
        metavar="IDS",
        help="comma-separated ids of the reference population (default: animals without offspring)",
    )
    mean.add_argument("--json", action="store_true", help="write a JSON object instead")
    mean.set_defaults(func=_pipe_safe(run_mean_kinship))

    chart = commands.add_parser(
        "chart", help="draw an animal's pedigree chart (SVG, PNG or PDF by the output's suffix)"
    )
    chart.add_argument("file")
    chart.add_argument("animal", metavar="ID")
    chart.add_argument("--generations", type=int, default=4, metavar="N", help="1 to 6 (default 4)")
    chart.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="the file to write (.svg, .png, .pdf); default: SVG on stdout",
    )
    chart.add_argument("--dark", action="store_true", help="the dark theme")
    chart.set_defaults(func=_pipe_safe(run_chart))


def _animals(pedigree: Pedigree, ids: list[str], path: str) -> bool:
    """Whether every id is in the pedigree; each one that is not gets an error line."""
    unknown = [x for x in ids if x not in pedigree]
    for x in unknown:
        _error(f"no animal {x!r} in {path}")
    return not unknown


def _write_column(column: str, rows: Iterable[tuple[str, object]], *, as_json: bool) -> int:
    """One value per animal: a JSON object, or CSV ``id,<column>`` (values as ``repr``)."""
    if as_json:
        _write_json(dict(rows))
        return 0
    lines = [f"id,{column}", *(f"{_csv_cell(x)},{value!r}" for x, value in rows)]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def run_walk(args: argparse.Namespace) -> int:
    """``reptidex pedigree ancestors|descendants FILE ID [--generations N] [--json]``: nearest
    first, then in the pedigree's order (parents before offspring)."""
    if args.generations is not None and args.generations < 1:
        _error("--generations must be at least 1")
        return 2
    pedigree = _load(args.file)
    if pedigree is None or not _animals(pedigree, [args.animal], args.file):
        return 1
    walk = ancestors if args.direction == "ancestors" else descendants
    found = walk(pedigree, args.animal, args.generations)
    ordered = sorted(found.items(), key=lambda item: (item[1], pedigree.index(item[0])))
    return _write_column("generation", ordered, as_json=args.json)


def run_relationship(args: argparse.Namespace) -> int:
    """``reptidex pedigree relationship FILE A B [--json]``: B's relationship to A in words,
    and their kinship."""
    pedigree = _load(args.file)
    a, b = args.animals
    if pedigree is None or not _animals(pedigree, [a, b], args.file):
        return 1
    words = relationship(pedigree, a, b)
    value = kinship(pedigree, a, b)
    if args.json:
        _write_json({"a": a, "b": b, "relationship": words, "kinship": value})
        return 0
    said = words if words is not None else "unrelated (no common ancestor)"
    print(f"{b} to {a}: {said}; kinship {value!r}")
    return 0


def run_founders(args: argparse.Namespace) -> int:
    """``reptidex pedigree founders FILE [--json]``: each founder (both parents unknown) and
    half-founder with its expected share of the genes of the animals without offspring,
    largest first; founders with no share left are listed with 0."""
    pedigree = _load(args.file)
    if pedigree is None:
        return 1
    shares = founder_contributions(pedigree) if len(pedigree) else {}
    rows = dict.fromkeys(founders(pedigree), 0.0) | shares
    ordered = sorted(rows.items(), key=lambda item: (-item[1], pedigree.index(item[0])))
    return _write_column("contribution", ordered, as_json=args.json)


def run_mean_kinship(args: argparse.Namespace) -> int:
    """``reptidex pedigree mean-kinship FILE [--population IDS] [--json]``, in input order."""
    pedigree = _load(args.file)
    if pedigree is None:
        return 1
    population = None
    if args.population is not None:
        population = [x.strip() for x in args.population.split(",") if x.strip()]
        if not population:
            _error("--population names no animal")
            return 2
        if not _animals(pedigree, population, args.file):
            return 1
    table = inbreeding(pedigree, progress=_progress(pedigree, "inbreeding"))
    values = mean_kinship(pedigree, population, inbreeding=table).array
    column = values[pedigree.record_index].tolist()
    return _write_column(
        "mean_kinship", zip(pedigree.record_order, column, strict=True), as_json=args.json
    )


def run_chart(args: argparse.Namespace) -> int:
    """``reptidex pedigree chart FILE ID [--generations N] [-o OUT] [--dark]``."""
    if not 1 <= args.generations <= 6:
        _error("--generations must be between 1 and 6")
        return 2
    output = None if args.output in (None, "-") else Path(args.output)
    chart_format: ChartFormat | None = (
        "svg" if output is None else CHART_SUFFIXES.get(output.suffix.lower())
    )
    if chart_format is None:
        _error(f"cannot tell the format of {args.output}: name it .svg, .png or .pdf")
        return 2
    pedigree = _load(args.file)
    if pedigree is None or not _animals(pedigree, [args.animal], args.file):
        return 1
    from reptidex.adapters.render.pedigree_files import pedigree_chart
    from reptidex.domain.media.rendering import Theme

    theme = Theme(mode="dark") if args.dark else Theme()
    content = pedigree_chart(
        pedigree, args.animal, generations=args.generations, format=chart_format, theme=theme
    )
    if output is None:
        sys.stdout.buffer.write(content)
        return 0
    try:
        output.write_bytes(content)
    except OSError as error:
        _error(f"cannot write {output}: {error.strerror or error}")
        return 1
    print(f"wrote {output} ({len(content):,} bytes)", file=sys.stderr)
    return 0
