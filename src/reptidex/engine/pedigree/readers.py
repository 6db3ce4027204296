"""Readers and converters: CSV/TSV files and networkx graphs to and from pedigrees.

These are the only functions of the pedigree engine that touch files, and only the
files they are given.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
from collections.abc import Iterable, Iterator
from types import MappingProxyType

import networkx as nx

from reptidex.engine.pedigree.model import Animal, Pedigree, PedigreeError, Sex
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
    reader = csv.reader(_chain(first, iterator), delimiter=delimiter)
    try:
        return _parse_rows(reader)
    except csv.Error as error:
        raise PedigreeError(
            [PedigreeProblem("bad-row", f"line {reader.line_num}: {error}", ())]
        ) from None


def _parse_rows(reader: Iterator[list[str]]) -> list[Animal]:
    header = next(reader)
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
    width = len(header)
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


def _chain(first: str, rest: Iterable[str]) -> Iterable[str]:
    yield first
    yield from rest


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


def read_csv(path: str | os.PathLike[str]) -> Pedigree:
    """Read a CSV or TSV pedigree file into a :class:`Pedigree`.

    Parameters
    ----------
    path : str or path-like
        Header with ``id``, ``sire`` and ``dam`` (or ``father``/``mother``); optional
        ``sex`` and ``hatched``; any other columns are kept as attributes.

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
        When parents are referenced but not listed; they become founders.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "p.tsv")
    ...     _ = path.write_text("id\\tsire\\tdam\\nS\\t0\\t0\\nD\\t0\\t0\\nK\\tS\\tD\\n")
    ...     read_csv(path).parents("K")
    ('S', 'D')
    """
    return Pedigree(read_records(path))


def parse_csv(text: str) -> Pedigree:
    """Build a :class:`Pedigree` from CSV or TSV text (see :func:`read_csv`).

    Examples
    --------
    >>> parse_csv("id,sire,dam\\nS,,\\nD,,\\nK,S,D\\n").ids
    ('S', 'D', 'K')
    """
    return Pedigree(parse_records(io.StringIO(text)))


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
