"""The pedigree held in memory, so that a lineage needs no query.

A lineage reads the animal, its ancestors and its descendants as row-level security lets the
caller see them. :class:`PedigreeMirror` holds the same records in *layers* that match the
policy ``animal_read`` exactly: the **shared** layer (key ``None``) holds the lineage-only and
public animals of every organisation, and an organisation's layer holds all of its own. A
caller sees its organisation's layer and the shared one; a caller of no organisation (another
service) the shared one only. :meth:`PedigreeMirror.lineage_records` walks them as the one
recursive statement walks the table (a hidden parent ends its line; both walks keep each
animal's shortest distance) and returns the same records, so the lineage computed from them is
the same.

Keeping the copy exact (loading layers under each organisation's row-level security, applying
the changes PostgreSQL notifies) is the adapter's work
(:mod:`~reptidex.adapters.sql.animal.pedigree_mirror`); this module only holds and walks.

>>> org = uuid.UUID(int=100)
>>> def record(n, sire=None, dam=None, visibility="private"):
...     return LineageRecord(uuid.UUID(int=n), org, f"A{n}", None, "ball_python", "male",
...                          "Normal", None, (), (), "active", visibility, sire, dam)
>>> sire, dam = uuid.UUID(int=1), uuid.UUID(int=2)
>>> mirror = PedigreeMirror()
>>> mirror.replace_layer(None, [record(1, visibility="public")], {})
>>> mirror.replace_layer(org, [record(1, visibility="public"), record(2),
...                            record(3, sire, dam)], {})
>>> sorted(r.code for r in mirror.lineage_records(org, uuid.UUID(int=3), 5, 0))
['A1', 'A2', 'A3']
>>> [r.code for r in mirror.lineage_records(None, uuid.UUID(int=1), 5, 3)]  # A3 is private
['A1']
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

from reptidex.domain.animals.lineage import LineageRecord

Layer: TypeAlias = uuid.UUID | None
"""An organisation's layer, or ``None``: the shared layer of lineage-only and public animals."""

ClutchFacts: TypeAlias = tuple[dt.date | None, uuid.UUID]
"""A clutch's laid date and the organisation that recorded it."""


@dataclass(slots=True)
class _Animals:
    """One layer's records and each animal's children, keyed by the int of the UUID (a UUID
    hashes in Python, an int in C: a walk makes hundreds of lookups)."""

    records: dict[int, LineageRecord] = field(default_factory=dict)
    children: dict[int, list[LineageRecord]] = field(default_factory=dict)

    def add(self, record: LineageRecord) -> None:
        self.records[record.id.int] = record
        for parent in (record.sire_id, record.dam_id):
            if parent is not None:
                self.children.setdefault(parent.int, []).append(record)

    def remove(self, ident: uuid.UUID) -> None:
        record = self.records.pop(ident.int, None)
        if record is None:
            return
        for parent in (record.sire_id, record.dam_id):
            if parent is not None:
                siblings = self.children[parent.int]
                siblings.remove(record)  # this very record: a layer holds one per animal
                if not siblings:
                    del self.children[parent.int]


class PedigreeMirror:
    """Lineage records in layers (see the module), and the clutches of origin they name.

    Records are held without their clutch fields; the root of a walk gets them from the
    clutches held (a clutch's facts are the same whoever may read it, and whoever may see an
    animal may read its clutch of origin)."""

    def __init__(self) -> None:
        self._layers: dict[Layer, _Animals] = {}
        self._clutches: dict[uuid.UUID, ClutchFacts] = {}

    def holds(self, layer: Layer) -> bool:
        """Whether this layer is held."""
        return layer in self._layers

    @property
    def layers(self) -> list[Layer]:
        """The layers held."""
        return list(self._layers)

    def size(self, layer: Layer) -> int:
        """Records held in one layer."""
        animals = self._layers.get(layer)
        return 0 if animals is None else len(animals.records)

    @property
    def total(self) -> int:
        """Records held in all layers."""
        return sum(len(animals.records) for animals in self._layers.values())

    def holds_record(self, record: LineageRecord) -> bool:
        """Whether this very record object is held (it is then kept until its animal
        changes; a root handed back with its clutch of origin is a copy, not held)."""
        for layer in (record.organisation_id, None):
            animals = self._layers.get(layer)
            if animals is not None and animals.records.get(record.id.int) is record:
                return True
        return False

    def clutch(self, ident: uuid.UUID) -> ClutchFacts | None:
        """The facts held of a clutch."""
        return self._clutches.get(ident)

    def replace_layer(
        self,
        layer: Layer,
        records: Iterable[LineageRecord],
        clutches: Mapping[uuid.UUID, ClutchFacts],
    ) -> None:
        """Hold exactly these records as ``layer`` (clutch fields are ignored) and these
        clutches' facts."""
        animals = _Animals()
        for record in records:
            animals.add(_without_clutch(record))
        self._layers[layer] = animals
        self._clutches.update(clutches)

    def drop_layer(self, layer: Layer) -> None:
        """Stop holding ``layer`` (clutches stay: they are few and the same for all)."""
        self._layers.pop(layer, None)

    def clear(self) -> None:
        """Hold nothing."""
        self._layers.clear()
        self._clutches.clear()

    def update(
        self, layer: Layer, ids: Collection[uuid.UUID], records: Iterable[LineageRecord]
    ) -> None:
        """What ``layer`` now holds of the animals ``ids``: ``records`` (each one of them);
        any of ``ids`` not among them is no longer in the layer. A layer not held is left
        alone."""
        animals = self._layers.get(layer)
        if animals is None:
            return
        for ident in ids:
            animals.remove(ident)
        for record in records:
            if record.id not in ids:
                raise ValueError(f"record {record.id} is not among the ids updated")
            animals.add(_without_clutch(record))

    def update_clutches(
        self, looked_for: Collection[uuid.UUID], found: Mapping[uuid.UUID, ClutchFacts]
    ) -> None:
        """The clutches ``looked_for`` as now read: ``found`` ones with their facts, the rest
        gone."""
        for ident in looked_for:
            self._clutches.pop(ident, None)
        self._clutches.update(found)

    def lineage_records(
        self, viewer: uuid.UUID | None, root: uuid.UUID, ancestors: int, descendants: int
    ) -> list[LineageRecord] | None:
        """The records the one lineage statement returns for ``viewer`` (an organisation, or
        ``None``): the root, its ancestors to ``ancestors`` and its descendants to
        ``descendants`` generations, as the viewer may see them; the root with its clutch of
        origin. ``None`` when a layer the viewer needs is not held; ``[]`` when the viewer
        may not see the root."""
        shared = self._layers.get(None)
        own = None if viewer is None else self._layers.get(viewer)
        if shared is None or (viewer is not None and own is None):
            return None
        shared_record = shared.records.get
        own_record = _nothing if own is None else own.records.get
        shared_children = shared.children.get
        own_children = _nothing if own is None else own.children.get
        first = own_record(root.int) or shared_record(root.int)
        if first is None:
            return []
        found: dict[int, LineageRecord] = {root.int: first}
        frontier = [first]
        for _ in range(ancestors):
            following: list[LineageRecord] = []
            for record in frontier:
                for parent in (record.sire_id, record.dam_id):
                    if parent is not None and (key := parent.int) not in found:
                        shown = own_record(key) or shared_record(key)
                        if shown is not None:
                            found[key] = shown
                            following.append(shown)
            frontier = following
        progeny: set[int] = {root.int}
        generation = [root.int]
        for _ in range(descendants):
            following_keys: list[int] = []
            for parent_key in generation:
                children = (own_children(parent_key) or (), shared_children(parent_key) or ())
                for child in itertools.chain(*children):
                    if (key := child.id.int) not in progeny:
                        progeny.add(key)
                        following_keys.append(key)
                        if key not in found:  # the own record, where there is one
                            found[key] = own_record(key) or child
            generation = following_keys
        if first.clutch_id is not None:
            facts = self._clutches.get(first.clutch_id)
            if facts is not None:
                found[root.int] = first._replace(
                    clutch_laid_on=facts[0], clutch_organisation_id=facts[1]
                )
        return list(found.values())


def _nothing(_key: int) -> None:
    """The lookups of the own layer of a caller of no organisation: it has none."""
    return None


def _without_clutch(record: LineageRecord) -> LineageRecord:
    if record.clutch_laid_on is None and record.clutch_organisation_id is None:
        return record
    return record._replace(clutch_laid_on=None, clutch_organisation_id=None)
