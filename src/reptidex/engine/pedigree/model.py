"""The pedigree: animals, their parents, and an integer-coded view for fast algorithms.

A :class:`Pedigree` is immutable. It keeps its animals so that parents always precede
their offspring (a topological order), and exposes that order as integer parent arrays
(``-1`` for an unknown parent) that the numeric algorithms of this package work on.
"""

from __future__ import annotations

import datetime as _dt
import enum
import sys
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import repeat
from operator import is_
from types import MappingProxyType
from typing import Any, Literal, TypeAlias, cast

import numpy as np
import numpy.typing as npt

from reptidex.engine.pedigree.validation import (
    PedigreeProblem,
    find_cycles,
    find_problems,
)

IntArray = npt.NDArray[np.int64]

MissingParents: TypeAlias = Literal["warn", "founders", "unknown"]
"""What a parent that is referenced but not listed becomes (see :class:`Pedigree`)."""

__all__ = [
    "Animal",
    "MissingParentWarning",
    "Pedigree",
    "PedigreeError",
    "Sex",
]


class Sex(enum.Enum):
    """The recorded sex of an animal."""

    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, text: str | None) -> Sex:
        """Read a sex as breeders write it.

        Parameters
        ----------
        text : str or None
            ``male``/``m``/``1``/``sire`` or ``female``/``f``/``2``/``dam`` in any case;
            anything else, empty or ``None`` is unknown.

        Returns
        -------
        Sex

        Examples
        --------
        >>> Sex.parse("F"), Sex.parse("male"), Sex.parse("")
        (<Sex.FEMALE: 'female'>, <Sex.MALE: 'male'>, <Sex.UNKNOWN: 'unknown'>)
        """
        if text is None:
            return cls.UNKNOWN
        key = text.strip().lower()
        if key in {"male", "m", "1", "sire", "♂"}:
            return cls.MALE
        if key in {"female", "f", "2", "dam", "♀"}:
            return cls.FEMALE
        return cls.UNKNOWN


@dataclass(frozen=True, slots=True)
class Animal:
    """One record of a pedigree.

    Parameters
    ----------
    id : str
        The animal's identifier, unique within a pedigree; not empty.
    sire, dam : str or None
        Identifiers of the father and mother; ``None`` (or ``""``) when unknown.
    sex : Sex
        Recorded sex (``Sex.UNKNOWN`` by default).
    hatched : datetime.date or None
        Hatch (or birth) date, used to check that parents are older than offspring.
    attributes : Mapping[str, str]
        Any further columns of the record, kept as they came.

    Examples
    --------
    >>> Animal("B1", sire="S", dam="D").dam
    'D'
    >>> Animal("B2", sire="S", dam="").dam is None
    True
    """

    id: str
    sire: str | None = None
    dam: str | None = None
    sex: Sex = Sex.UNKNOWN
    hatched: _dt.date | None = None
    attributes: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}), hash=False, compare=True
    )

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("an animal needs an id")
        if self.sire == "":  # an empty cell is an unknown parent, as in files and mappings
            object.__setattr__(self, "sire", None)
        if self.dam == "":
            object.__setattr__(self, "dam", None)


class PedigreeError(ValueError):
    """A pedigree that cannot be used; ``problems`` lists every reason at once.

    Examples
    --------
    >>> try:
    ...     Pedigree([Animal("A", sire="A")])
    ... except PedigreeError as error:
    ...     print(error.problems[0].message)
    A is recorded as its own parent
    """

    def __init__(self, problems: Sequence[PedigreeProblem]) -> None:
        self.problems: tuple[PedigreeProblem, ...] = tuple(problems)
        super().__init__("\n".join(p.message for p in self.problems))


class MissingParentWarning(UserWarning):
    """A parent is referenced but has no record of its own; it becomes a founder.

    Records known to be part of a larger pedigree (read to some depth) say so with
    ``missing_parents="founders"`` instead (see :class:`Pedigree`), and nothing is warned.
    """


def _missing_parents_option(value: str) -> None:
    if value not in ("warn", "founders", "unknown"):
        raise ValueError(f"missing_parents must be 'warn', 'founders' or 'unknown', not {value!r}")


def _missing(value: object) -> bool:
    """Whether a cell means "unknown": ``None``, ``""``, a NaN, or pandas' ``NA``/``NaT``."""
    try:
        return value is None or value != value or value == ""
    except TypeError:  # pandas.NA answers a comparison with NA, which has no truth value
        return True


def _label(value: object) -> str | None:
    """An identifier as text, ``None`` when missing; whole numbers (a pandas column of ids
    with gaps is read as floats: ``3.0``) are written as integers.

    >>> _label(3), _label(3.0), _label(float("nan")), _label(""), _label("S")
    ('3', '3', None, None, 'S')
    """
    if _missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_TEXT_OR_NONE = {str, type(None)}
_DATE_OR_NONE = {_dt.date, _dt.datetime, type(None)}


def _labels(values: Sequence[Any]) -> Sequence[str | None]:
    """A column of identifiers as :func:`_label` reads them (as it is when already text)."""
    if set(map(type, values)) <= _TEXT_OR_NONE and "" not in values:  # in C: fast for a million
        return values
    return [_label(value) for value in values]


def _sex_of(value: object) -> Sex:
    return value if isinstance(value, Sex) else Sex.parse(None if _missing(value) else str(value))


def _coerce(record: Animal | Mapping[str, Any]) -> Animal:
    if isinstance(record, Animal):
        return record
    data = dict(record)
    ident = _label(data.pop("id"))
    if ident is None:
        raise ValueError("a record without an id")
    sire = data.pop("sire", data.pop("father", None))  # sire wins over father, dam over mother
    dam = data.pop("dam", data.pop("mother", None))
    sex = data.pop("sex", None)
    hatched = data.pop("hatched", None)
    if isinstance(hatched, str):
        hatched = _dt.date.fromisoformat(hatched) if hatched.strip() else None
    return Animal(
        ident,
        _label(sire),
        _label(dam),
        _sex_of(sex),
        None if _missing(hatched) else hatched,
        MappingProxyType({str(k): str(v) for k, v in data.items()}),
    )


def _warn_missing(missing: Mapping[str, Sex]) -> None:
    shown = ", ".join(sorted(missing)[:10])
    more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
    warnings.warn(
        f"{len(missing)} parent(s) referenced but not listed, taken as founders: {shown}{more}",
        MissingParentWarning,
        stacklevel=_outside_this_module(),
    )


def _outside_this_module() -> int:
    """The ``stacklevel``, for a ``warnings.warn`` called here, of the first frame outside this
    module: the line that built the pedigree, however many of this module's frames (and of
    wrappers placed in it) lie between."""
    frame = sys._getframe(1)  # the function that calls warnings.warn
    level = 1
    while frame.f_back is not None and frame.f_code.co_filename == __file__:
        frame, level = frame.f_back, level + 1
    return level


_SEX_CODE = {Sex.UNKNOWN: 0, Sex.MALE: 1, Sex.FEMALE: 2}
_SEX_OF_CODE = (Sex.UNKNOWN, Sex.MALE, Sex.FEMALE)
_NO_ATTRIBUTES: Mapping[str, str] = MappingProxyType({})


def _layered_order(sire: IntArray, dam: IntArray) -> tuple[IntArray, IntArray]:
    """Return ``(depth, order)``: generation depth of every animal and a topological order.

    Kahn's algorithm, one generation layer at a time, vectorised. Animals on or below a
    cycle keep depth ``-1`` and are left out of ``order``.
    """
    n = sire.shape[0]
    has_s = sire >= 0
    has_d = dam >= 0
    pending = has_s.astype(np.int64) + has_d.astype(np.int64)
    parent = np.concatenate([sire[has_s], dam[has_d]])
    child = np.concatenate([np.flatnonzero(has_s), np.flatnonzero(has_d)])
    by_parent = np.argsort(parent, kind="stable")
    child = child[by_parent]
    starts = np.searchsorted(parent[by_parent], np.arange(n + 1))
    depth = np.full(n, -1, dtype=np.int64)
    layer = np.flatnonzero(pending == 0)
    level = 0
    while layer.size:
        depth[layer] = level
        lo = starts[layer]
        counts = starts[layer + 1] - lo
        total = int(counts.sum())
        if total == 0:
            break
        # gather the children of every animal of this layer in one go
        offsets = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(total)
        kids = child[offsets]
        pending -= np.bincount(kids, minlength=n)
        kids = np.unique(kids)
        layer = kids[pending[kids] == 0]
        level += 1
    placed = depth >= 0
    order = np.flatnonzero(placed)
    order = order[np.argsort(depth[order], kind="stable")]
    return depth, order


class Pedigree:
    """An immutable, validated pedigree.

    Build it from records (:class:`Animal` objects or mappings with ``id``, ``sire``,
    ``dam`` and optional ``sex``, ``hatched`` and further keys; ``father`` and ``mother``
    where ``sire`` and ``dam`` are absent) in any order. In a mapping, identifiers may be
    numbers, an unknown parent ``None``, ``""`` or NaN, and a sex text that
    :meth:`Sex.parse` reads. A parent that
    is referenced but not listed becomes a founder (a sire male, a dam female), with a
    :class:`MissingParentWarning` unless ``missing_parents`` says otherwise.

    Animals are kept so that parents precede offspring (``ids``); ``record_order`` keeps
    the order in which the records came. ``sire`` and ``dam`` are read-only integer arrays
    indexing ``ids`` (``-1`` for unknown), the form the fast algorithms work on.

    Parameters
    ----------
    records : iterable of Animal or mapping
        The animals.
    missing_parents : {"warn", "founders", "unknown"}
        What a parent that is referenced but not listed becomes: a founder, with a
        :class:`MissingParentWarning` (``"warn"``, the default: a file should list every
        animal); a founder, silently (``"founders"``: the records are a part of a larger
        pedigree, read to some depth); or an unknown parent, the link dropped
        (``"unknown"``: only the records listed count).

    Raises
    ------
    PedigreeError
        With every problem found: duplicate ids, an animal as its own parent, an animal
        used both as sire and as dam, a sire recorded as female or a dam as male, a parent
        hatched after its offspring, a cycle.
    ValueError
        If ``missing_parents`` is none of its three values.

    Warns
    -----
    MissingParentWarning
        When parents are referenced but not listed, with ``missing_parents="warn"``.

    Examples
    --------
    >>> ped = Pedigree([Animal("kid", "S", "D"), Animal("S"), Animal("D")])
    >>> ped.ids
    ('S', 'D', 'kid')
    >>> ped.record_order
    ('kid', 'S', 'D')
    >>> len(ped), "kid" in ped, ped.parents("kid")
    (3, True, ('S', 'D'))

    The ancestors of ``kid`` read to one generation, ``S`` with parents of its own:

    >>> read = [Animal("kid", "S", "D"), Animal("S", "SS", "SD"), Animal("D")]
    >>> Pedigree(read, missing_parents="founders").ids
    ('SS', 'SD', 'D', 'S', 'kid')
    >>> Pedigree(read, missing_parents="unknown").parents("S")
    (None, None)
    """

    __slots__ = (
        "_children",
        "_dam",
        "_depth",
        "_extras",
        "_ids",
        "_index",
        "_record_index",
        "_record_order",
        "_sex",
        "_sire",
    )

    _ids: tuple[str, ...]
    _index: dict[str, int]
    _sire: IntArray
    _dam: IntArray
    _depth: IntArray
    _sex: tuple[Sex, ...]
    _extras: dict[str, tuple[_dt.date | None, Mapping[str, str]]]
    _record_order: tuple[str, ...]
    _record_index: IntArray | None
    _children: tuple[IntArray, IntArray] | None

    def __init__(
        self,
        records: Iterable[Animal | Mapping[str, Any]],
        *,
        missing_parents: MissingParents = "warn",
    ) -> None:
        _missing_parents_option(missing_parents)
        animals = [_coerce(r) for r in records]
        columns = (
            [a.id for a in animals],
            [a.sire for a in animals],
            [a.dam for a in animals],
            [a.sex for a in animals],
            [a.hatched for a in animals],
            [a.attributes for a in animals],
        )
        if not self._fill(*columns, missing_parents):
            self._one_by_one(animals, missing_parents)  # a check failed: word every problem

    def _one_by_one(self, animals: list[Animal], missing_parents: MissingParents = "warn") -> None:
        """The record-by-record construction: every problem found and worded (raised),
        else the pedigree set up from :class:`Animal` objects. The reference that the
        array path of :meth:`_fill` is tested against."""
        listed = {a.id for a in animals}
        if missing_parents == "unknown":
            animals = [
                replace(
                    a,
                    sire=a.sire if a.sire in listed else None,
                    dam=a.dam if a.dam in listed else None,
                )
                for a in animals
            ]
        problems = find_problems(animals)
        if problems:
            raise PedigreeError(problems)
        missing: dict[str, Sex] = {}
        for a in animals:
            if a.sire is not None and a.sire not in listed:
                missing.setdefault(a.sire, Sex.MALE)
            if a.dam is not None and a.dam not in listed:
                missing.setdefault(a.dam, Sex.FEMALE)
        if missing and missing_parents == "warn":
            _warn_missing(missing)
        all_animals = [Animal(m, sex=s) for m, s in missing.items()] + animals
        self._setup(all_animals, tuple(a.id for a in animals))

    def _setup(self, animals: list[Animal], record_order: tuple[str, ...]) -> None:
        position = {a.id: i for i, a in enumerate(animals)}
        sire = np.fromiter(
            (-1 if a.sire is None else position[a.sire] for a in animals),
            dtype=np.int64,
            count=len(animals),
        )
        dam = np.fromiter(
            (-1 if a.dam is None else position[a.dam] for a in animals),
            dtype=np.int64,
            count=len(animals),
        )
        depth, order = _layered_order(sire, dam)
        rank = np.empty(len(animals), dtype=np.int64)
        rank[order] = np.arange(len(animals))
        self._ids = tuple(animals[i].id for i in order.tolist())
        self._index = {ident: i for i, ident in enumerate(self._ids)}
        self._sire = _frozen(np.where(sire[order] >= 0, rank[sire[order]], -1))
        self._dam = _frozen(np.where(dam[order] >= 0, rank[dam[order]], -1))
        self._depth = _frozen(depth[order])
        self._sex = tuple(animals[i].sex for i in order.tolist())
        self._extras = {
            a.id: (a.hatched, a.attributes) for a in animals if a.hatched or a.attributes
        }
        self._record_order = record_order
        self._record_index = None
        self._children = None

    @classmethod
    def from_parent_indices(
        cls,
        sire: npt.ArrayLike,
        dam: npt.ArrayLike,
        ids: Sequence[str] | None = None,
    ) -> Pedigree:
        """Build a pedigree from integer parent arrays, the fast path for large data.

        Parameters
        ----------
        sire, dam : array_like of int
            For animal ``i``, the positions of its parents (``-1`` when unknown), in any
            order.
        ids : sequence of str, optional
            Identifiers; by default the positions written as strings.

        Returns
        -------
        Pedigree

        Raises
        ------
        PedigreeError
            When a parent index is out of range, an animal is its own parent or a
            parent is used both as sire and as dam, or the parents form a cycle.

        Examples
        --------
        >>> ped = Pedigree.from_parent_indices([1, -1, -1], [2, -1, -1])
        >>> ped.ids, ped.sire.tolist(), ped.dam.tolist()
        (('1', '2', '0'), [-1, -1, 0], [-1, -1, 1])
        """
        s = np.asarray(sire, dtype=np.int64)
        d = np.asarray(dam, dtype=np.int64)
        n = s.shape[0]
        names = tuple(str(i) for i in range(n)) if ids is None else tuple(ids)
        problems: list[PedigreeProblem] = []
        if d.shape != (n,) or len(names) != n:
            raise ValueError("sire, dam and ids must have the same length")
        if len(set(names)) != n:
            raise PedigreeError([PedigreeProblem("duplicate-id", "duplicate ids", ())])
        bad = (s < -1) | (s >= n) | (d < -1) | (d >= n)
        for i in np.flatnonzero(bad)[:100].tolist():
            problems.append(
                PedigreeProblem("bad-index", f"{names[i]} has a parent index out of range", ())
            )
        if problems:
            raise PedigreeError(problems)
        arange = np.arange(n)
        for i in np.flatnonzero((s == arange) | (d == arange))[:100].tolist():
            problems.append(
                PedigreeProblem(
                    "own-parent", f"{names[i]} is recorded as its own parent", (names[i],)
                )
            )
        both = np.intersect1d(s[s >= 0], d[d >= 0])
        for i in both[:100].tolist():
            problems.append(
                PedigreeProblem(
                    "sire-and-dam",
                    f"{names[i]} is used both as sire and as dam",
                    (names[i],),
                )
            )
        if problems:
            raise PedigreeError(problems)
        depth, order = _layered_order(s, d)
        if order.shape[0] != n:
            stuck = np.flatnonzero(depth < 0).tolist()
            edges = {names[i]: [names[p] for p in (int(s[i]), int(d[i])) if p >= 0] for i in stuck}
            raise PedigreeError(find_cycles(edges))
        self = cls.__new__(cls)
        rank = np.empty(n, dtype=np.int64)
        rank[order] = arange
        so, do_ = s[order], d[order]
        self._ids = tuple(names[i] for i in order.tolist())
        self._index = {ident: i for i, ident in enumerate(self._ids)}
        self._sire = _frozen(np.where(so >= 0, rank[so], -1))
        self._dam = _frozen(np.where(do_ >= 0, rank[do_], -1))
        self._depth = _frozen(depth[order])
        self._sex = ()
        self._extras = {}
        self._record_order = names
        self._record_index = None
        self._children = None
        return self

    @classmethod
    def from_columns(
        cls,
        ids: Sequence[Any],
        sires: Sequence[Any],
        dams: Sequence[Any],
        sexes: Sequence[Any] | None = None,
        hatched: Sequence[Any] | None = None,
        attributes: Sequence[Mapping[str, str]] | None = None,
        *,
        missing_parents: MissingParents = "warn",
    ) -> Pedigree:
        """Build a pedigree from one sequence per column, the fast path for large files.

        The result, the warnings and the errors are those of
        ``Pedigree(Animal(ids[i], sires[i], dams[i], ...) for i ...)``, but the checks and
        the ordering run on integer arrays (a million rows in one to two seconds). When a
        check fails, the records are examined one by one so that
        :class:`PedigreeError` lists every problem with the usual messages.

        The columns of a pandas DataFrame go in as they are (``df["id"]``, ...): ids and
        parents may be numbers (a column of integer ids with gaps, read as floats, matches
        the integer ids: ``3.0`` is ``"3"``), a missing parent ``None``, ``""``, NaN or
        ``pd.NA``, and sexes are read as :meth:`Sex.parse` reads them.

        Parameters
        ----------
        ids : sequence of str or int
            The animals, in record order; none missing.
        sires, dams : sequence of str, int or None
            The parents of each animal (``None``, ``""`` or NaN when unknown); other
            unknown-parent spellings, such as ``0`` or ``NA`` in a file, are the reader's
            to clean.
        sexes : sequence of Sex or str, optional
            ``Sex`` members, or text such as ``"male"``/``"F"``/``"1"`` (missing: unknown).
        hatched : sequence of datetime.date or None, optional
            Missing values may be NaN or ``pd.NaT`` too.
        attributes : sequence of mapping, optional
            Further columns of each record.
        missing_parents : {"warn", "founders", "unknown"}
            What a parent that is referenced but not listed becomes (see
            :class:`Pedigree`).

        Returns
        -------
        Pedigree

        Raises
        ------
        ValueError
            If the columns have different lengths, an id is missing, or
            ``missing_parents`` is none of its values.
        PedigreeError
            With every problem of the records (see :class:`Pedigree`).

        Warns
        -----
        MissingParentWarning
            When parents are referenced but not listed, with ``missing_parents="warn"``;
            they become founders.

        Examples
        --------
        >>> ped = Pedigree.from_columns(["K", "S", "D"], ["S", None, None], ["D", None, None])
        >>> ped.ids, ped.record_order, ped.parents("K")
        (('S', 'D', 'K'), ('K', 'S', 'D'), ('S', 'D'))
        """
        n = len(ids)
        lengths = {len(sires), len(dams)}
        lengths.update(len(c) for c in (sexes, hatched, attributes) if c is not None)
        if lengths - {n}:
            raise ValueError("every column must have one entry per animal")
        _missing_parents_option(missing_parents)
        names, sires, dams = _labels(ids), _labels(sires), _labels(dams)
        if any(name is None for name in names):
            raise ValueError(f"animal {list(names).index(None) + 1} has no id")
        ids = cast(Sequence[str], names)
        if sexes is not None and not set(map(type, sexes)) <= {Sex}:
            sexes = [_sex_of(s) for s in sexes]
        if hatched is not None and not set(map(type, hatched)) <= _DATE_OR_NONE:
            hatched = [None if _missing(h) else h for h in hatched]  # NaT is a datetime too

        self = cls.__new__(cls)
        if not self._fill(ids, sires, dams, sexes, hatched, attributes, missing_parents):
            # a check failed: the record-by-record path words every problem
            self._one_by_one(
                [
                    Animal(
                        ids[i],
                        sires[i],
                        dams[i],
                        sexes[i] if sexes is not None else Sex.UNKNOWN,
                        hatched[i] if hatched is not None else None,
                        attributes[i] if attributes is not None else _NO_ATTRIBUTES,
                    )
                    for i in range(n)
                ],
                missing_parents,
            )
        return self

    def _fill(
        self,
        ids: Sequence[str],
        sires: Sequence[str | None],
        dams: Sequence[str | None],
        sexes: Sequence[Sex] | None,
        hatched: Sequence[_dt.date | None] | None,
        attributes: Sequence[Mapping[str, str]] | None,
        missing_parents: MissingParents = "warn",
    ) -> bool:
        """Set this pedigree up from columns on numpy arrays (see :meth:`from_columns`).

        Returns ``False``, having set nothing, when a check of :func:`find_problems`
        would fail: the caller then takes the record-by-record path, which words every
        problem. Warns (at the caller's caller) about missing parents, if asked to.
        """
        n = len(ids)
        lookup: dict[str | None, int] = dict(zip(ids, range(n), strict=True))
        if len(lookup) != n:
            return False  # duplicate ids
        lookup[None] = -1
        s = np.fromiter(map(lookup.get, sires, repeat(-2)), dtype=np.int64, count=n)
        d = np.fromiter(map(lookup.get, dams, repeat(-2)), dtype=np.int64, count=n)
        # parents that are referenced but not listed become founders placed first, in the
        # order they are first met (sire before dam within a record), as Pedigree() does
        missing: dict[str, Sex] = {}
        lost_s = np.flatnonzero(s == -2)
        lost_d = np.flatnonzero(d == -2)
        if missing_parents == "unknown":
            s[lost_s] = -1
            d[lost_d] = -1
        elif lost_s.size or lost_d.size:
            refs = np.concatenate([2 * lost_s, 2 * lost_d + 1])
            refs.sort()
            for ref in refs.tolist():
                if ref % 2:
                    missing.setdefault(str(dams[ref // 2]), Sex.FEMALE)
                else:
                    missing.setdefault(str(sires[ref // 2]), Sex.MALE)
        m = len(missing)
        total = m + n
        if m:
            at = {name: k for k, name in enumerate(missing)}
            s = np.where(s >= 0, s + m, s)
            d = np.where(d >= 0, d + m, d)
            s[lost_s] = [at[str(sires[i])] for i in lost_s.tolist()]
            d[lost_d] = [at[str(dams[i])] for i in lost_d.tolist()]
        s = np.concatenate([np.full(m, -1, dtype=np.int64), s])
        d = np.concatenate([np.full(m, -1, dtype=np.int64), d])
        codes = np.zeros(total, dtype=np.int8)
        codes[:m] = [_SEX_CODE[x] for x in missing.values()]
        if sexes is not None:
            # identity tests run in C; hashing a million enum members would not
            male = np.fromiter(map(is_, sexes, repeat(Sex.MALE)), dtype=np.bool_, count=n)
            female = np.fromiter(map(is_, sexes, repeat(Sex.FEMALE)), dtype=np.bool_, count=n)
            codes[m:] = male + 2 * female.astype(np.int8)
        # the checks of find_problems, on arrays; any hit sends the caller the slow way
        own = np.arange(total)
        has_s, has_d = s >= 0, d >= 0
        trouble = bool(np.any(s == own) or np.any(d == own))
        trouble = trouble or np.intersect1d(s[has_s], d[has_d]).size > 0
        trouble = trouble or bool(np.any(codes[s[has_s]] == 2) or np.any(codes[d[has_d]] == 1))
        if not trouble and hatched is not None:
            day = np.full(total, -1, dtype=np.int64)
            day[m:] = np.fromiter(
                (-1 if h is None else h.toordinal() for h in hatched), dtype=np.int64, count=n
            )
            for parent, known in ((s, has_s), (d, has_d)):
                kid = np.flatnonzero(known & (day >= 0))
                older = day[parent[kid]]
                trouble = trouble or bool(np.any((older >= 0) & (older >= day[kid])))
        depth, order = _layered_order(s, d) if not trouble else (s, s[:0])
        if trouble or order.shape[0] != total:
            return False
        if missing and missing_parents == "warn":
            _warn_missing(missing)
        names = [*missing, *ids]
        rank = np.empty(total, dtype=np.int64)
        rank[order] = own
        so, do_ = s[order], d[order]
        self._ids = tuple(map(names.__getitem__, order.tolist()))
        self._index = dict(zip(self._ids, range(total), strict=True))
        self._sire = _frozen(np.where(so >= 0, rank[so], -1))
        self._dam = _frozen(np.where(do_ >= 0, rank[do_], -1))
        self._depth = _frozen(depth[order])
        self._sex = tuple(map(_SEX_OF_CODE.__getitem__, codes[order].tolist()))
        self._extras = {}
        if hatched is not None or attributes is not None:
            for i in range(n):
                day_i = hatched[i] if hatched is not None else None
                attrs = attributes[i] if attributes is not None else _NO_ATTRIBUTES
                if day_i or attrs:
                    self._extras[ids[i]] = (day_i, attrs)
        self._record_order = tuple(ids)
        self._record_index = _frozen(rank[m:])
        self._children = None
        return True

    def extend(self, records: Iterable[Animal | Mapping[str, Any]]) -> Pedigree:
        """Return a new pedigree with more animals (e.g. a clutch) added at the end.

        Existing animals keep their positions, so results computed on this pedigree
        (such as :func:`~reptidex.engine.pedigree.inbreeding`) stay valid for them and
        can be updated incrementally with
        :func:`~reptidex.engine.pedigree.update_inbreeding`.

        Parameters
        ----------
        records : iterable of Animal or mapping
            The new animals; their parents must be existing or new animals (or unknown).

        Returns
        -------
        Pedigree

        Raises
        ------
        PedigreeError
            If the combined pedigree has problems, or a new animal refers to a parent
            that is in neither pedigree.

        Examples
        --------
        >>> ped = Pedigree([Animal("S"), Animal("D")])
        >>> ped.extend([Animal("e1", "S", "D"), Animal("e2", "S", "D")]).ids
        ('S', 'D', 'e1', 'e2')
        """
        new = [_coerce(r) for r in records]
        new_ids = {a.id for a in new}
        # validate the new records against just the old animals they touch
        context: dict[str, Animal] = {}
        problems: list[PedigreeProblem] = []
        old_sires = set(np.unique(self._sire[self._sire >= 0]).tolist())
        old_dams = set(np.unique(self._dam[self._dam >= 0]).tolist())
        for a in new:
            if a.id in self._index:
                problems.append(
                    PedigreeProblem("duplicate-id", f"{a.id} is already in the pedigree", (a.id,))
                )
            for role, p, other in (("sire", a.sire, old_dams), ("dam", a.dam, old_sires)):
                if p is None or p in new_ids:
                    continue
                if p not in self._index:
                    problems.append(
                        PedigreeProblem(
                            "unknown-parent", f"{a.id} has {role} {p}, which is not listed", (p,)
                        )
                    )
                    continue
                old = self.animal(p)
                context[p] = Animal(p, sex=old.sex, hatched=old.hatched)
                if self._index[p] in other:
                    problems.append(
                        PedigreeProblem(
                            "sire-and-dam", f"{p} is used both as sire and as dam", (p,)
                        )
                    )
        problems.extend(find_problems([*context.values(), *new]))
        if problems:
            raise PedigreeError(problems)
        # order the new animals among themselves; every old animal precedes them
        local = {a.id: i for i, a in enumerate(new)}
        loc_s = np.array([-1 if a.sire is None else local.get(a.sire, -1) for a in new], np.int64)
        loc_d = np.array([-1 if a.dam is None else local.get(a.dam, -1) for a in new], np.int64)
        _, order = _layered_order(loc_s, loc_d)
        ordered = [new[i] for i in order.tolist()]
        result = Pedigree.__new__(Pedigree)
        result._ids = self._ids + tuple(a.id for a in ordered)
        result._index = dict(self._index)
        result._index.update({a.id: len(self._ids) + k for k, a in enumerate(ordered)})
        extra_s = np.array(
            [-1 if a.sire is None else result._index[a.sire] for a in ordered], dtype=np.int64
        )
        extra_d = np.array(
            [-1 if a.dam is None else result._index[a.dam] for a in ordered], dtype=np.int64
        )
        result._sire = _frozen(np.concatenate([self._sire, extra_s]))
        result._dam = _frozen(np.concatenate([self._dam, extra_d]))
        depth = np.concatenate([self._depth, np.zeros(len(ordered), dtype=np.int64)])
        for k in range(len(self._ids), len(result._ids)):
            ps = [int(p) for p in (result._sire[k], result._dam[k]) if p >= 0]
            depth[k] = 1 + max(int(depth[p]) for p in ps) if ps else 0
        result._depth = _frozen(depth)
        result._sex = self.sexes + tuple(a.sex for a in ordered)
        result._extras = dict(self._extras)
        result._extras.update(
            {a.id: (a.hatched, a.attributes) for a in new if a.hatched or a.attributes}
        )
        result._record_order = self._record_order + tuple(a.id for a in new)
        result._record_index = None
        result._children = None
        return result

    # --- reading -------------------------------------------------------------------

    @property
    def ids(self) -> tuple[str, ...]:
        """Identifiers, parents before offspring; the order of every per-animal array."""
        return self._ids

    @property
    def record_order(self) -> tuple[str, ...]:
        """Identifiers of the listed animals in the order the records came."""
        return self._record_order

    @property
    def record_index(self) -> IntArray:
        """Read-only array: the position in ``ids`` of each record, in record order.

        ``values[ped.record_index]`` puts per-animal results (such as
        ``inbreeding(ped).array``) back in the order the records came.

        Examples
        --------
        >>> ped = Pedigree([Animal("kid", "S", "D"), Animal("S"), Animal("D")])
        >>> ped.ids, ped.record_index.tolist()
        (('S', 'D', 'kid'), [2, 0, 1])
        """
        if self._record_index is None:
            positions = map(self._index.__getitem__, self._record_order)
            index = np.fromiter(positions, dtype=np.int64, count=len(self._record_order))
            object.__setattr__(self, "_record_index", _frozen(index))
        assert self._record_index is not None
        return self._record_index

    @property
    def sire(self) -> IntArray:
        """Read-only array: index of each animal's sire in ``ids``, ``-1`` if unknown."""
        return self._sire

    @property
    def dam(self) -> IntArray:
        """Read-only array: index of each animal's dam in ``ids``, ``-1`` if unknown."""
        return self._dam

    @property
    def depth(self) -> IntArray:
        """Read-only array: generation depth (founders 0, else 1 + deepest parent)."""
        return self._depth

    @property
    def sexes(self) -> tuple[Sex, ...]:
        """Recorded sex of each animal, in the order of ``ids``."""
        if not self._sex:
            return tuple(Sex.UNKNOWN for _ in self._ids)
        return self._sex

    @property
    def animals(self) -> tuple[Animal, ...]:
        """The animals as :class:`Animal` records, in the order of ``ids``."""
        return tuple(self.animal(i) for i in self._ids)

    def index(self, ident: str) -> int:
        """Position of animal ``ident`` in ``ids``; raises ``KeyError`` if unknown."""
        try:
            return self._index[ident]
        except KeyError:
            raise KeyError(f"no animal {ident!r} in the pedigree") from None

    def animal(self, ident: str) -> Animal:
        """The :class:`Animal` record of ``ident``; raises ``KeyError`` if unknown."""
        i = self.index(ident)
        s, d = int(self._sire[i]), int(self._dam[i])
        hatched, attributes = self._extras.get(ident, (None, MappingProxyType({})))
        return Animal(
            ident,
            None if s < 0 else self._ids[s],
            None if d < 0 else self._ids[d],
            self._sex[i] if self._sex else Sex.UNKNOWN,
            hatched,
            attributes,
        )

    def parents(self, ident: str) -> tuple[str | None, str | None]:
        """``(sire, dam)`` of ``ident``, ``None`` where unknown."""
        i = self.index(ident)
        s, d = int(self._sire[i]), int(self._dam[i])
        return (None if s < 0 else self._ids[s], None if d < 0 else self._ids[d])

    def children_index(self) -> tuple[IntArray, IntArray]:
        """Offspring lists in compressed form: ``(starts, kids)``.

        The offspring of animal ``i`` are ``kids[starts[i]:starts[i + 1]]``.
        """
        if self._children is None:
            n = len(self._ids)
            has_s = self._sire >= 0
            has_d = self._dam >= 0
            parent = np.concatenate([self._sire[has_s], self._dam[has_d]])
            kid = np.concatenate([np.flatnonzero(has_s), np.flatnonzero(has_d)])
            order = np.argsort(parent, kind="stable")
            starts = np.searchsorted(parent[order], np.arange(n + 1))
            object.__setattr__(self, "_children", (_frozen(starts), _frozen(kid[order])))
        assert self._children is not None
        return self._children

    def children(self, ident: str) -> tuple[str, ...]:
        """Identifiers of the offspring of ``ident`` (as sire or dam)."""
        starts, kids = self.children_index()
        i = self.index(ident)
        return tuple(self._ids[k] for k in kids[starts[i] : starts[i + 1]].tolist())

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, ident: object) -> bool:
        return ident in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __repr__(self) -> str:
        founders = int(np.count_nonzero((self._sire < 0) & (self._dam < 0)))
        return f"<Pedigree of {len(self)} animals, {founders} founders>"


def _frozen(array: IntArray) -> IntArray:
    out = np.ascontiguousarray(array, dtype=np.int64)
    out.flags.writeable = False
    return out
