"""Readers and converters: CSV/TSV files and networkx graphs to and from pedigrees.

These are the only functions of the pedigree engine that touch files, and only the
files they are given.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import gc
import io
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from types import MappingProxyType
from typing import Any

import networkx as nx

from reptidex.engine.pedigree.model import (
    Animal,
    MissingParents,
    Pedigree,
    PedigreeError,
    Sex,
)
from reptidex.engine.pedigree.validation import PedigreeProblem

__all__ = ["from_graph", "parse_csv", "parse_records", "read_csv", "read_records", "to_graph"]

UNKNOWN_PARENT = frozenset({"", "0", "na", "nan", ".", "none", "null", "unknown"})
_ID = ("id", "animal", "individual", "ind")
_SIRE = ("sire", "father", "fid")
_DAM = ("dam", "mother", "mid")
_HATCHED = ("hatched", "hatch_date", "hatchdate", "birth", "birthdate", "born", "dob")


def _pick(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def parse_records(lines: Iterable[str], *, delimiter: str | None = None) -> list[Animal]:
    """Parse pedigree rows (a header line, then one animal per line) into records.

    The header must name ``id``, ``sire`` and ``dam`` columns (``father``/``mother``
    are accepted); ``sex`` and ``hatched`` (or ``birth``, ``dob`` …) are optional and
    other columns are kept as attributes. An unknown parent is written as empty, ``0``,
    ``NA`` or ``.``.

    Parameters
    ----------
    lines : iterable of str
        The text, line by line.
    delimiter : str, optional
        Column separator; by default a tab if the header holds one, else a comma
        (or semicolon if the header holds one and no comma).

    Returns
    -------
    list of Animal
        In the order of the rows.

    Raises
    ------
    PedigreeError
        Listing every malformed row (missing columns, empty id, unreadable date).

    Examples
    --------
    >>> rows = ["id,father,mother,sex", "S,,,m", "D,NA,.,f", "K,S,D,"]
    >>> [(a.id, a.sire, a.dam, a.sex.value) for a in parse_records(rows)][-1]
    ('K', 'S', 'D', 'unknown')
    """
    reader = _csv_reader(lines, delimiter)
    try:
        return _parse_rows(reader)
    except csv.Error as error:
        raise PedigreeError(
            [PedigreeProblem("bad-row", f"line {reader.line_num}: {error}", ())]
        ) from None


def _csv_reader(lines: Iterable[str], delimiter: str | None) -> Any:
    """A csv reader over ``lines``, the separator guessed from the header if not given."""
    iterator = iter(lines)
    try:
        first = next(iterator)
    except StopIteration:
        raise PedigreeError([PedigreeProblem("bad-row", "the file is empty", ())]) from None
    first = first.lstrip("\ufeff")
    if delimiter is None:
        if "\t" in first:
            delimiter = "\t"
        elif ";" in first and "," not in first:
            delimiter = ";"
        else:
            delimiter = ","
    return csv.reader(chain((first,), iterator), delimiter=delimiter)


# Rows are turned into columns this many at a time: few Python steps per row, and the
# row lists of only one batch alive at once.
_BATCH = 50_000


@dataclass(slots=True)
class _Columns:
    """The cleaned columns of a pedigree file (see :func:`_parse_columns`)."""

    ids: list[str] = field(default_factory=list)
    sires: list[str | None] = field(default_factory=list)
    dams: list[str | None] = field(default_factory=list)
    sexes: list[Sex] | None = None
    hatched: list[_dt.date | None] | None = None
    attributes: list[Mapping[str, str]] | None = None

    def pedigree(self, missing_parents: MissingParents) -> Pedigree:
        return Pedigree.from_columns(
            self.ids,
            self.sires,
            self.dams,
            self.sexes,
            self.hatched,
            self.attributes,
            missing_parents=missing_parents,
        )


def _cleaned_parents(column: Sequence[str]) -> list[str | None]:
    """Strip parent names and turn the spellings of "unknown" into ``None``."""
    fixes: dict[str, str | None] = {}
    for value in set(column):
        text = value.strip()
        if text.lower() in UNKNOWN_PARENT:
            fixes[value] = None
        elif text != value:
            fixes[value] = text
    if not fixes:
        return list(column)
    return list(map(fixes.get, column, column))


def _parse_columns(lines: Iterable[str], delimiter: str | None) -> _Columns:
    """Parse a pedigree file column-wise: the same results and errors as
    :func:`parse_records`, with the per-row work done in C (csv, ``zip``, ``map``)."""
    reader = _csv_reader(lines, delimiter)
    try:
        return _fill_columns(reader)
    except csv.Error as error:
        raise PedigreeError(
            [PedigreeProblem("bad-row", f"line {reader.line_num}: {error}", ())]
        ) from None


def _fill_columns(reader: Iterator[list[str]]) -> _Columns:
    layout = _layout(next(reader))
    width = layout.width
    out = _Columns()
    if layout.sex is not None:
        out.sexes = []
    if layout.hatched is not None:
        out.hatched = []
    if layout.extra:
        out.attributes = []
    sex_of: dict[str, Sex] = {}
    date_of: dict[str, _dt.date | None] = {"": None}
    bad_dates: set[str] = set()
    problems: list[tuple[int, PedigreeProblem]] = []
    next_line = 2
    while batch := list(islice(reader, _BATCH)):
        first_line = next_line
        next_line += len(batch)
        if set(map(len, batch)) == {width}:
            line_of: Sequence[int] = range(first_line, first_line + len(batch))
            rows = batch
        else:  # blank rows are skipped, short rows padded, long rows cut
            kept = [
                (first_line + k, row)
                for k, row in enumerate(batch)
                if row and not (len(row) == 1 and not row[0].strip())
            ]
            if not kept:
                continue
            line_of = [k for k, _ in kept]
            rows = [(row + [""] * (width - len(row)))[:width] for _, row in kept]
        columns = list(zip(*rows, strict=True))
        ids = list(map(str.strip, columns[layout.id]))
        if "" in ids:
            for k, ident in enumerate(ids):
                if not ident:
                    line = line_of[k]
                    problems.append(
                        (line, PedigreeProblem("bad-row", f"line {line}: the id is empty", ()))
                    )
        out.ids.extend(ids)
        out.sires.extend(_cleaned_parents(columns[layout.sire]))
        out.dams.extend(_cleaned_parents(columns[layout.dam]))
        if out.sexes is not None and layout.sex is not None:
            column = columns[layout.sex]
            for value in set(column) - sex_of.keys():
                sex_of[value] = Sex.parse(value)
            out.sexes.extend(map(sex_of.__getitem__, column))
        if out.hatched is not None and layout.hatched is not None:
            column = columns[layout.hatched]
            for value in set(column) - date_of.keys() - bad_dates:
                try:
                    text = value.strip()
                    date_of[value] = _dt.date.fromisoformat(text) if text else None
                except ValueError:
                    bad_dates.add(value)
            if bad_dates and not bad_dates.isdisjoint(column):
                for k, value in enumerate(column):
                    if value in bad_dates and ids[k]:
                        line = line_of[k]
                        message = (
                            f"line {line}: cannot read the date {value!r} of {ids[k]} "
                            "(expected YYYY-MM-DD)"
                        )
                        problems.append((line, PedigreeProblem("bad-row", message, (ids[k],))))
            days = list(map(date_of.get, column))
            out.hatched.extend(days)
        if out.attributes is not None:
            names = [name for _, name in layout.extra]
            values = zip(*(columns[k] for k, _ in layout.extra), strict=True)
            out.attributes.extend(
                MappingProxyType(dict(zip(names, v, strict=True))) for v in values
            )
    if problems:
        problems.sort(key=lambda item: item[0])  # by line, as the row-by-row parser
        raise PedigreeError([problem for _, problem in problems])
    return out


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where the columns of a pedigree file are."""

    id: int
    sire: int
    dam: int
    sex: int | None
    hatched: int | None
    extra: list[tuple[int, str]]
    width: int


def _layout(header: list[str]) -> _Layout:
    cols = [_pick(header, names) for names in (_ID, _SIRE, _DAM)]
    missing = [name for name, c in zip(("id", "sire", "dam"), cols, strict=True) if c is None]
    if missing:
        raise PedigreeError(
            [
                PedigreeProblem(
                    "bad-row",
                    f"line 1: the header has no {' or '.join(missing)} column "
                    f"(found: {', '.join(header) or 'nothing'})",
                    (),
                )
            ]
        )
    i_id, i_sire, i_dam = (c for c in cols if c is not None)
    i_sex = _pick(header, ("sex", "gender"))
    i_hatched = _pick(header, _HATCHED)
    used = {i_id, i_sire, i_dam, i_sex, i_hatched}
    extra = [(k, h.strip()) for k, h in enumerate(header) if k not in used]
    return _Layout(i_id, i_sire, i_dam, i_sex, i_hatched, extra, len(header))


def _parse_rows(reader: Iterator[list[str]]) -> list[Animal]:
    layout = _layout(next(reader))
    i_id, i_sire, i_dam = layout.id, layout.sire, layout.dam
    i_sex, i_hatched, extra, width = layout.sex, layout.hatched, layout.extra, layout.width
    animals: list[Animal] = []
    problems: list[PedigreeProblem] = []
    for line_no, row in enumerate(reader, start=2):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) < width:
            row = row + [""] * (width - len(row))
        ident = row[i_id].strip()
        if not ident:
            problems.append(PedigreeProblem("bad-row", f"line {line_no}: the id is empty", ()))
            continue
        sire = row[i_sire].strip()
        dam = row[i_dam].strip()
        hatched = None
        if i_hatched is not None and row[i_hatched].strip():
            try:
                hatched = _dt.date.fromisoformat(row[i_hatched].strip())
            except ValueError:
                problems.append(
                    PedigreeProblem(
                        "bad-row",
                        f"line {line_no}: cannot read the date {row[i_hatched]!r} of {ident} "
                        "(expected YYYY-MM-DD)",
                        (ident,),
                    )
                )
        animals.append(
            Animal(
                ident,
                None if sire.lower() in UNKNOWN_PARENT else sire,
                None if dam.lower() in UNKNOWN_PARENT else dam,
                Sex.parse(row[i_sex]) if i_sex is not None else Sex.UNKNOWN,
                hatched,
                MappingProxyType({name: row[k] for k, name in extra}) if extra else _EMPTY,
            )
        )
    if problems:
        raise PedigreeError(problems)
    return animals


_EMPTY: MappingProxyType[str, str] = MappingProxyType({})


def read_records(path: str | os.PathLike[str]) -> list[Animal]:
    """Read the records of a CSV or TSV pedigree file without building the pedigree.

    Useful to report every problem of a file (see
    :func:`~reptidex.engine.pedigree.find_problems`).

    Parameters
    ----------
    path : str or path-like
        The file; a ``.tsv`` or ``.tab`` suffix, or a tab in the header, means tabs.

    Returns
    -------
    list of Animal

    Raises
    ------
    OSError
        If the file cannot be read.
    PedigreeError
        If rows are malformed (see :func:`parse_records`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "p.csv")
    ...     _ = path.write_text("id,sire,dam\\nA,,\\n")
    ...     [a.id for a in read_records(path)]
    ['A']
    """
    suffix = os.fspath(path).lower().rsplit(".", 1)[-1]
    delimiter = "\t" if suffix in {"tsv", "tab"} else None
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return parse_records(handle, delimiter=delimiter)


def read_csv(
    path: str | os.PathLike[str],
    *,
    progress: Callable[[int, int], None] | None = None,
    missing_parents: MissingParents = "warn",
) -> Pedigree:
    """Read a CSV or TSV pedigree file into a :class:`Pedigree`.

    The rows are parsed column-wise and the pedigree built with
    :meth:`Pedigree.from_columns`, so a file of a million animals is read in a few
    seconds; the checks, warnings and error messages are those of
    ``Pedigree(read_records(path))``.

    Parameters
    ----------
    path : str or path-like
        Header with ``id``, ``sire`` and ``dam`` (or ``father``/``mother``); optional
        ``sex`` and ``hatched``; any other columns are kept as attributes.
    progress : callable, optional
        Called as ``progress(done, total)`` while reading, with the characters read so
        far and the file size in bytes (equal at the end).
    missing_parents : {"warn", "founders", "unknown"}
        What a parent that is referenced but not listed becomes (see :class:`Pedigree`).

    Returns
    -------
    Pedigree

    Raises
    ------
    OSError
        If the file cannot be read.
    PedigreeError
        With every problem of the file (malformed rows, or see :class:`Pedigree`).

    Warns
    -----
    MissingParentWarning
        When parents are referenced but not listed, with ``missing_parents="warn"``;
        they become founders.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "p.tsv")
    ...     _ = path.write_text("id\\tsire\\tdam\\nS\\t0\\t0\\nD\\t0\\t0\\nK\\tS\\tD\\n")
    ...     read_csv(path).parents("K")
    ('S', 'D')
    """
    suffix = os.fspath(path).lower().rsplit(".", 1)[-1]
    delimiter = "\t" if suffix in {"tsv", "tab"} else None
    total = os.path.getsize(path)
    with open(path, encoding="utf-8-sig", newline="") as handle, _collector_paused():
        columns = _parse_columns(_progress_lines(handle, total, progress), delimiter)
    if progress is not None:
        progress(total, total)
    return columns.pedigree(missing_parents)


def _progress_lines(
    handle: io.TextIOBase, total: int, progress: Callable[[int, int], None] | None
) -> Iterator[str]:
    """The lines of ``handle``, reporting the characters read so far against ``total``."""

    def blocks() -> Iterator[list[str]]:
        done = 0
        while block := handle.readlines(1 << 20):
            if progress is not None:
                done += sum(map(len, block))
                progress(min(done, total), total)
            yield block

    return chain.from_iterable(blocks())  # lines handed on in C, one Python step a block


def parse_csv(text: str, *, missing_parents: MissingParents = "warn") -> Pedigree:
    """Build a :class:`Pedigree` from CSV or TSV text (see :func:`read_csv`).

    Examples
    --------
    >>> parse_csv("id,sire,dam\\nS,,\\nD,,\\nK,S,D\\n").ids
    ('S', 'D', 'K')
    >>> parse_csv("id,sire,dam\\nK,S,D\\n", missing_parents="founders").ids
    ('S', 'D', 'K')
    """
    with _collector_paused():
        columns = _parse_columns(io.StringIO(text), None)
    return columns.pedigree(missing_parents)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while rows are parsed.

    Parsing allocates a list per row; none of them forms a cycle, but every few
    thousand allocations the collector would walk the ever larger set of live
    containers, which costs more than the parsing itself on large files (about 3x on a
    million rows). Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def to_graph(pedigree: Pedigree) -> nx.DiGraph[str]:
    """Return the pedigree as a networkx DiGraph with an edge from each parent to each child.

    Nodes carry ``sex`` (a string), ``hatched`` when known and the extra attributes;
    edges carry ``role`` (``"sire"`` or ``"dam"``).

    Parameters
    ----------
    pedigree : Pedigree

    Returns
    -------
    networkx.DiGraph

    Examples
    --------
    >>> g = to_graph(parse_csv("id,sire,dam\\nS,,\\nD,,\\nK,S,D\\n"))
    >>> sorted(g.predecessors("K")), g.edges["S", "K"]["role"]
    (['D', 'S'], 'sire')
    """
    graph: nx.DiGraph[str] = nx.DiGraph()
    for animal in pedigree.animals:
        attrs: dict[str, object] = dict(animal.attributes)
        attrs["sex"] = animal.sex.value
        if animal.hatched is not None:
            attrs["hatched"] = animal.hatched
        graph.add_node(animal.id, **attrs)
        if animal.sire is not None:
            graph.add_edge(animal.sire, animal.id, role="sire")
        if animal.dam is not None:
            graph.add_edge(animal.dam, animal.id, role="dam")
    return graph


def from_graph(graph: nx.DiGraph[str]) -> Pedigree:
    """Build a :class:`Pedigree` from a DiGraph with edges from parent to child.

    Each edge needs ``role`` set to ``"sire"`` or ``"dam"``, unless the parent node has
    ``sex`` ``"male"``/``"female"``. Node attributes ``sex`` and ``hatched`` are read;
    other node attributes become string attributes.

    Parameters
    ----------
    graph : networkx.DiGraph

    Returns
    -------
    Pedigree

    Raises
    ------
    PedigreeError
        If a node has more than two parents, two parents in one role, a parent whose
        role cannot be told, or the pedigree has problems (see :class:`Pedigree`).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([("S", "K", {"role": "sire"}), ("D", "K", {"role": "dam"})])
    >>> from_graph(g).parents("K")
    ('S', 'D')
    """
    problems: list[PedigreeProblem] = []
    animals = []
    for node, data in graph.nodes(data=True):
        parents: dict[str, str] = {}
        for parent in graph.predecessors(node):
            role = graph.edges[parent, node].get("role")
            if role is None:
                sex = Sex.parse(str(graph.nodes[parent].get("sex", "")))
                role = {"male": "sire", "female": "dam"}.get(sex.value)
            if role not in {"sire", "dam"}:
                problems.append(
                    PedigreeProblem(
                        "bad-row", f"cannot tell whether {parent} is sire or dam of {node}", ()
                    )
                )
            elif role in parents:
                problems.append(
                    PedigreeProblem("bad-row", f"{node} has two parents recorded as {role}", ())
                )
            else:
                parents[str(role)] = str(parent)
        hatched = data.get("hatched")
        if isinstance(hatched, str):
            hatched = _dt.date.fromisoformat(hatched)
        extra = {str(k): str(v) for k, v in data.items() if k not in {"sex", "hatched"}}
        animals.append(
            Animal(
                str(node),
                parents.get("sire"),
                parents.get("dam"),
                Sex.parse(str(data["sex"])) if "sex" in data else Sex.UNKNOWN,
                hatched if isinstance(hatched, _dt.date) else None,
                MappingProxyType(extra),
            )
        )
    if problems:
        raise PedigreeError(problems)
    return Pedigree(animals)
