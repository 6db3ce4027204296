"""The ``reptidex`` command line: one entry point, one sub-command module per area.

Each area module exposes ``register(subparsers)``, which adds its commands and sets
``func`` on each parser to a callable ``func(args) -> int`` returning the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Iterable, Sequence

from reptidex import __version__

AREAS = {
    "platform": ("up", "serve", "db"),
    "settings": ("settings",),
    "admin": ("admin",),
    "billing": ("billing",),
    "audit": ("audit",),
    "search": ("search",),
    "monitoring": ("monitoring",),
    "genetics": ("genetics",),
    "pedigree": ("pedigree",),
}
"""Each area module of this package and the top-level commands it registers, in help order: a
command imports its own area alone (``reptidex genetics cross`` loads neither the services
nor the web framework), so it starts quickly."""


def build_parser(areas: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """Build the top-level parser with the sub-commands of ``areas`` (every area by default).

    Each command's arguments land on the namespace, with ``func`` the function to run:

    >>> args = build_parser().parse_args(["pedigree", "kinship", "herd.csv", "K1", "K2"])
    >>> args.command, args.pedigree_command, args.file, args.animals
    ('pedigree', 'kinship', 'herd.csv', ['K1', 'K2'])
    >>> args = build_parser(["genetics"]).parse_args(
    ...     ["genetics", "cross", "--species", "ball_python", "Pastel het Clown", "Clown"]
    ... )
    >>> args.sire, args.dam, args.viable_only
    ('Pastel het Clown', 'Clown', False)
    """
    parser = argparse.ArgumentParser(
        prog="reptidex",
        description="ReptiDex: the platform for reptile breeders, and its genetics and pedigree engine.",
    )
    parser.add_argument("--version", action="version", version=f"reptidex {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for area in AREAS if areas is None else areas:
        importlib.import_module(f"reptidex.cli.{area}").register(subparsers)
    return parser


def area_of(argv: Sequence[str]) -> str | None:
    """The area of the command ``argv`` names (its first word that is not an option), or None
    when it names none this command line knows (the whole parser then answers).

    >>> area_of(["genetics", "cross", "Pastel", "Normal"]), area_of(["db", "upgrade"])
    ('genetics', 'platform')
    >>> area_of(["--help"]) is None, area_of(["nonsense"]) is None
    (True, True)
    """
    first = next((word for word in argv if not word.startswith("-")), None)
    return next((area for area, commands in AREAS.items() if first in commands), None)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line and exit with the command's status."""
    words = list(sys.argv[1:] if argv is None else argv)
    area = area_of(words)
    parser = build_parser(None if area is None else [area])
    args = parser.parse_args(words)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        sys.exit(2)
    try:
        status = func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error, and no traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 0
    except KeyboardInterrupt:
        status = 130
    sys.exit(status)
