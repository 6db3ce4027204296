"""The ``reptidex`` command line: one entry point, one sub-command module per area.

Each area module exposes ``register(subparsers)``, which adds its commands and sets
``func`` on each parser to a callable ``func(args) -> int`` returning the exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from reptidex import __version__


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every area's sub-commands.

    Each command's arguments land on the namespace, with ``func`` the function to run:

    >>> args = build_parser().parse_args(["pedigree", "kinship", "herd.csv", "K1", "K2"])
    >>> args.command, args.pedigree_command, args.file, args.animals
    ('pedigree', 'kinship', 'herd.csv', ['K1', 'K2'])
    >>> args = build_parser().parse_args(
    ...     ["genetics", "cross", "--species", "ball_python", "Pastel het Clown", "Clown"]
    ... )
    >>> args.sire, args.dam, args.viable_only
    ('Pastel het Clown', 'Clown', False)
    """
    from reptidex.cli import (
        admin,
        audit,
        billing,
        genetics,
        monitoring,
        pedigree,
        platform,
        search,
        settings,
    )

    parser = argparse.ArgumentParser(
        prog="reptidex",
        description="ReptiDex: the platform for reptile breeders, and its genetics and pedigree engine.",
    )
    parser.add_argument("--version", action="version", version=f"reptidex {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for area in (platform, settings, admin, billing, audit, search, monitoring, genetics, pedigree):
        area.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line and exit with the command's status."""
    parser = build_parser()
    args = parser.parse_args(argv)
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
