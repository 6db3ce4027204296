"""Ancestry: ancestors and descendants, the pedigree tree, common ancestors, relationship names."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from reptidex.engine.pedigree.model import Pedigree, Sex

__all__ = [
    "CommonAncestor",
    "PedigreeTree",
    "TreeNode",
    "ancestors",
    "common_ancestors",
    "descendants",
    "pedigree_tree",
    "relationship",
]


def ancestors(pedigree: Pedigree, ident: str, generations: int | None = None) -> dict[str, int]:
    """The ancestors of an animal with the generation at which each first appears.

    Parameters
    ----------
    pedigree : Pedigree
    ident : str
    generations : int, optional
        Look back at most this many generations (1 = parents); default: all.

    Returns
    -------
    dict of str to int
        Ancestor id to its shortest distance in generations, parents first.

    Raises
    ------
    KeyError
        If ``ident`` is not in the pedigree.

    Examples
    --------
    >>> from reptidex.engine.pedigree import parse_csv
    >>> ped = parse_csv("id,sire,dam\\nG,,\\nS,G,\\nD,,\\nK,S,D\\n")
    >>> ancestors(ped, "K"), ancestors(ped, "K", generations=1)
    ({'S': 1, 'D': 1, 'G': 2}, {'S': 1, 'D': 1})
    """
    return _walk(pedigree, ident, generations, up=True)


def descendants(pedigree: Pedigree, ident: str, generations: int | None = None) -> dict[str, int]:
    """The descendants of an animal with the generation at which each first appears.

    Parameters
    ----------
    pedigree : Pedigree
    ident : str
    generations : int, optional
        Look forward at most this many generations (1 = offspring); default: all.

    Returns
    -------
    dict of str to int
        Descendant id to its shortest distance in generations.

    Raises
    ------
    KeyError
        If ``ident`` is not in the pedigree.

    Examples
    --------
    >>> from reptidex.engine.pedigree import parse_csv
    >>> ped = parse_csv("id,sire,dam\\nG,,\\nS,G,\\nD,,\\nK,S,D\\n")
    >>> descendants(ped, "G")
    {'S': 1, 'K': 2}
    """
    return _walk(pedigree, ident, generations, up=False)


def _walk(pedigree: Pedigree, ident: str, generations: int | None, *, up: bool) -> dict[str, int]:
    start = pedigree.index(ident)
    starts, kids = pedigree.children_index()
    sire, dam = pedigree.sire, pedigree.dam
    ids = pedigree.ids
    found: dict[int, int] = {}
    frontier = [start]
    level = 0
    while frontier and (generations is None or level < generations):
        level += 1
        following: list[int] = []
        for i in frontier:
            if up:
                nxt = [p for p in (int(sire[i]), int(dam[i])) if p >= 0]
            else:
                nxt = kids[starts[i] : starts[i + 1]].tolist()
            for j in nxt:
                if j not in found and j != start:
                    found[j] = level
                    following.append(j)
        frontier = following
    return {ids[j]: g for j, g in found.items()}


@dataclass(frozen=True, slots=True)
class TreeNode:
    """One position in an animal's pedigree tree.

    Attributes
    ----------
    id : str
        The animal in this position.
    position : int
        Ahnentafel number: the root is 1, the sire of position ``k`` is ``2k`` and the
        dam ``2k + 1``.
    generation : int
        0 for the root, 1 for parents, 2 for grandparents …
    line : str
        The path from the root, ``S`` for sire and ``D`` for dam: ``"SD"`` is the
        sire's dam (paternal granddam). Empty for the root.
    repeat_of : int or None
        If this animal already appears at a lower position (pedigree collapse), that
        position; ``None`` at its first appearance.
    """

    id: str
    position: int
    generation: int
    line: str
    repeat_of: int | None = None

    @property
    def repeated(self) -> bool:
        """Whether this is a repeat appearance of an ancestor (pedigree collapse)."""
        return self.repeat_of is not None


@dataclass(frozen=True, slots=True)
class PedigreeTree:
    """An animal's pedigree tree to a number of generations.

    Attributes
    ----------
    root : str
        The animal.
    generations : int
        How many generations of ancestors the tree covers.
    nodes : tuple of TreeNode
        Known positions in ahnentafel order (unknown parents are absent).
    """

    root: str
    generations: int
    nodes: tuple[TreeNode, ...]

    def at(self, position: int) -> TreeNode | None:
        """The node at an ahnentafel position, or ``None`` if unknown or outside."""
        for node in self.nodes:
            if node.position == position:
                return node
        return None

    @property
    def repeated_ancestors(self) -> tuple[str, ...]:
        """Ancestors that appear more than once in the tree, in order of first repeat."""
        return tuple(dict.fromkeys(n.id for n in self.nodes if n.repeated))


def pedigree_tree(pedigree: Pedigree, ident: str, generations: int = 4) -> PedigreeTree:
    """The pedigree tree of an animal: each ancestor's position, sire or dam line, repeats.

    Parameters
    ----------
    pedigree : Pedigree
    ident : str
    generations : int
        Number of generations of ancestors (default 4: to great-great-grandparents).

    Returns
    -------
    PedigreeTree
        Every known position (an ancestor reached by several paths appears in each,
        the later ones marked with ``repeat_of``).

    Raises
    ------
    KeyError
        If ``ident`` is not in the pedigree.
    ValueError
        If ``generations`` is negative or above 20.

    Examples
    --------
    A son mated to his dam: she appears twice.

    >>> from reptidex.engine.pedigree import parse_csv
    >>> ped = parse_csv("id,sire,dam\\nS,,\\nD,,\\nB,S,D\\nK,B,D\\n")
    >>> tree = pedigree_tree(ped, "K", 2)
    >>> [(n.position, n.id, n.line, n.repeat_of) for n in tree.nodes]
    [(1, 'K', '', None), (2, 'B', 'S', None), (3, 'D', 'D', None), (4, 'S', 'SS', None), (5, 'D', 'SD', 3)]
    >>> tree.repeated_ancestors
    ('D',)
    """
    if not 0 <= generations <= 20:
        raise ValueError("generations must be between 0 and 20")
    pedigree.index(ident)
    nodes: list[TreeNode] = []
    first_seen: dict[str, int] = {}
    frontier: list[tuple[int, str, str]] = [(1, ident, "")]
    for generation in range(generations + 1):
        following: list[tuple[int, str, str]] = []
        for position, animal, line in frontier:
            repeat = first_seen.get(animal)
            nodes.append(TreeNode(animal, position, generation, line, repeat))
            if repeat is None:
                first_seen[animal] = position
            sire, dam = pedigree.parents(animal)
            if sire is not None:
                following.append((2 * position, sire, line + "S"))
            if dam is not None:
                following.append((2 * position + 1, dam, line + "D"))
        frontier = following
    return PedigreeTree(ident, generations, tuple(nodes))


@dataclass(frozen=True, slots=True)
class CommonAncestor:
    """An ancestor shared by two animals.

    Attributes
    ----------
    id : str
    paths : tuple of (int, int, int)
        ``(generations from a, generations from b, number of such path pairs)``,
        shortest first.
    """

    id: str
    paths: tuple[tuple[int, int, int], ...]

    @property
    def closest(self) -> tuple[int, int]:
        """``(from a, from b)`` of the shortest pair of paths."""
        return self.paths[0][0], self.paths[0][1]


def _path_counts(
    pedigree: Pedigree, ident: str, generations: int | None
) -> dict[int, Counter[int]]:
    """For every ancestor-or-self of ``ident``: number of paths by length."""
    start = pedigree.index(ident)
    counts: dict[int, Counter[int]] = {start: Counter({0: 1})}
    sire, dam = pedigree.sire, pedigree.dam
    # parents precede offspring, so decreasing positions visit each animal after all
    # of its descendants on the way up from ``ident``
    for i in sorted(set(_walk_positions(pedigree, start)), reverse=True):
        here = counts.get(i)
        if here is None:
            continue
        for p in (int(sire[i]), int(dam[i])):
            if p < 0:
                continue
            into = counts.setdefault(p, Counter())
            for length, number in here.items():
                if generations is None or length + 1 <= generations:
                    into[length + 1] += number
    return {k: v for k, v in counts.items() if v}


def _walk_positions(pedigree: Pedigree, start: int) -> list[int]:
    seen = {start}
    stack = [start]
    while stack:
        i = stack.pop()
        for p in (int(pedigree.sire[i]), int(pedigree.dam[i])):
            if p >= 0 and p not in seen:
                seen.add(p)
                stack.append(p)
    return list(seen)


def common_ancestors(
    pedigree: Pedigree, a: str, b: str, generations: int | None = None
) -> tuple[CommonAncestor, ...]:
    """The ancestors shared by two animals, with the lengths of the paths to each.

    If one animal is an ancestor of the other, it is listed too (with 0 generations
    from itself).

    Parameters
    ----------
    pedigree : Pedigree
    a, b : str
    generations : int, optional
        Only paths of at most this many generations from either animal.

    Returns
    -------
    tuple of CommonAncestor
        Closest first (by the sum of the shortest path lengths), then by id.

    Raises
    ------
    KeyError
        If an id is not in the pedigree.

    Examples
    --------
    >>> from reptidex.engine.pedigree import parse_csv
    >>> ped = parse_csv("id,sire,dam\\nS,,\\nD1,,\\nD2,,\\nH1,S,D1\\nH2,S,D2\\n")
    >>> common_ancestors(ped, "H1", "H2")
    (CommonAncestor(id='S', paths=((1, 1, 1),)),)
    """
    from_a = _path_counts(pedigree, a, generations)
    from_b = _path_counts(pedigree, b, generations)
    ids = pedigree.ids
    found = []
    for i in from_a.keys() & from_b.keys():
        paths = sorted(
            (la, lb, na * nb)
            for la, na in from_a[i].items()
            for lb, nb in from_b[i].items()
            if la + lb > 0
        )
        paths.sort(key=lambda p: (p[0] + p[1], p[0]))
        if paths:
            found.append(CommonAncestor(ids[i], tuple(paths)))
    found.sort(key=lambda c: (sum(c.closest), c.id))
    return tuple(found)


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
_TIMES = ("once", "twice", "three times", "four times", "five times")


def _greats(generations: int, base: str) -> str:
    if generations == 1:
        return base
    if generations == 2:
        return f"grand{base}"
    if generations == 3:
        return f"great-grand{base}"
    return f"{generations - 2}x great-grand{base}"


def _great_sibling(generations: int, base: str) -> str:
    if generations <= 3:
        return "great-" * (generations - 1) + base
    return f"{generations - 1}x great-{base}"


def relationship(pedigree: Pedigree, a: str, b: str) -> str | None:
    """What ``b`` is to ``a``, in words, where a common name exists.

    Parameters
    ----------
    pedigree : Pedigree
    a, b : str

    Returns
    -------
    str or None
        ``"self"``, ``"sire"``, ``"dam"``, ``"offspring"``, ``"grandparent"``,
        ``"great-grandparent"``, ``"grandchild"``, ``"full sib"``, ``"half sib"``,
        ``"aunt/uncle"`` (``"aunt"``/``"uncle"`` when the sex is known),
        ``"niece/nephew"``, ``"first cousin"``, ``"double first cousin"``,
        ``"half first cousin"``, ``"first cousin once removed"``, ``"second cousin"``,
        and so on; ``None`` when the animals share no ancestor.

    Raises
    ------
    KeyError
        If an id is not in the pedigree.

    Examples
    --------
    >>> from reptidex.engine.pedigree import parse_csv
    >>> ped = parse_csv("id,sire,dam,sex\\nS,,,m\\nD,,,f\\nB,S,D,m\\nG,S,D,f\\n"
    ...                 "M,,,f\\nF,,,m\\nc1,B,M,m\\nc2,F,G,f\\n")
    >>> [relationship(ped, "c1", x) for x in ("B", "S", "G", "c2", "F")]
    ['sire', 'grandparent', 'aunt', 'first cousin', None]
    """
    if a == b:
        pedigree.index(a)
        return "self"
    up_a = ancestors(pedigree, a)
    up_b = ancestors(pedigree, b)
    if b in up_a:
        g = up_a[b]
        if g == 1:
            sire, _ = pedigree.parents(a)
            return "sire" if sire == b else "dam"
        return _greats(g, "parent")
    if a in up_b:
        g = up_b[a]
        return "offspring" if g == 1 else _greats(g, "child")
    shared = up_a.keys() & up_b.keys()
    if not shared:
        return None
    best = min(up_a[x] + up_b[x] for x in shared)
    closest = [x for x in shared if up_a[x] + up_b[x] == best]
    n1 = min(up_a[x] for x in closest)
    n2 = best - n1
    group = [x for x in closest if up_a[x] == n1]
    half = "half " if len(group) == 1 else ""
    if n1 == 1 and n2 == 1:
        return f"{half}sib" if half else "full sib"
    if n2 == 1:  # b is a sibling of an ancestor of a
        sex = pedigree.animal(b).sex
        word = {Sex.FEMALE: "aunt", Sex.MALE: "uncle"}.get(sex, "aunt/uncle")
        return half + _great_sibling(n1 - 1, word)
    if n1 == 1:  # a is a sibling of an ancestor of b
        sex = pedigree.animal(b).sex
        word = {Sex.FEMALE: "niece", Sex.MALE: "nephew"}.get(sex, "niece/nephew")
        return half + _great_sibling(n2 - 1, word)
    degree = min(n1, n2) - 1
    removed = abs(n1 - n2)
    if degree > len(_ORDINALS) or removed > len(_TIMES):
        return None
    name = f"{_ORDINALS[degree - 1]} cousin"
    if removed:
        name += f" {_TIMES[removed - 1]} removed"
    if n1 == n2 == 2 and len(group) >= 4:
        return "double first cousin"
    return half + name
