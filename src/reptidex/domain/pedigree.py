"""Stored animals as the pedigree engine's pedigrees: the one adapter from rows to the engine.

A pedigree read from a store is a part of a larger one: the ancestors to some depth, the
animals a reader may see. A parent that the rows name but do not hold is read as the engine
reads any parent not listed, a founder (or, where asked, an unknown parent), said explicitly
to the engine rather than warned about and silenced. Animals are keyed by their ids:
:func:`engine_pedigree` builds a :class:`~reptidex.engine.pedigree.Pedigree` with the ids
written as strings; :func:`numbered_links` builds the engine's fast
:class:`~reptidex.engine.pedigree.PedigreeLinks` for the questions about one animal asked with
every request (a lineage), the animals numbered in the order of the rows, then the parents
they name but do not hold.

>>> import uuid
>>> from typing import NamedTuple
>>> class Row(NamedTuple):
...     id: uuid.UUID
...     sire_id: uuid.UUID | None
...     dam_id: uuid.UUID | None
>>> sire, dam, kid = (uuid.UUID(int=n) for n in (1, 2, 3))
>>> rows = [Row(kid, sire, dam), Row(sire, None, None)]  # the dam was not read
>>> engine_pedigree(rows).parents(str(kid)) == (str(sire), str(dam))
True
>>> engine_pedigree(rows, unread_parents="unknown").parents(str(kid)) == (str(sire), None)
True
>>> numbered = numbered_links(rows)
>>> numbered.ids == [kid, sire, dam], numbered.links.sire, numbered.links.dam
(True, (1, -1, -1), (2, -1, -1))
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Literal, NamedTuple, Protocol

from reptidex.engine import pedigree as ped

__all__ = ["NumberedLinks", "PedigreeRow", "engine_pedigree", "numbered_links"]


class PedigreeRow(Protocol):
    """What a stored animal brings to a pedigree: its id and its parents' ids."""

    @property
    def id(self) -> uuid.UUID:
        """The animal."""

    @property
    def sire_id(self) -> uuid.UUID | None:
        """Its sire, ``None`` when unknown."""

    @property
    def dam_id(self) -> uuid.UUID | None:
        """Its dam, ``None`` when unknown."""


def engine_pedigree(
    rows: Sequence[PedigreeRow],
    *,
    unread_parents: Literal["founders", "unknown"] = "founders",
    sexes: Sequence[str] | None = None,
    hatched: Sequence[dt.date | None] | None = None,
) -> ped.Pedigree:
    """The engine pedigree of stored animals, each keyed by its id as a string.

    Parameters
    ----------
    rows : sequence of PedigreeRow
    unread_parents : {"founders", "unknown"}
        What a parent named by a row but not among them is: a founder (the pedigree was read
        to a depth: the figures of the engine on the whole), or unknown (the link is
        dropped: only the rows are shown).
    sexes, hatched : sequence, optional
        The sex (``male``, ``female`` or ``unknown``) and hatch date of each row, for the
        engine to check the pedigree against them.

    Returns
    -------
    reptidex.engine.pedigree.Pedigree

    Raises
    ------
    reptidex.engine.pedigree.PedigreeError
        With every problem of the pedigree (a cycle; with sexes, a sire recorded as female;
        with hatch dates, a parent not older than its offspring).
    """
    return ped.Pedigree.from_columns(
        [str(row.id) for row in rows],
        [None if (sire := row.sire_id) is None else str(sire) for row in rows],
        [None if (dam := row.dam_id) is None else str(dam) for row in rows],
        None if sexes is None else [ped.Sex(sex) for sex in sexes],
        hatched,
        missing_parents=unread_parents,
    )


class NumberedLinks(NamedTuple):
    """Stored animals as the engine's :class:`~reptidex.engine.pedigree.PedigreeLinks`."""

    links: ped.PedigreeLinks
    ids: list[uuid.UUID]
    """The id of each animal number: the rows', in their order, then the parents they name
    but do not hold (founders), in the order first named."""
    numbers: dict[int, int]
    """The number of each id, keyed by the id's int (which hashes in C, a UUID in Python)."""


def numbered_links(rows: Sequence[PedigreeRow]) -> NumberedLinks:
    """The parent links of stored animals, numbered for the engine's per-animal questions;
    a parent named by a row but not among them is a founder."""
    ids = [row.id for row in rows]
    numbers = {ident.int: number for number, ident in enumerate(ids)}
    number = numbers.get
    sires: list[int] = []
    dams: list[int] = []
    for row in rows:  # one pass, sire before dam, as the founders are numbered
        if (parent := row.sire_id) is None:
            sires.append(-1)
        elif (known := number(parent.int)) is not None:
            sires.append(known)
        else:
            sires.append(len(ids))
            numbers[parent.int] = len(ids)
            ids.append(parent)
        if (parent := row.dam_id) is None:
            dams.append(-1)
        elif (known := number(parent.int)) is not None:
            dams.append(known)
        else:
            dams.append(len(ids))
            numbers[parent.int] = len(ids)
            ids.append(parent)
    founders = [-1] * (len(ids) - len(rows))
    return NumberedLinks(ped.PedigreeLinks(sires + founders, dams + founders), ids, numbers)
