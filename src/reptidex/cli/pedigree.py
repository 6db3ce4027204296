"""``reptidex pedigree`` commands: check, inbreeding, kinship, stats (and, from
:mod:`reptidex.cli.pedigree_relatives`, the commands about relatives and charts)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any, TextIO

from reptidex.engine.pedigree import (
    MissingParentWarning,
    Pedigree,
    PedigreeError,
    find_problems,
    inbreeding,
    kinship,
    kinship_matrix,
    missing_parents,
    read_csv,
    read_records,
    summarize,
)

# Inputs at least this large get a progress bar (when stderr is a terminal): animals for
# the computations, bytes for reading the file (about 100,000 rows).
LARGE_INPUT = 100_000
LARGE_FILE = 2_500_000


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the pedigree commands."""
    parser = subparsers.add_parser(
        "pedigree",
        help="check pedigrees, compute inbreeding and kinship",
        description="Pedigree files are CSV or TSV with a header naming id, sire and dam "
        "(father/mother accepted); an unknown parent is empty, 0, NA or '.'.",
    )
    commands = parser.add_subparsers(dest="pedigree_command", metavar="COMMAND")
    parser.set_defaults(func=lambda _args: _usage(parser))

    check = commands.add_parser("check", help="report every problem of a pedigree file")
    check.add_argument("file")
    check.set_defaults(func=_pipe_safe(run_check))

    inbred = commands.add_parser(
        "inbreeding", help="inbreeding coefficient of every animal (CSV id,F in input order)"
    )
    inbred.add_argument("file")
    inbred.add_argument("--json", action="store_true", help="write a JSON object instead")
    inbred.set_defaults(func=_pipe_safe(run_inbreeding))

    kin = commands.add_parser(
        "kinship", help="kinship of two animals, or the kinship matrix of several"
    )
    kin.add_argument("file")
    kin.add_argument("animals", nargs="*", metavar="ID", help="two animal ids")
    kin.add_argument("--ids", help="comma-separated ids: print their kinship matrix as CSV")
    kin.set_defaults(func=_pipe_safe(run_kinship))

    stats = commands.add_parser(
        "stats", help="size, depth, founders, completeness, mean and highest inbreeding"
    )
    stats.add_argument("file")
    stats.add_argument("--json", action="store_true", help="write a JSON object instead")
    stats.set_defaults(func=_pipe_safe(run_stats))

    from reptidex.cli.pedigree_relatives import register as register_relatives

    register_relatives(commands)


def _pipe_safe(command: Callable[[argparse.Namespace], int]) -> Callable[..., int]:
    """Wrap a command so that a closed pipe (``| head``) ends it quietly."""

    def run(args: argparse.Namespace) -> int:
        try:
            code = command(args)
            sys.stdout.flush()
        except BrokenPipeError:
            # the reader went away: send the rest of the output nowhere, as the docs advise
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 1
        return code

    run.__doc__ = command.__doc__
    return run


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


class ProgressBar:
    """A one-line progress bar on a terminal stream; silent when the stream is not a tty."""

    def __init__(self, label: str, stream: TextIO | None = None, *, enabled: bool = True):
        self._stream = stream if stream is not None else sys.stderr
        self._label = label
        self._enabled = enabled and self._stream.isatty()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self._enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        width = 30
        filled = int(width * done / max(total, 1))
        percent = 100 * done / max(total, 1)
        self._stream.write(
            f"\r{self._label} [{'#' * filled}{'.' * (width - filled)}] {percent:5.1f}%"
        )
        if done >= total:
            self._stream.write("\n")
        self._stream.flush()


def _load(path: str) -> Pedigree | None:
    """Read and build a pedigree, reporting problems on stderr; ``None`` on failure.

    Large files get a progress bar for the reading too (when stderr is a terminal).
    """
    try:
        size = os.path.getsize(path)
    except OSError as error:
        _error(f"cannot read {path}: {error.strerror or error}")
        return None
    progress = ProgressBar("reading") if size >= LARGE_FILE else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MissingParentWarning)
        try:
            pedigree = read_csv(path, progress=progress)
        except OSError as error:
            _error(f"cannot read {path}: {error.strerror or error}")
            return None
        except UnicodeDecodeError:
            _error(f"cannot read {path}: not UTF-8 text")
            return None
        except PedigreeError as error:
            for problem in error.problems:
                _error(problem.message)
            return None
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    return pedigree


def _progress(pedigree: Pedigree, label: str) -> Callable[[int, int], None] | None:
    return ProgressBar(label) if len(pedigree) >= LARGE_INPUT else None


def run_check(args: argparse.Namespace) -> int:
    """``reptidex pedigree check FILE``: every problem on its own line; exit 1 if any."""
    try:
        size = os.path.getsize(args.file)
        progress = ProgressBar("reading") if size >= LARGE_FILE else None
        # the parents referenced but not listed get a line each below, not the one warning
        pedigree = read_csv(args.file, progress=progress, missing_parents="founders")
    except (OSError, UnicodeDecodeError, PedigreeError):
        return _check_record_by_record(args.file)  # words every problem, as before
    # a sound file: only the parents referenced but not listed are worth a line
    listed = set(pedigree.record_order)
    for parent in (x for x in pedigree.ids if x not in listed):
        print(
            f"warning: {parent} is referenced as a parent but not listed; taken as a founder",
            file=sys.stderr,
        )
    print(f"ok: {len(listed)} animals, no problems")
    return 0


def _check_record_by_record(path: str) -> int:
    try:
        records = read_records(path)
    except OSError as error:
        _error(f"cannot read {path}: {error.strerror or error}")
        return 1
    except UnicodeDecodeError:
        _error(f"cannot read {path}: not UTF-8 text")
        return 1
    except PedigreeError as error:
        for problem in error.problems:
            _error(problem.message)
        return 1
    problems = find_problems(records)
    for problem in problems:
        _error(problem.message)
    for parent in missing_parents(records):
        print(
            f"warning: {parent} is referenced as a parent but not listed; taken as a founder",
            file=sys.stderr,
        )
    if problems:
        print(f"{len(problems)} problem(s) in {path}", file=sys.stderr)
        return 1
    print(f"ok: {len(records)} animals, no problems")
    return 0


def run_inbreeding(args: argparse.Namespace) -> int:
    """``reptidex pedigree inbreeding FILE [--json]``."""
    pedigree = _load(args.file)
    if pedigree is None:
        return 1
    table = inbreeding(pedigree, progress=_progress(pedigree, "inbreeding"))
    order = pedigree.record_order
    values = table.array[pedigree.record_index].tolist()
    out = sys.stdout
    if args.json:
        _write_json(dict(zip(order, values, strict=True)))
        return 0
    names = _csv_cells(order)
    out.write("id,F\n")
    for start in range(0, len(names), 100_000):  # in pieces: bounded memory
        stop = start + 100_000
        rows = map("{},{!r}\n".format, names[start:stop], values[start:stop])
        out.write("".join(rows))
    return 0


def _write_json(value: object) -> None:
    json.dump(value, sys.stdout, indent=1)
    sys.stdout.write("\n")


def _csv_cells(texts: tuple[str, ...]) -> list[str]:
    """``texts`` as CSV cells; checked all at once, since ids rarely need quotes."""
    joined = "\n".join(texts)
    if not any(c in joined for c in ',"\r') and joined.count("\n") == len(texts) - 1:
        return list(texts)
    return [_csv_cell(text) for text in texts]


def _csv_cell(text: str) -> str:
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def run_kinship(args: argparse.Namespace) -> int:
    """``reptidex pedigree kinship FILE A B`` or ``... FILE --ids A,B,C``."""
    if args.ids is not None and args.animals:
        _error("give either two ids or --ids, not both")
        return 2
    if args.ids is None and len(args.animals) != 2:
        _error("give two animal ids (or --ids A,B,C for a matrix)")
        return 2
    pedigree = _load(args.file)
    if pedigree is None:
        return 1
    ids = [x.strip() for x in args.ids.split(",") if x.strip()] if args.ids else args.animals
    unknown = [x for x in ids if x not in pedigree]
    for x in unknown:
        _error(f"no animal {x!r} in {args.file}")
    if unknown:
        return 1
    if args.ids is None:
        print(repr(kinship(pedigree, ids[0], ids[1])))
        return 0
    matrix = kinship_matrix(pedigree, ids)
    lines = ["," + ",".join(_csv_cell(x) for x in ids)]
    for x, row in zip(ids, matrix.tolist(), strict=True):
        lines.append(_csv_cell(x) + "," + ",".join(repr(v) for v in row))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    """``reptidex pedigree stats FILE [--json]``."""
    pedigree = _load(args.file)
    if pedigree is None:
        return 1
    table = inbreeding(pedigree, progress=_progress(pedigree, "inbreeding"))
    s = summarize(pedigree, inbreeding=table)
    if args.json:
        _write_json(dataclasses.asdict(s))
        return 0
    rows = [
        ("animals", str(s.animals)),
        ("founders", str(s.founders)),
        ("generations (deepest)", str(s.generations)),
        ("mean completeness (MacCluer, 5 generations)", f"{s.mean_completeness:.4f}"),
        ("mean equivalent complete generations", f"{s.mean_equivalent_generations:.4f}"),
        ("inbred animals", str(s.inbred)),
        ("mean F", f"{s.mean_inbreeding:.6f}"),
        (
            "highest F",
            f"{s.highest_inbreeding:.6f}" + (f" ({s.most_inbred})" if s.most_inbred else ""),
        ),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key + ':':<{width + 1}} {value}")
    return 0
