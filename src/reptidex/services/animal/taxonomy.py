"""``/taxonomy``: the species and genes of the engine's catalogs, public and read-only."""

from __future__ import annotations

from typing import Annotated, Literal, cast

import msgspec
from litestar import Controller, get
from litestar.params import FromPath, QueryParameter

from reptidex.domain.animals.genetics import catalog_or_404
from reptidex.engine.genetics import Allele, Catalog, HealthNote, available_species, load_catalog
from reptidex.services.animal.pages import Limit, Offset, Page

SexSystemName = Literal["XY", "ZW", "temperature"]


class HealthNoteView(msgspec.Struct, frozen=True):
    """A health concern that comes with a gene."""

    description: str
    severity: Literal["mild", "moderate", "severe", "lethal"]
    source: str


class GeneView(msgspec.Struct, frozen=True):
    """A gene (a mutant allele) of a species catalog."""

    id: str
    name: str
    inheritance: Literal["recessive", "incomplete_dominant", "dominant"]
    locus: str
    locus_name: str
    allelic_with: list[str]
    aliases: list[str]
    super_name: str | None
    super_aliases: list[str]
    super_lethal: bool
    sex_linked: bool
    linkage_group: str | None
    health: list[HealthNoteView]
    super_health: list[HealthNoteView]
    notes: list[str]


class ComboView(msgspec.Struct, frozen=True):
    """A named combination of traits (a designer morph)."""

    name: str
    traits: list[str]
    aliases: list[str]


class SpeciesView(msgspec.Struct, frozen=True):
    """A species with a gene catalog."""

    id: str
    name: str
    scientific_name: str
    sex_system: SexSystemName
    gene_count: int
    combos: list[ComboView]
    notes: list[str]
    sources: list[str]


class GenePage(msgspec.Struct, frozen=True):
    """A page of a species' genes, with the catalog's sources."""

    species: str
    sources: list[str]
    items: list[GeneView]
    total: int
    limit: int
    offset: int


def _notes(notes: tuple[HealthNote, ...]) -> list[HealthNoteView]:
    return [HealthNoteView(n.description, n.severity.value, n.source) for n in notes]


def species_view(catalog: Catalog) -> SpeciesView:
    """The public view of a catalog."""
    return SpeciesView(
        id=catalog.id,
        name=catalog.name,
        scientific_name=catalog.scientific_name,
        sex_system=cast(SexSystemName, catalog.sex_system.value),
        gene_count=len(catalog.alleles()),
        combos=[ComboView(c.name, sorted(c.traits), list(c.aliases)) for c in catalog.combos],
        notes=list(catalog.notes),
        sources=list(catalog.sources),
    )


def gene_views(catalog: Catalog) -> list[GeneView]:
    """Every gene of ``catalog``, in catalog order."""
    groups = {locus: group for group in catalog.linkage_groups for locus in group.loci}
    out = []
    for li, _, allele in catalog.alleles():
        locus = catalog.loci[li]
        group = groups.get(locus.id)
        out.append(_gene(allele, locus.id, locus.name, locus.alleles, group))
    return out


def _gene(
    allele: Allele, locus_id: str, locus_name: str, alleles: tuple[Allele, ...], group: object
) -> GeneView:
    return GeneView(
        id=allele.id,
        name=allele.name,
        inheritance=allele.expression.value,
        locus=locus_id,
        locus_name=locus_name,
        allelic_with=[a.name for a in alleles if a.id != allele.id],
        aliases=list(allele.aliases),
        super_name=None if allele.expression.is_recessive else allele.homozygous_name,
        super_aliases=list(allele.super_aliases),
        super_lethal=allele.super_lethal,
        sex_linked=bool(getattr(group, "sex_linked", False)),
        linkage_group=getattr(group, "id", None),
        health=_notes(allele.health),
        super_health=_notes(allele.super_health),
        notes=list(allele.notes),
    )


def _folded(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").split())


class TaxonomyController(Controller):
    """Species and their gene catalogs."""

    path = "/taxonomy"
    tags = ("taxonomy",)

    @get(
        "/species",
        summary="List species",
        description="Every species with a gene catalog: sex system, designer morphs (combos), "
        "notes and sources. Public.",
        sync_to_thread=False,
    )
    def list_species(self, limit: Limit = 50, offset: Offset = 0) -> Page[SpeciesView]:
        """List the species of the catalogs."""
        everything = [species_view(load_catalog(s)) for s in available_species()]
        return Page(everything[offset : offset + limit], len(everything), limit, offset)

    @get(
        "/species/{species_id:str}",
        summary="Show a species",
        description="One species' catalog summary. 404 for an unknown species.",
        sync_to_thread=False,
    )
    def show_species(self, species_id: FromPath[str]) -> SpeciesView:
        """One species."""
        return species_view(catalog_or_404(species_id))

    @get(
        "/species/{species_id:str}/genes",
        summary="List a species' genes",
        description="The genes of a species' catalog: inheritance, alleles at the same locus, "
        "aliases, the homozygous (super) form, linkage, health notes and notes, with the "
        "catalog's sources. Filter by `q` (name or alias) and `inheritance`; paged.",
        sync_to_thread=False,
    )
    def list_genes(
        self,
        species_id: FromPath[str],
        q: Annotated[
            str | None, QueryParameter(max_length=100, description="Name or alias contains")
        ] = None,
        inheritance: Annotated[
            Literal["recessive", "incomplete_dominant", "dominant"] | None,
            QueryParameter(description="Only genes of this inheritance"),
        ] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> GenePage:
        """A page of genes."""
        catalog = catalog_or_404(species_id)
        genes = gene_views(catalog)
        if inheritance:
            genes = [g for g in genes if g.inheritance == inheritance]
        if q:
            wanted = _folded(q)
            genes = [
                g for g in genes if any(wanted in _folded(n) for n in (g.id, g.name, *g.aliases))
            ]
        return GenePage(
            catalog.id,
            list(catalog.sources),
            genes[offset : offset + limit],
            len(genes),
            limit,
            offset,
        )
