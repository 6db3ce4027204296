"""``/animals``: the caller's collection (viewers read, members and above write)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec
from litestar import Controller, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from reptidex.domain.animals.genetics import gene_filter, trait_filter
from reptidex.domain.animals.het_odds_upkeep import kept_het_odds, kept_state
from reptidex.domain.animals.model import AnimalSex, Origin, Status, Visibility
from reptidex.domain.animals.ports import AnimalQuery, SortKey
from reptidex.domain.animals.stored_het_odds import StoredGeneOdds
from reptidex.domain.animals.use_cases import (
    AnimalChanges,
    AnimalDraft,
    code_template,
    delete_animal,
    get_animal,
    list_animals,
    register_animal,
    set_code_template,
    update_animal,
)
from reptidex.services.animal.access import READ, SECURITY, WRITE, CallerActor, UnitOfWork
from reptidex.services.animal.het_odds import KeptHetOddsView, kept_het_odds_view
from reptidex.services.animal.pages import Limit, Offset
from reptidex.services.animal.schemas import (
    AnimalCreate,
    AnimalListItem,
    AnimalPage,
    AnimalPatch,
    AnimalView,
    ExternalParentBody,
    HetOddsSummaryView,
    IdCodeTemplate,
    animal_view,
)

_PRECONDITIONS = ("genotype_source", "expected_morph")
"""Fields of a patch that say how to change, not what."""
_ENUMS = {"sex": AnimalSex, "origin": Origin, "status": Status, "visibility": Visibility}


class AnimalDetailView(AnimalView, frozen=True):
    """An animal of the caller's collection with its kept het odds."""

    het_odds: KeptHetOddsView | None = None


def list_item(view: AnimalView, kept: list[StoredGeneOdds]) -> AnimalListItem:
    """A listed animal with its kept het odds in short."""
    return AnimalListItem(
        **msgspec.structs.asdict(view),
        het_odds=[
            HetOddsSummaryView(g.locus, g.name, g.summary, g.carrier_text, g.percent, g.proven)
            for g in kept
        ],
    )


def draft_of(data: AnimalCreate) -> AnimalDraft:
    """The domain draft of a create request."""
    return AnimalDraft(
        species=data.species,
        sex=AnimalSex(data.sex),
        morph=data.morph,
        name=data.name,
        code=data.code,
        hatch_date=data.hatch_date,
        origin=Origin(data.origin),
        sire_id=data.sire_id,
        dam_id=data.dam_id,
        external_sire=data.external_sire.to_domain() if data.external_sire else None,
        external_dam=data.external_dam.to_domain() if data.external_dam else None,
        status=Status(data.status),
        visibility=Visibility(data.visibility),
        notes=data.notes,
        tags=tuple(data.tags),
        photo_ids=tuple(data.photo_ids),
    )


def changes_of(data: AnimalPatch) -> AnimalChanges:
    """The domain changes of a patch request (absent fields kept)."""
    values = {}
    for name in data.__struct_fields__:
        value = getattr(data, name)
        if value is msgspec.UNSET or name in _PRECONDITIONS:
            continue
        if name in _ENUMS:
            value = _ENUMS[name](value)
        elif isinstance(value, ExternalParentBody):
            value = value.to_domain()
        elif name in ("tags", "photo_ids"):
            value = tuple(value)
        values[name] = value
    return AnimalChanges(**values)


Text = Annotated[str | None, QueryParameter(max_length=100, description="Filter value")]


class AnimalController(Controller):
    """The collection of the caller's active organisation."""

    path = "/animals"
    tags = ("animals",)
    security = SECURITY

    @get(
        "/",
        guards=READ,
        summary="List animals",
        description="The collection of the caller's organisation, filtered (every filter "
        "narrows): `species`, `sex`, `status`, `gene` (carried visually, as het or possible "
        "het; repeat for several), `morph` (shows these visual traits; needs `species`), `tag`, "
        "`q` (code, name, morph or notes contain), `clutch_id` (hatched from that clutch). Sorted by `sort` and `order`; paged with "
        "`limit`/`offset`, with the `total` count.",
    )
    async def list_animals(
        self,
        actor: CallerActor,
        uow: UnitOfWork,
        species: Text = None,
        sex: Annotated[Literal["male", "female", "unknown"] | None, QueryParameter()] = None,
        status: Annotated[
            Literal["active", "holdback", "for_sale", "sold", "deceased", "on_loan"] | None,
            QueryParameter(),
        ] = None,
        gene: Annotated[
            list[str] | None, QueryParameter(description="Gene name or alias (repeatable)")
        ] = None,
        morph: Annotated[
            str | None, QueryParameter(max_length=300, description="Visual morph, e.g. Bumblebee")
        ] = None,
        tag: Text = None,
        q: Text = None,
        clutch_id: Annotated[
            uuid.UUID | None, QueryParameter(description="Hatched from this clutch")
        ] = None,
        sort: Annotated[
            Literal[
                "code", "name", "species", "phenotype", "hatch_date", "created_at", "updated_at"
            ],
            QueryParameter(description="Sort key"),
        ] = "created_at",
        order: Annotated[Literal["asc", "desc"], QueryParameter()] = "asc",
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> AnimalPage:
        """List the collection."""
        genes = gene_filter(species, [g[:60] for g in gene[:10]]) if gene else ()
        sort_key: SortKey = sort
        query = AnimalQuery(
            species=species,
            sex=AnimalSex(sex) if sex else None,
            status=Status(status) if status else None,
            genes=genes,
            traits=trait_filter(species, morph) if morph else (),
            tag=tag,
            text=q,
            clutch_id=clutch_id,
            sort=sort_key,
            descending=order == "desc",
            limit=limit,
            offset=offset,
        )
        animals, total = await list_animals(uow, actor, query)
        kept = await kept_het_odds(uow, actor, [a.id for a in animals])
        return AnimalPage(
            [list_item(animal_view(a), kept.get(a.id, [])) for a in animals], total, limit, offset
        )

    @post(
        "/",
        guards=WRITE,
        summary="Add an animal",
        description="Add an animal to the collection. The morph is parsed by the genetics "
        "engine for the species (422 naming the unreadable word); the visual phenotype, hets and "
        "possible hets derive from it. Parents must be animals of the collection (sire male, dam "
        "female, same species, older than the animal) or external parents. Without `code`, the "
        "next code of the organisation's template. Emits `animal.created` (and "
        "`lineage.changed` with parents). 409 for a taken code.",
    )
    async def create_animal(
        self, actor: CallerActor, uow: UnitOfWork, data: JSONBody[AnimalCreate]
    ) -> AnimalView:
        """Add an animal."""
        return animal_view(await register_animal(uow, actor, draft_of(data)))

    @get(
        "/id-code-template",
        guards=READ,
        summary="Show the id-code template",
        description="The template new animals' codes are made from.",
    )
    async def show_template(self, actor: CallerActor, uow: UnitOfWork) -> IdCodeTemplate:
        """The organisation's id-code template."""
        return IdCodeTemplate(await code_template(uow, actor))

    @put(
        "/id-code-template",
        guards=WRITE,
        summary="Change the id-code template",
        description="Placeholders: `{seq}` or `{seq:N}` (required; N-digit zero-padded running "
        "number), `{year}`, `{yy}`, `{species}` (initials, e.g. BP), `{sex}` (M/F/U). The "
        "running number carries on. 422 for an unknown placeholder.",
    )
    async def change_template(
        self, actor: CallerActor, uow: UnitOfWork, data: JSONBody[IdCodeTemplate]
    ) -> IdCodeTemplate:
        """Change the id-code template."""
        return IdCodeTemplate(await set_code_template(uow, actor, data.template))

    @get(
        "/{animal_id:uuid}",
        guards=READ,
        summary="Show an animal",
        description="One animal of the collection; 404 if it is not in the caller's "
        "organisation. `het_odds` is what the background upkeep keeps of its odds of carrying "
        "each recessive of its family (computed from the whole recorded family whenever a "
        "relative's record changes: `proven het Clown` when the posterior is 1, else e.g. "
        "`66% het Clown` with the exact fraction), with the explanation; `null` until first "
        "computed, `up_to_date` false while a change waits.",
    )
    async def show_animal(
        self, actor: CallerActor, uow: UnitOfWork, animal_id: FromPath[uuid.UUID]
    ) -> AnimalDetailView:
        """One animal."""
        animal = await get_animal(uow, actor, animal_id)
        state = await kept_state(uow, actor, animal.id)
        return AnimalDetailView(
            **msgspec.structs.asdict(animal_view(animal)),
            het_odds=None if state is None else kept_het_odds_view(state),
        )

    @patch(
        "/{animal_id:uuid}",
        guards=WRITE,
        summary="Change an animal",
        description="Change the given fields (absent ones stay; null clears). A new morph or "
        "sex is re-read by the engine; new parents are re-validated (no animal may become its "
        "own ancestor). The species cannot change. With a new morph, `genotype_source` names "
        "the lab report it comes from (kept in the audit record and the event); "
        "`expected_morph` makes the change conditional (409 when the morph is another). "
        "Emits `animal.updated`, and `lineage.changed` when a parent changes.",
    )
    async def change_animal(
        self,
        actor: CallerActor,
        uow: UnitOfWork,
        animal_id: FromPath[uuid.UUID],
        data: JSONBody[AnimalPatch],
    ) -> AnimalView:
        """Change an animal."""
        source = None if data.genotype_source is msgspec.UNSET else data.genotype_source
        expected = None if data.expected_morph is msgspec.UNSET else data.expected_morph
        changed = await update_animal(
            uow,
            actor,
            animal_id,
            changes_of(data),
            evidence=None if source is None else source.to_domain(),
            expected_morph=expected,
        )
        return animal_view(changed)

    @delete(
        "/{animal_id:uuid}",
        guards=WRITE,
        summary="Delete an animal",
        description="Remove an animal that is nobody's parent and in no breeding pair or "
        "clutch (409 otherwise, naming the pairs and clutches: mark it deceased or sold so its "
        "offspring keep their lineage and its pairs and clutches their parents) and not "
        "offered to another organisation (409: withdraw the offer first). Emits "
        "`animal.deleted`.",
    )
    async def remove_animal(
        self, actor: CallerActor, uow: UnitOfWork, animal_id: FromPath[uuid.UUID]
    ) -> None:
        """Delete an animal."""
        await delete_animal(uow, actor, animal_id)
