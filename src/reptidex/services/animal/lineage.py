"""``/lineage``: an animal's pedigree tree, inbreeding, completeness and descendants."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal, Protocol, TypeVar

import msgspec
from litestar import Controller, Response, get
from litestar.enums import MediaType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter

from reptidex.domain.animals.lineage import (
    AnimalOrigin,
    Lineage,
    LineageEntry,
    LineageRecord,
    lineage,
)
from reptidex.domain.animals.model import Visibility
from reptidex.domain.animals.ports import LineageRecords
from reptidex.domain.animals.use_cases import Actor
from reptidex.services.animal.access import READ_OR_SERVICE, SECURITY
from reptidex.services.animal.lineage_cache import LineageCache
from reptidex.services.kernel.app import Injected


class LineageAnimal(msgspec.Struct, frozen=True):
    """An animal in a lineage. Animals of other organisations show only public fields
    (``own`` false): a ``public`` one also what it carries (``hets``, ``possible_hets``), as
    its public profile shows it, a ``lineage_only`` one not; a private one shows nothing but
    ``restricted``."""

    restricted: bool
    own: bool
    id: uuid.UUID | None = None
    code: str | None = None
    name: str | None = None
    species: str | None = None
    sex: Literal["male", "female", "unknown"] | None = None
    phenotype: str | None = None
    hatch_date: dt.date | None = None
    hets: list[str] | None = None
    possible_hets: list[str] | None = None
    status: str | None = None


class TreePosition(msgspec.Struct, frozen=True):
    """A position of the pedigree tree: ahnentafel number (root 1, sire of k = 2k, dam =
    2k+1), generation, line from the root (``S``/``D``), and ``repeat_of`` the first position of
    an ancestor that appears again (pedigree collapse)."""

    position: int
    generation: int
    line: str
    repeat_of: int | None
    animal: LineageAnimal


class InbreedingView(msgspec.Struct, frozen=True):
    """The inbreeding coefficient F and the pedigree depth it rests on."""

    coefficient: float
    generations: int
    equivalent_generations: float


class DescendantView(msgspec.Struct, frozen=True):
    """A descendant and its generation (1 = offspring)."""

    generation: int
    animal: LineageAnimal


class ClutchOfOriginView(msgspec.Struct, frozen=True):
    """The clutch the animal hatched from; ``laid_on`` and ``organisation_id`` (who recorded
    it) are null when the caller may not see the clutch record."""

    id: uuid.UUID
    laid_on: dt.date | None
    organisation_id: uuid.UUID | None


class OriginView(msgspec.Struct, frozen=True):
    """Where the lineage's animal comes from (of the animal itself only, never of ancestors):
    ``origin`` as recorded, the organisation keeping it, the breeder's organisation (who
    recorded its clutch; the keeper for an animal entered as bred without a clutch; null for a
    bought or external one without a clutch: not recorded) and the clutch of origin."""

    origin: Literal["bred", "bought", "external"]
    keeper_organisation_id: uuid.UUID
    breeder_organisation_id: uuid.UUID | None
    clutch: ClutchOfOriginView | None


class LineageView(msgspec.Struct, frozen=True):
    """An animal's lineage."""

    animal: LineageAnimal
    generations: int
    tree: list[TreePosition]
    repeated_ancestors: list[uuid.UUID]
    inbreeding: InbreedingView
    completeness: list[float]
    descendants: list[DescendantView]
    origin: OriginView | None = None


def origin_view(origin: AnimalOrigin | None) -> OriginView | None:
    """The view of the root animal's origin."""
    if origin is None:
        return None
    clutch = origin.clutch
    return OriginView(
        origin.origin,  # type: ignore[arg-type]  # the column holds bred/bought/external
        origin.keeper_organisation_id,
        origin.breeder_organisation_id,
        None
        if clutch is None
        else ClutchOfOriginView(clutch.id, clutch.laid_on, clutch.organisation_id),
    )


def lineage_animal(entry: LineageEntry) -> LineageAnimal:
    """The view of an entry: every field for the caller's own animals, public ones otherwise."""
    animal = entry.animal
    if animal is None:
        return _RESTRICTED
    if entry.own:
        return LineageAnimal(
            False,
            True,
            animal.id,
            animal.code,
            animal.name,
            animal.species,
            animal.sex,  # type: ignore[arg-type]  # the column holds male/female/unknown
            animal.phenotype,
            animal.hatch_date,
            list(animal.hets),
            list(animal.possible_hets),
            animal.status,
        )
    public = animal.visibility == Visibility.PUBLIC.value  # as its public profile shows it
    return LineageAnimal(
        False,
        False,
        animal.id,
        animal.code,
        animal.name,
        animal.species,
        animal.sex,  # type: ignore[arg-type]
        animal.phenotype,
        animal.hatch_date,
        list(animal.hets) if public else None,
        list(animal.possible_hets) if public else None,
    )


_RESTRICTED = LineageAnimal(restricted=True, own=False)
_ENCODER = msgspec.json.Encoder()
_RESTRICTED_JSON = msgspec.Raw(_ENCODER.encode(_RESTRICTED))


class AnimalViewCache:
    """The encoded views of lineage records, kept across requests: with the pedigree mirror
    the same record objects come back lineage after lineage (a breeder's ancestors recur in
    every pedigree of the collection), and encoding an animal's view once saves building and
    encoding it again each time. Only records ``keep`` says are long-lived (held by the
    mirror) are kept: those a query read live for one request. Keyed by the record object
    itself (held, so its identity cannot be reused while kept); emptied when it holds
    ``max_entries``."""

    def __init__(
        self,
        keep: Callable[[LineageRecord], bool] = lambda _record: False,
        max_entries: int = 300_000,
    ) -> None:
        self._keep = keep
        self._max_entries = max_entries
        # by the record's id: the view its organisation gets, and the view others get
        self._own: dict[int, tuple[LineageRecord, msgspec.Raw]] = {}
        self._others: dict[int, tuple[LineageRecord, msgspec.Raw]] = {}

    def of(self, entry: LineageEntry) -> msgspec.Raw:
        """The encoded view of an entry (as :func:`lineage_animal` shows it)."""
        record, own = entry
        if record is None:
            return _RESTRICTED_JSON
        views = self._own if own else self._others
        kept = views.get(id(record))  # while kept, no other object has its id
        if kept is not None:
            return kept[1]
        view = msgspec.Raw(_ENCODER.encode(lineage_animal(entry)))
        if self._keep(record):
            if len(self) >= self._max_entries:
                self._own.clear()
                self._others.clear()
            views[id(record)] = (record, view)
        return view

    def __len__(self) -> int:
        """Views kept (an animal may have two: its own organisation's and others')."""
        return len(self._own) + len(self._others)


class LineageReader(Protocol):
    """Where one caller's lineages are read (the composition root wires the SQL statement, the
    pedigree mirror and the cache in :mod:`~reptidex.services.animal.wiring`, and binds them to
    the request's caller: one dependency, resolved after the principal, instead of two resolved
    side by side, which costs a task group per request)."""

    @property
    def viewer(self) -> Actor | None:
        """The caller as a reader (``None``: a service, which sees what is shared)."""
        ...

    @property
    def cache(self) -> LineageCache:
        """Responses computed before, dropped when an animal they read changes."""
        ...

    def records(self) -> LineageRecords:
        """Where the records of a lineage come from now."""
        ...

    def views(self) -> AnimalViewCache:
        """The encoded views of records kept across requests."""
        ...


class _EncodedPosition(msgspec.Struct, frozen=True):
    position: int
    generation: int
    line: str
    repeat_of: int | None
    animal: msgspec.Raw


class _EncodedDescendant(msgspec.Struct, frozen=True):
    generation: int
    animal: msgspec.Raw


class _EncodedLineage(msgspec.Struct, frozen=True):
    """:class:`LineageView` field for field, with each animal's view already encoded."""

    animal: msgspec.Raw
    generations: int
    tree: list[_EncodedPosition]
    repeated_ancestors: list[uuid.UUID]
    inbreeding: InbreedingView
    completeness: list[float]
    descendants: list[_EncodedDescendant]
    origin: OriginView | None = None


def encode_lineage(result: Lineage, views: AnimalViewCache) -> bytes:
    """The response body of a lineage: the JSON of :func:`lineage_view`, with each animal's
    view taken from ``views``."""
    return _ENCODER.encode(
        _body(result, views.of, _EncodedPosition, _EncodedDescendant, _EncodedLineage)
    )


def lineage_view(result: Lineage) -> LineageView:
    """The response body of a lineage as documented (an ancestor's view is built once however
    often it appears)."""
    views: dict[int, LineageAnimal] = {}

    def view(entry: LineageEntry) -> LineageAnimal:
        shown = views.get(id(entry))
        if shown is None:
            shown = views[id(entry)] = lineage_animal(entry)
        return shown

    return _body(result, view, TreePosition, DescendantView, LineageView)


_Body = TypeVar("_Body")


def _body(
    result: Lineage,
    view: Callable[[LineageEntry], Any],
    position: Callable[..., Any],
    descendant: Callable[..., Any],
    body: Callable[..., _Body],
) -> _Body:
    """A lineage's body made of these types, each animal shown by ``view``."""
    return body(
        animal=view(result.root),
        generations=result.generations,
        tree=[
            position(number, generation, line, repeat_of, view(entry))
            for number, generation, line, repeat_of, entry in result.tree
        ],
        repeated_ancestors=list(result.repeated_ancestors),
        inbreeding=InbreedingView(
            round(result.inbreeding.coefficient, 10),
            result.inbreeding.generations,
            round(result.inbreeding.equivalent_generations, 6),
        ),
        completeness=[round(c, 6) for c in result.completeness],
        descendants=[descendant(g, view(e)) for e, g in result.descendants],
        origin=origin_view(result.origin),
    )


class LineageController(Controller):
    """Lineage of the caller's animals (and of public animals of others)."""

    path = "/lineage"
    tags = ("lineage",)
    security = SECURITY

    @get(
        "/{animal_id:uuid}",
        guards=READ_OR_SERVICE,
        summary="Show an animal's lineage",
        description="The pedigree tree to `generations` generations (default 5, 1-20) with "
        "repeated ancestors marked, the animal's inbreeding coefficient F with the number of "
        "generations (and equivalent complete generations) it rests on, pedigree completeness "
        "per generation, and descendants to `descendants` generations (default 3, 0-20). Loaded "
        "in one recursive query and computed by the pedigree engine. Animals of other "
        "organisations show only public fields (lineage-only and public ones) or as "
        "`restricted` (private). `origin` tells where the animal itself comes from: origin, "
        "keeper, breeder (the organisation that recorded its clutch) and clutch of origin. A "
        "service token (e.g. repti-media drawing a public page) gets the view of a caller of "
        "no organisation: only the lineage of a `public` animal (404 otherwise), public "
        "fields only.",
        responses={200: ResponseSpec(data_container=LineageView, description="The lineage.")},
    )
    async def show_lineage(
        self,
        lineage_reader: Injected[LineageReader],
        animal_id: FromPath[uuid.UUID],
        generations: Annotated[
            int, QueryParameter(ge=1, le=20, description="Generations of ancestors (1-20)")
        ] = 5,
        descendants: Annotated[
            int, QueryParameter(ge=0, le=20, description="Generations of descendants (0-20)")
        ] = 3,
    ) -> Response[bytes]:
        """An animal's lineage (encoded by msgspec straight to bytes), from the lineage cache
        when an unchanged one was computed for the caller's organisation before."""
        viewer = lineage_reader.viewer
        key = (
            animal_id,
            generations,
            descendants,
            None if viewer is None else viewer.organisation_id,
        )
        cache = lineage_reader.cache
        body = cache.get(key)
        if body is None:
            ticket = cache.ticket()
            result = await lineage(
                # the pedigree mirror, or one statement on the engine (no session of its own)
                lineage_reader.records(),
                viewer,
                animal_id,
                generations=generations,
                descendant_generations=descendants,
            )
            body = encode_lineage(result, lineage_reader.views())
            cache.keep(key, body, result.read, ticket)
        return Response(body, media_type=MediaType.JSON)
