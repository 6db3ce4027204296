"""Checks that a set of pedigree records makes sense, reporting every problem at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from reptidex.engine.pedigree.model import Animal

__all__ = ["PedigreeProblem", "find_cycles", "find_problems", "missing_parents"]


@dataclass(frozen=True, slots=True)
class PedigreeProblem:
    """One problem found in pedigree records.

    Attributes
    ----------
    code : str
        A stable key: ``duplicate-id``, ``own-parent``, ``sire-and-dam``,
        ``sex-mismatch``, ``hatch-order``, ``cycle``, ``unknown-parent``, ``bad-index``
        or, from readers, ``bad-row``.
    message : str
        A sentence a person can act on.
    animals : tuple of str
        The animals concerned (for a cycle, the animals on it, in order).

    Examples
    --------
    >>> PedigreeProblem("own-parent", "A is recorded as its own parent", ("A",)).code
    'own-parent'
    """

    code: str
    message: str
    animals: tuple[str, ...]


def find_problems(animals: Sequence[Animal]) -> list[PedigreeProblem]:
    """Return every problem in a list of records (empty if the pedigree is sound).

    A parent that is referenced but not listed is not a problem here (see
    :func:`missing_parents`); it becomes a founder.

    Parameters
    ----------
    animals : sequence of Animal
        The records, in any order.

    Returns
    -------
    list of PedigreeProblem
        Duplicate ids, animals recorded as their own parent, animals used both as sire
        and as dam, sires recorded as female and dams as male, parents hatched on or after
        the day of their offspring, and cycles (each naming the animals on it).

    Examples
    --------
    >>> from reptidex.engine.pedigree import Animal, Sex
    >>> records = [Animal("A", "B", "C"), Animal("B", "A", None), Animal("C", sex=Sex.MALE)]
    >>> for problem in find_problems(records):
    ...     print(problem.message)
    C is recorded as dam of A but its sex is male
    cycle: A -> B -> A (each has the next as a parent)
    """
    problems: list[PedigreeProblem] = []
    counts = Counter(a.id for a in animals)
    for ident, count in counts.items():
        if count > 1:
            problems.append(
                PedigreeProblem("duplicate-id", f"{ident} is listed {count} times", (ident,))
            )
    by_id = {a.id: a for a in animals}
    sires = {a.sire for a in animals if a.sire is not None}
    dams = {a.dam for a in animals if a.dam is not None}
    for a in animals:
        if a.id in (a.sire, a.dam):
            problems.append(
                PedigreeProblem("own-parent", f"{a.id} is recorded as its own parent", (a.id,))
            )
    for ident in sorted(sires & dams):
        problems.append(
            PedigreeProblem("sire-and-dam", f"{ident} is used both as sire and as dam", (ident,))
        )
    for a in animals:
        for role, parent, wrong in (("sire", a.sire, "female"), ("dam", a.dam, "male")):
            if parent is None or parent not in by_id:
                continue
            record = by_id[parent]
            if record.sex.value == wrong:
                problems.append(
                    PedigreeProblem(
                        "sex-mismatch",
                        f"{parent} is recorded as {role} of {a.id} but its sex is {wrong}",
                        (parent, a.id),
                    )
                )
            hatched = a.hatched
            if (
                hatched is not None
                and record.hatched is not None
                and record.hatched.toordinal() >= hatched.toordinal()  # by day: datetimes too
            ):
                problems.append(
                    PedigreeProblem(
                        "hatch-order",
                        f"{parent} ({role}, hatched {record.hatched.isoformat()}) is not "
                        f"older than its offspring {a.id} (hatched {hatched.isoformat()})",
                        (parent, a.id),
                    )
                )
    edges: dict[str, list[str]] = {}
    for a in animals:  # duplicates pool their parents, so no cycle hides behind one
        edges.setdefault(a.id, []).extend(
            p for p in (a.sire, a.dam) if p is not None and p in by_id and p != a.id
        )
    problems.extend(find_cycles(edges))
    return problems


def find_cycles(parents: Mapping[str, Sequence[str]]) -> list[PedigreeProblem]:
    """Report the cycles in a parent map, one problem per strongly connected group.

    Parameters
    ----------
    parents : mapping of str to sequence of str
        For each animal, its listed parents.

    Returns
    -------
    list of PedigreeProblem
        One ``cycle`` problem per cycle group, naming the animals on one cycle in order
        (each animal is a parent of the one before it) and, if the group is larger,
        how many animals it holds.

    Examples
    --------
    >>> [p.animals for p in find_cycles({"A": ["B"], "B": ["C"], "C": ["A"], "D": []})]
    [('A', 'B', 'C')]
    """
    # Kahn's algorithm first: the cheap common case is no cycle at all.
    pending = {k: sum(1 for p in v if p in parents) for k, v in parents.items()}
    kids: dict[str, list[str]] = {}
    for k, v in parents.items():
        for p in v:
            if p in parents:
                kids.setdefault(p, []).append(k)
    ready = [k for k, c in pending.items() if c == 0]
    while ready:
        node = ready.pop()
        for kid in kids.get(node, ()):
            pending[kid] -= 1
            if pending[kid] == 0:
                ready.append(kid)
    stuck = {k for k, c in pending.items() if c > 0}
    if not stuck:
        return []
    graph: nx.DiGraph[str] = nx.DiGraph()
    for k in stuck:
        for p in parents[k]:
            if p in stuck:
                graph.add_edge(k, p)
    problems = []
    for component in sorted(nx.strongly_connected_components(graph), key=min):
        if len(component) < 2:
            continue
        start = min(component)
        cycle_edges = nx.find_cycle(graph.subgraph(component), source=start)
        path = [str(u) for u, _ in cycle_edges]
        extra = f" (a knot of {len(component)} animals)" if len(component) > len(path) else ""
        problems.append(
            PedigreeProblem(
                "cycle",
                f"cycle: {' -> '.join([*path, path[0]])} (each has the next as a parent)" + extra,
                tuple(path),
            )
        )
    return problems


def missing_parents(animals: Sequence[Animal]) -> list[str]:
    """Parents referenced by the records but not listed themselves, in first-seen order.

    Examples
    --------
    >>> from reptidex.engine.pedigree import Animal
    >>> missing_parents([Animal("A", "S", "D"), Animal("S")])
    ['D']
    """
    listed = {a.id for a in animals}
    seen: dict[str, None] = {}
    for a in animals:
        for p in (a.sire, a.dam):
            if p is not None and p not in listed:
                seen.setdefault(p, None)
    return list(seen)
