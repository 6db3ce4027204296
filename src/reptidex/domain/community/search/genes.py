"""The engine's gene catalogs as search knows them: every name of a trait with its aliases
(so that "BEL" finds a Blue-Eyed Leucistic), and a knowledge article per species and per
gene, compound and combination."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from reptidex.domain.community.search.documents import ARTICLE, SearchDocument, words
from reptidex.engine.genetics import available_species, load_catalog
from reptidex.engine.genetics.model import Catalog, Look

Phrase = tuple[str, ...]
"""A name as words (``("blue", "eyed", "leucistic")``)."""

ARTICLE_LINK = "/search/articles/{article_id}"
"""Where an article is read (repti-community's ``GET /search/articles/{article_id}``)."""

CATALOG_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
"""The news time of catalog articles: any later write (a reindex) replaces them."""


def _phrase(name: str) -> Phrase:
    return tuple(words(name))


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@dataclass(frozen=True, slots=True)
class GeneNames:
    """Every name of every trait of the catalogs: a name or alias (as words) and all the
    names of the traits it names, itself included."""

    synonyms: Mapping[Phrase, frozenset[Phrase]]
    longest: int

    def match_at(self, query: tuple[str, ...], start: int) -> tuple[int, frozenset[Phrase]]:
        """The longest name at ``query[start:]``: how many words it takes, and its synonyms
        (``0`` and nothing when none starts there)."""
        for size in range(min(self.longest, len(query) - start), 0, -1):
            found = self.synonyms.get(query[start : start + size])
            if found:
                return size, found
        return 0, frozenset()


def _name_sets(catalog: Catalog) -> Iterator[tuple[str, ...]]:
    for locus in catalog.loci:
        for allele in locus.alleles:
            yield (allele.name, *allele.aliases)
            if allele.super_name:
                yield (allele.super_name, *allele.super_aliases)
        for compound in locus.compounds:
            if compound.name:
                yield (compound.name, *compound.aliases)
    for combo in catalog.combos:
        yield (combo.name, *combo.aliases)


def _look_names(look: Look) -> tuple[str, ...]:
    return (look.name, *([look.abbreviation] if look.abbreviation else []), *look.aliases)


def gene_names_of(catalogs: Iterable[Catalog]) -> GeneNames:
    """The names of ``catalogs``' traits (names shared by several traits or species are
    synonyms of all their names). A look that several traits share (a Blue-Eyed Leucistic)
    is a name of each of them: ``BEL`` finds a Super Lesser or a Lesser Mojave, whereas
    ``Lesser Mojave`` does not find every other BEL."""
    catalogs = list(catalogs)
    synonyms: dict[Phrase, set[Phrase]] = {}
    for catalog in catalogs:
        for names in _name_sets(catalog):
            phrases = {p for p in map(_phrase, names) if p}
            for phrase in phrases:
                synonyms.setdefault(phrase, set()).update(phrases)
    for catalog in catalogs:
        for locus in catalog.loci:
            for look in locus.looks:
                own = {p for p in map(_phrase, _look_names(look)) if p}
                shown = set(own)
                for trait in look.traits:
                    phrase = _phrase(trait)
                    shown.add(phrase)
                    shown.update(synonyms.get(phrase, ()))
                for phrase in own:
                    synonyms.setdefault(phrase, set()).update(shown)
    frozen = {phrase: frozenset(found) for phrase, found in synonyms.items()}
    return GeneNames(frozen, max((len(p) for p in frozen), default=1))


@functools.cache
def builtin_gene_names() -> GeneNames:
    """The names of the built-in catalogs' traits (read once).

    >>> names = builtin_gene_names()
    >>> ("blue", "eyed", "leucistic") in names.synonyms[("bel",)]
    True
    """
    return gene_names_of(load_catalog(s) for s in available_species())


def _article(article_id: str, title: str, body: Iterable[str], keywords: Iterable[str],
             species: str, genes: Iterable[str] = ()) -> SearchDocument:  # fmt: skip
    return SearchDocument(
        kind=ARTICLE,
        source_id=article_id,
        title=title,
        body=" ".join(b for b in body if b),
        keywords=tuple(keywords),
        link=ARTICLE_LINK.format(article_id=article_id),
        changed_at=CATALOG_TIME,
        species=species,
        genes=tuple(genes),
    )


def articles_of(catalog: Catalog) -> Iterator[SearchDocument]:
    """The knowledge articles of one catalog: the species, and each gene, named compound,
    shared look and combination (their notes, how they are inherited, their aliases)."""
    species = catalog.id
    yield _article(
        species,
        f"{catalog.name} ({catalog.scientific_name})",
        (f"The {catalog.name} and its genes.", *catalog.notes),
        (),
        species,
    )
    for locus in catalog.loci:
        for allele in locus.alleles:
            inheritance = allele.expression.value.replace("_", " ")
            article = "an" if inheritance[0] in "aeiou" else "a"
            body = [f"{allele.name}: {article} {inheritance} gene of the {catalog.name}."]
            if allele.super_name and allele.super_name != allele.name:
                lethal = " (lethal)" if allele.super_lethal else ""
                body.append(f"Two copies make a {allele.super_name}{lethal}.")
            body.extend(str(h) for h in (*allele.health, *allele.super_health))
            body.extend(allele.notes)
            yield _article(
                f"{species}.{allele.id}",
                allele.name,
                body,
                (*allele.aliases, *allele.super_aliases),
                species,
                (allele.name,),
            )
        for compound in locus.compounds:
            if compound.name:
                yield _article(
                    f"{species}.{_slug(compound.name)}",
                    compound.name,
                    (f"{compound.name}: a compound of the {catalog.name}.", *compound.notes),
                    compound.aliases,
                    species,
                    (compound.name,),
                )
        for look in locus.looks:
            yield _article(
                f"{species}.{_slug(look.name)}",
                look.label,
                (f"{look.label}: the look of {', '.join(look.traits)} in the {catalog.name}.",
                 *look.notes),
                _look_names(look)[1:],
                species,
                look.traits,
            )  # fmt: skip
    for combo in catalog.combos:
        yield _article(
            f"{species}.{_slug(combo.name)}",
            combo.name,
            (f"{combo.name}: {' + '.join(sorted(combo.traits))} in the {catalog.name}.",
             *combo.notes),
            combo.aliases,
            species,
            sorted(combo.traits),
        )  # fmt: skip


def builtin_articles() -> list[SearchDocument]:
    """The knowledge articles of every built-in catalog."""
    found: dict[str, SearchDocument] = {}
    for species in available_species():
        for article in articles_of(load_catalog(species)):
            found.setdefault(article.source_id, article)
    return list(found.values())
