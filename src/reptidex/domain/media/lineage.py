"""What a chart is drawn from: an animal's lineage as repti-animal reports it."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field

from reptidex.domain.errors import FeatureUnavailable
from reptidex.engine.pedigree import Pedigree, PedigreeTree, Sex, TreeNode, pedigree_tree


@dataclass(frozen=True, slots=True)
class ChartAnimal:
    """An animal as a chart shows it. ``restricted`` ones (private, of another breeder) show
    nothing but that; ``public`` says whether it may appear on public pages and widgets."""

    restricted: bool = False
    id: str | None = None
    code: str | None = None
    name: str | None = None
    species: str | None = None
    sex: str | None = None
    morph: str | None = None
    hets: tuple[str, ...] = ()
    possible_hets: tuple[str, ...] = ()
    """As breeders read them: ``66% het Clown``."""
    hatch_date: dt.date | None = None
    public: bool = False
    photo_url: str | None = None

    @property
    def label(self) -> str:
        """The name, else the code, else a placeholder."""
        if self.restricted:
            return "Private animal"
        return self.name or self.code or "Unnamed"

    @property
    def genetics(self) -> str:
        """The hets, then the possible hets: ``het Clown, 66% het Pied`` (empty if none)."""
        return ", ".join([*(f"het {h}" for h in self.hets), *self.possible_hets])

    @property
    def hatch_year(self) -> int | None:
        """The year of hatching, when known."""
        return None if self.hatch_date is None else self.hatch_date.year


@dataclass(frozen=True, slots=True)
class LineagePosition:
    """A position of the tree (ahnentafel number) and the animal in it."""

    position: int
    generation: int
    line: str
    repeat_of: int | None
    animal: ChartAnimal


@dataclass(frozen=True, slots=True)
class AnimalOrigin:
    """Where the lineage's animal comes from, as repti-animal reports it: ``origin`` (bred,
    bought, external), the keeping and breeding organisations (``None``: not recorded) and the
    clutch of origin (``clutch_laid_on`` ``None`` when the clutch record is not shown)."""

    origin: str = "bred"
    keeper_organisation_id: uuid.UUID | None = None
    breeder_organisation_id: uuid.UUID | None = None
    clutch_id: uuid.UUID | None = None
    clutch_laid_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class LineageSnapshot:
    """An animal's lineage at one moment: the tree, its inbreeding coefficient and the depth
    it rests on. ``version`` changes whenever anything drawn from it changes."""

    animal_id: uuid.UUID
    generations: int
    positions: tuple[LineagePosition, ...]
    coefficient: float
    coefficient_generations: int
    breeder: str | None = None
    clutch: str | None = None
    origin: AnimalOrigin | None = None
    keeper: str | None = None
    version: str = field(default="")

    def __post_init__(self) -> None:
        if not self.version:
            object.__setattr__(self, "version", self.fingerprint())

    @property
    def root(self) -> ChartAnimal:
        """The animal the lineage is of."""
        for entry in self.positions:
            if entry.position == 1:
                return entry.animal
        return ChartAnimal(id=str(self.animal_id))

    def fingerprint(self) -> str:
        """A hash of everything a chart shows (the lineage's version)."""
        digest = hashlib.sha256()
        digest.update(f"{self.animal_id}|{self.generations}|{self.coefficient!r}|".encode())
        digest.update(f"{self.coefficient_generations}|{self.breeder}|{self.clutch}".encode())
        digest.update(f"|{self.origin!r}|{self.keeper}".encode())
        for p in self.positions:
            digest.update(repr((p.position, p.generation, p.line, p.repeat_of, p.animal)).encode())
        return digest.hexdigest()[:32]

    def node_id(self, entry: LineagePosition) -> str:
        """The tree node id of a position (restricted animals get one per position)."""
        return entry.animal.id or f"restricted-{entry.position}"

    def animal_at(self, position: int) -> ChartAnimal | None:
        """The animal at a position."""
        for entry in self.positions:
            if entry.position == position:
                return entry.animal
        return None

    def member_ids(self) -> tuple[str, ...]:
        """Every known animal id in the tree (for invalidating cached charts)."""
        return tuple(dict.fromkeys(p.animal.id for p in self.positions if p.animal.id))

    def tree(self, generations: int | None = None) -> PedigreeTree:
        """The engine's tree of this lineage, cut to ``generations`` when given."""
        depth = self.generations if generations is None else min(generations, self.generations)
        nodes = tuple(
            TreeNode(self.node_id(p), p.position, p.generation, p.line, p.repeat_of)
            for p in sorted(self.positions, key=lambda p: p.position)
            if p.generation <= depth
        )
        return PedigreeTree(self.node_id(self.positions[0]) if nodes else "", depth, nodes)


class LineageUnavailable(FeatureUnavailable):
    """repti-animal could not be asked (down, slow, or answering nonsense)."""


_SEX_OF_LINE = {"S": "male", "D": "female"}  # a parent's place in the tree tells its sex


def snapshot_of_pedigree(
    pedigree: Pedigree, ident: str, generations: int, *, coefficient: float
) -> LineageSnapshot:
    """The lineage of ``ident`` in an engine pedigree (a file's, a scientist's), to draw it.

    A file's animals have no record id: the snapshot's ``animal_id`` is derived from
    ``ident`` (UUID 5), the same for the same id. A ``name`` attribute (a column of the file)
    is the box's title with the id as its code; ``morph`` and ``hets`` (comma-separated)
    attributes are drawn too. ``coefficient`` is the animal's inbreeding coefficient.

    >>> from reptidex.engine.pedigree import parse_csv
    >>> ped = parse_csv("id,sire,dam,name\\nS,,,Zeus\\nD,,,\\nK,S,D,\\n")
    >>> snap = snapshot_of_pedigree(ped, "K", 1, coefficient=0.0)
    >>> [(p.position, p.animal.label, p.animal.sex) for p in snap.positions]
    [(1, 'K', None), (2, 'Zeus', 'male'), (3, 'D', 'female')]
    """
    tree = pedigree_tree(pedigree, ident, generations)
    positions = []
    for node in tree.nodes:
        animal = pedigree.animal(node.id)
        extra = animal.attributes
        name = extra.get("name") or None
        sex = (
            animal.sex.value if animal.sex is not Sex.UNKNOWN else _SEX_OF_LINE.get(node.line[-1:])
        )
        hets = tuple(h.strip() for h in extra.get("hets", "").split(",") if h.strip())
        chart_animal = ChartAnimal(
            id=node.id,
            code=node.id if name else None,
            name=name or node.id,
            sex=sex,
            morph=extra.get("morph") or None,
            hets=hets,
            hatch_date=animal.hatched,
        )
        positions.append(
            LineagePosition(node.position, node.generation, node.line, node.repeat_of, chart_animal)
        )
    return LineageSnapshot(
        animal_id=uuid.uuid5(uuid.NAMESPACE_URL, f"reptidex:pedigree:{ident}"),
        generations=generations,
        positions=tuple(positions),
        coefficient=coefficient,
        coefficient_generations=int(pedigree.depth[pedigree.index(ident)]),
    )
