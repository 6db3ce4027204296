"""The search index on the service's database: PostgreSQL's ``tsvector``/GIN and ``pg_trgm``,
or SQLite's FTS5 and a table of trigrams (migration ``community_0003``).

:class:`SqlSearchStore` works in a session it is given (an event consumer's transaction);
:class:`SqlSearchIndex` opens a transaction of its own per call (searches, the reindex).
Both engines are given the same folded words (:func:`~reptidex.domain.community.search.
documents.words`), so that they find the same documents; they rank them each their own way
(``ts_rank_cd``, ``bm25``), titles above the rest.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.driver import driver_of
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.domain.community.search.documents import (
    IndexChange,
    Removal,
    SearchDocument,
    newest_changes,
)
from reptidex.domain.community.search.ports import FACETS, Generation, Matches, StoredHit
from reptidex.domain.community.search.query import Filters, TermGroup
from reptidex.domain.events import DomainEvent

ROWS_PER_STATEMENT = 500
"""Documents written by one statement at most (a row binds 22 values; both databases bound a
statement's parameters)."""
FACET_VALUES = 20
"""Values listed per facet (the most frequent)."""
SIMILAR_WORDS = 3
SIMILARITY = 0.3
"""Closest stored words a missing word stands for, and how close (pg_trgm's default)."""

_metadata = sa.MetaData()
search_document = sa.Table(
    "search_document",
    _metadata,
    sa.Column("id", GUID(length=16), primary_key=True),
    sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
    sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("source_id", sa.String(200), nullable=False),
    sa.Column("organisation_id", GUID(length=16)),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("keywords", JsonB, nullable=False),
    sa.Column("link", sa.String(500), nullable=False),
    sa.Column("species", sa.String(100)),
    sa.Column("genes", JsonB, nullable=False),
    sa.Column("price_amount", sa.BigInteger()),
    sa.Column("currency", sa.String(3)),
    sa.Column("price_band", sa.String(30)),
    sa.Column("country", sa.String(2)),
    sa.Column("title_terms", sa.Text(), nullable=False),
    sa.Column("body_terms", sa.Text(), nullable=False),
    sa.Column("listed", sa.Boolean(), nullable=False),
    sa.Column("changed_at", DateTimeUTC(timezone=True), nullable=False),
    sa.Column("fts_rowid", sa.BigInteger()),
)
search_generation = sa.Table(
    "search_generation",
    _metadata,
    sa.Column("id", sa.SmallInteger(), primary_key=True),
    sa.Column("changes", sa.BigInteger(), nullable=False),
    sa.Column("removals", sa.BigInteger(), nullable=False),
)
_GENERATION_TEXT = "SELECT changes, removals FROM search_generation"
search_word = sa.Table(
    "search_word", _metadata, sa.Column("word", sa.String(100), primary_key=True)
)
search_word_trigram = sa.Table(
    "search_word_trigram",
    _metadata,
    sa.Column("trigram", sa.String(3), primary_key=True),
    sa.Column("word", sa.String(100), primary_key=True),
)

_SHOWN = (
    "kind", "source_id", "organisation_id", "title", "body", "keywords", "link", "species",
    "genes", "price_amount", "currency", "country", "changed_at",
)  # fmt: skip
_UPDATED = (*_SHOWN[2:], "price_band", "title_terms", "body_terms", "listed", "updated_at")


def trigrams(word: str) -> frozenset[str]:
    """The trigrams of a folded word as ``pg_trgm`` counts them (two spaces before, one after).

    >>> sorted(trigrams("bel"))
    ['  b', ' be', 'bel', 'el ']
    """
    padded = f"  {word} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def similarity(a: str, b: str) -> float:
    """``pg_trgm``'s similarity of two words: shared trigrams over all their trigrams.

    >>> round(similarity("pastle", "pastel"), 2)
    0.4
    """
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb)


def row_of(document: SearchDocument, now: dt.datetime) -> dict[str, Any]:
    """The row of ``document`` as stored ``now`` (a fresh id, for a new row)."""
    return {
        "id": uuid.uuid4(),
        "created_at": now,
        "updated_at": now,
        "kind": document.kind,
        "source_id": document.source_id,
        "organisation_id": document.organisation_id,
        "title": document.title[:300],
        "body": document.body,
        "keywords": list(document.keywords),
        "link": document.link,
        "species": document.species,
        "genes": list(document.genes),
        "price_amount": document.price_amount,
        "currency": document.currency,
        "price_band": document.price_band,
        "country": document.country,
        "title_terms": document.title_terms,
        "body_terms": document.body_terms,
        "listed": True,
        "changed_at": document.changed_at,
    }


def _tombstone(kind: str, source_id: str, at: dt.datetime, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "created_at": now,
        "updated_at": now,
        "kind": kind,
        "source_id": source_id,
        "organisation_id": None,
        "title": "",
        "body": "",
        "keywords": [],
        "link": "",
        "species": None,
        "genes": [],
        "price_amount": None,
        "currency": None,
        "price_band": None,
        "country": None,
        "title_terms": "",
        "body_terms": "",
        "listed": False,
        "changed_at": at,
    }


def _document(row: sa.RowMapping) -> SearchDocument:
    return SearchDocument(
        kind=row["kind"],
        source_id=row["source_id"],
        title=row["title"],
        link=row["link"],
        changed_at=row["changed_at"],
        body=row["body"],
        keywords=tuple(row["keywords"] or ()),
        organisation_id=row["organisation_id"],
        species=row["species"],
        genes=tuple(row["genes"] or ()),
        price_amount=row["price_amount"],
        currency=row["currency"],
        country=row["country"],
    )


def _filters(filters: Filters, postgres: bool) -> list[sa.ColumnElement[bool] | sa.TextClause]:
    t = search_document.c
    found: list[sa.ColumnElement[bool] | sa.TextClause] = [t.listed.is_(True)]
    for column, value in (
        (t.kind, filters.kind),
        (t.species, filters.species),
        (t.price_band, filters.price_band),
        (t.country, filters.country),
    ):
        if value is not None:
            found.append(column == value)
    if filters.gene is not None:
        if postgres:
            found.append(
                sa.text("search_document.genes @> CAST(:gene_json AS jsonb)").bindparams(
                    gene_json=f'["{_json_string(filters.gene)}"]'
                )
            )
        else:
            found.append(
                sa.text(
                    "EXISTS (SELECT 1 FROM json_each(search_document.genes) WHERE value = :gene)"
                ).bindparams(gene=filters.gene)
            )
    return found


def _json_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def tsquery(groups: Sequence[TermGroup]) -> str:
    """The ``to_tsquery('simple', ...)`` text of ``groups`` (their words are letters and
    digits only, so nothing in them is an operator).

    >>> tsquery([TermGroup(frozenset({("blue", "eyed"), ("bel",)}))])
    '(bel | blue <-> eyed)'
    """
    return " & ".join(
        "(" + " | ".join(" <-> ".join(p) for p in sorted(g.phrases)) + ")" for g in groups
    )


def fts5_query(groups: Sequence[TermGroup]) -> str:
    """The FTS5 ``MATCH`` text of ``groups`` (each phrase quoted).

    >>> fts5_query([TermGroup(frozenset({("blue", "eyed"), ("bel",)}))])
    '("bel" OR "blue eyed")'
    """
    return " AND ".join(
        "(" + " OR ".join(f'"{" ".join(p)}"' for p in sorted(g.phrases)) + ")" for g in groups
    )


def _page_and_facets(
    hits: sa.CTE, limit: int, offset: int, *, postgres: bool
) -> sa.CompoundSelect[Any]:
    """One statement over ``hits``: the page's ids and scores (facet ``""``), and each
    facet's values with their counts."""
    no_id = sa.cast(sa.null(), hits.c.id.type)
    no_score = sa.cast(sa.null(), sa.Float)
    page = (
        sa.select(
            sa.literal("").label("facet"),
            sa.cast(sa.null(), sa.String).label("value"),
            sa.literal(0).label("n"),
            hits.c.id,
            hits.c.score,
        )
        .order_by(hits.c.score.desc(), hits.c.id)
        .limit(limit)
        .offset(offset)
    )
    parts: list[sa.Select[Any]] = [sa.select(page.subquery())]
    for name in ("kind", "species", "price_band", "country"):
        parts.append(
            sa.select(sa.literal(name), hits.c[name], sa.func.count(), no_id, no_score)
            .where(hits.c[name].is_not(None))
            .group_by(hits.c[name])
        )
    if postgres:
        gene = sa.func.jsonb_array_elements_text(hits.c.genes).table_valued("value")
    else:
        gene = sa.func.json_each(hits.c.genes).table_valued("value")
    parts.append(
        sa.select(sa.literal("genes"), sa.cast(gene.c.value, sa.String), sa.func.count(),
                  no_id, no_score)
        .select_from(hits.join(gene, sa.true()))
        .group_by(gene.c.value)
    )  # fmt: skip
    return sa.union_all(*parts)


class SqlSearchStore:
    """:class:`~reptidex.domain.community.search.ports.SearchIndex` in ``session``'s
    transaction (the caller commits)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.postgres = session.bind.dialect.name == "postgresql"

    async def upsert(self, documents: Sequence[SearchDocument]) -> int:
        """Store ``documents``; how many were written (older news is ignored)."""
        return await self.apply(documents)

    async def remove(self, kind: str, source_id: str, at: dt.datetime) -> bool:
        """Leave a tombstone of the document (no words, not listed)."""
        if not source_id:
            return False
        return await self.apply([Removal(kind, source_id, at)]) == 1

    async def apply(self, changes: Sequence[IndexChange]) -> int:
        """Store the documents and tombstones of ``changes`` (the newest of each document),
        a statement per :data:`ROWS_PER_STATEMENT`; how many were written (older news than
        the stored is ignored)."""
        now = dt.datetime.now(dt.UTC)
        kept = newest_changes(changes)
        rows = [
            _tombstone(c.kind, c.source_id, c.at, now) if isinstance(c, Removal) else row_of(c, now)
            for c in kept
        ]
        written = await self._upsert(rows)
        if written:
            await self._remember_words(
                w
                for c in kept
                if isinstance(c, SearchDocument)
                for w in f"{c.title_terms} {c.body_terms}".split()
            )
            await self._grow_generation(removed=any(isinstance(c, Removal) for c in kept))
        return written

    async def _upsert(self, rows: list[dict[str, Any]]) -> int:
        """Write ``rows`` (one per document), each unless the stored row has newer news."""
        written = 0
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            written += await self._upsert_rows(rows[start : start + ROWS_PER_STATEMENT])
        return written

    async def _grow_generation(self, *, removed: bool) -> None:
        """Count one change, and one removal if it ``removed`` documents (the transaction's
        last step in the index: the row stays locked until the commit, so that concurrent
        writers count one by one)."""
        t = search_generation.c
        await self.session.execute(
            sa.update(search_generation).values(
                changes=t.changes + 1, removals=t.removals + int(removed)
            )
        )

    async def generation(self) -> Generation:
        """The index's generation as this transaction sees it."""
        t = search_generation.c
        row = (await self.session.execute(sa.select(t.changes, t.removals))).one()
        return Generation(int(row.changes), int(row.removals))

    async def _upsert_rows(self, rows: list[dict[str, Any]]) -> int:
        if not rows:
            return 0
        t = search_document.c
        # One cached statement executed with every row: SQLAlchemy sends them as one
        # multi-row INSERT (its "insertmanyvalues"), without compiling a statement of
        # thousands of parameters each time (which cost more than the database's work).
        if self.postgres:
            pg = postgresql.insert(search_document)
            statement = pg.on_conflict_do_update(
                index_elements=[t.kind, t.source_id],
                set_={name: pg.excluded[name] for name in _UPDATED},
                where=t.changed_at <= pg.excluded.changed_at,
            ).returning(t.id)
            return len((await self.session.execute(statement, rows)).all())
        # A new row's FTS rowid: past the largest, and apart from the statement's other rows
        # (a row that updates a stored one keeps its own).
        next_rowid = sa.select(sa.func.coalesce(sa.func.max(t.fts_rowid), 0) + 1).scalar_subquery()
        lite = sqlite.insert(search_document).values(
            fts_rowid=next_rowid + sa.bindparam("rowid_offset", type_=sa.BigInteger())
        )
        statement = lite.on_conflict_do_update(
            index_elements=[t.kind, t.source_id],
            set_={name: lite.excluded[name] for name in _UPDATED},
            where=t.changed_at <= lite.excluded.changed_at,
        ).returning(t.id)
        numbered = [{**row, "rowid_offset": n} for n, row in enumerate(rows)]
        return len((await self.session.execute(statement, numbered)).all())

    async def _remember_words(self, words: Iterable[str]) -> None:
        # Only the words not stored yet are inserted: concurrent inserts of one word wait for
        # each other's commit, which serialised the consumers on common words.
        fresh = sorted({w for w in words if len(w) <= 100})
        if not fresh:
            return
        if self.postgres:  # one round trip: words already stored are not even locked
            await self.session.execute(
                sa.text(
                    "INSERT INTO search_word (word) SELECT w FROM unnest(CAST(:words AS text[])) "
                    "AS w WHERE NOT EXISTS (SELECT 1 FROM search_word s WHERE s.word = w) "
                    "ON CONFLICT DO NOTHING"
                ),
                {"words": fresh},
            )
            return
        known = set(
            (
                await self.session.scalars(
                    sa.select(search_word.c.word).where(search_word.c.word.in_(fresh))
                )
            ).all()
        )
        new = [{"word": w} for w in fresh if w not in known]
        if not new:
            return
        await self.session.execute(sqlite.insert(search_word).on_conflict_do_nothing(), new)
        await self.session.execute(
            sqlite.insert(search_word_trigram).on_conflict_do_nothing(),
            [{"trigram": g, "word": w["word"]} for w in new for g in trigrams(w["word"])],
        )

    async def similar_words(self, words: Iterable[str]) -> Mapping[str, frozenset[str]]:
        """The closest stored words to each word no document holds."""
        wanted = sorted(set(words))
        if not wanted:
            return {}
        known = set(
            (
                await self.session.scalars(
                    sa.select(search_word.c.word).where(search_word.c.word.in_(wanted))
                )
            ).all()
        )
        found: dict[str, frozenset[str]] = {}
        for word in wanted:
            if word not in known:
                found[word] = frozenset(await self._closest(word))
        return found

    async def _closest(self, word: str) -> list[str]:
        if self.postgres:
            rows = await self.session.execute(
                sa.text(
                    "SELECT word FROM search_word WHERE word % :word "
                    "ORDER BY similarity(word, :word) DESC, word LIMIT :n"
                ),
                {"word": word, "n": SIMILAR_WORDS},
            )
            return [r[0] for r in rows]
        grams = trigrams(word)
        shared = sa.func.count().label("shared")
        rows = await self.session.execute(
            sa.select(search_word_trigram.c.word, shared)
            .where(search_word_trigram.c.trigram.in_(sorted(grams)))
            .group_by(search_word_trigram.c.word)
            .order_by(shared.desc())
            .limit(200)
        )
        scored = sorted(
            ((similarity(w, word), w) for w, _ in rows.all()), key=lambda p: (-p[0], p[1])
        )
        return [w for score, w in scored if score >= SIMILARITY][:SIMILAR_WORDS]

    async def match(
        self, groups: Sequence[TermGroup], filters: Filters, *, limit: int, offset: int
    ) -> Matches:
        """The page of documents matching ``groups`` (typos resolved) and ``filters``, the
        total and facets.

        The matching rows are read once (a materialised CTE of their ids, facets and
        score): one statement returns the page's ids and every facet's counts; the page's
        documents are then read by id. The generation is read first: a change stored after
        it may be in them, none stored before it is missing."""
        generation = await self.generation()
        groups = await self.resolve_typos(groups)
        t = search_document.c
        conditions = _filters(filters, self.postgres)
        if self.postgres:
            query = sa.func.to_tsquery(sa.literal_column("'simple'"), sa.bindparam("q"))
            document: sa.ColumnElement[Any] = sa.literal_column("search_document.document")
            matched = document.op("@@")(query)
            score: sa.ColumnElement[Any] = sa.func.ts_rank_cd(document, query)
            source: sa.FromClause = search_document
            params = {"q": tsquery(groups)}
        else:
            fts = sa.table("search_fts", sa.column("rowid"))
            matched = sa.literal_column("search_fts").op("MATCH")(sa.bindparam("q"))
            score = -sa.func.bm25(sa.literal_column("search_fts"), 4.0, 1.0)
            source = fts.join(search_document, t.fts_rowid == fts.c.rowid)
            params = {"q": fts5_query(groups)}
        hits = (
            sa.select(
                t.id,
                t.kind,
                t.species,
                t.genes,
                t.price_band,
                t.country,
                sa.cast(score, sa.Float).label("score"),
            )
            .select_from(source)
            .where(matched, *conditions)
            .cte("hits")
        )
        if self.postgres:
            hits = hits.prefix_with("MATERIALIZED", dialect="postgresql")
        rows = (
            await self.session.execute(
                _page_and_facets(hits, limit, offset, postgres=self.postgres), params
            )
        ).all()
        facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
        page: list[tuple[Any, float]] = []
        for facet, value, count, document_id, rank in rows:
            if facet == "":
                page.append((document_id, float(rank)))
            else:
                facets[facet].append((str(value), int(count)))
        for values in facets.values():
            values.sort(key=lambda pair: (-pair[1], pair[0]))
            del values[FACET_VALUES:]
        page.sort(key=lambda pair: (-pair[1], str(pair[0])))
        documents = await self._documents([i for i, _ in page])
        hits_found = [StoredHit(documents[i], r) for i, r in page if i in documents]
        total = sum(count for _, count in facets["kind"])
        return Matches(hits_found, total, facets, groups, generation)

    async def _documents(self, ids: Sequence[Any]) -> dict[Any, SearchDocument]:
        if not ids:
            return {}
        t = search_document.c
        rows = await self.session.execute(
            sa.select(t.id, *[t[name] for name in _SHOWN]).where(t.id.in_(ids))
        )
        return {r["id"]: _document(r) for r in rows.mappings()}

    async def resolve_typos(self, groups: Sequence[TermGroup]) -> list[TermGroup]:
        """``groups`` with the closest stored words standing in for typo words no document
        holds (on PostgreSQL in one query)."""
        typos = sorted({g.typo_word for g in groups if g.typo_word})
        if not typos:
            return list(groups)
        if self.postgres:
            rows = await self.session.execute(
                sa.text(
                    "SELECT w.q, s.word FROM unnest(CAST(:words AS text[])) AS w(q) "
                    "CROSS JOIN LATERAL (SELECT word FROM search_word "
                    "WHERE word % w.q AND NOT EXISTS "
                    "(SELECT 1 FROM search_word k WHERE k.word = w.q) "
                    "ORDER BY similarity(word, w.q) DESC, word LIMIT :n) AS s"
                ),
                {"words": typos, "n": SIMILAR_WORDS},
            )
            similar: dict[str, set[str]] = {}
            for typo, word in rows.all():
                similar.setdefault(typo, set()).add(word)
            found = {k: frozenset(v) for k, v in similar.items()}
        else:
            found = dict(await self.similar_words(typos))
        return [
            g.with_words(found[g.typo_word]) if g.typo_word and g.typo_word in found else g
            for g in groups
        ]

    async def get(self, kind: str, source_id: str) -> SearchDocument | None:
        """One listed document."""
        t = search_document.c
        row = (
            (
                await self.session.execute(
                    sa.select(*[t[name] for name in _SHOWN]).where(
                        t.kind == kind, t.source_id == source_id, t.listed.is_(True)
                    )
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else _document(row)

    async def count(self) -> int:
        """How many listed documents there are."""
        t = search_document.c
        return int(
            await self.session.scalar(sa.select(sa.func.count()).where(t.listed.is_(True))) or 0
        )

    async def listed_ids(self, kind: str, changed_before: dt.datetime) -> set[str]:
        """The source ids of the listed documents of ``kind`` last changed before then."""
        t = search_document.c
        found = await self.session.scalars(
            sa.select(t.source_id).where(
                t.kind == kind, t.listed.is_(True), t.changed_at < changed_before
            )
        )
        return set(found.all())

    async def remove_many(
        self, kind: str, source_ids: Sequence[str], at: dt.datetime, event: DomainEvent | None
    ) -> int:
        """Leave tombstones of those documents (as of ``at``) and stage ``event``."""
        now = dt.datetime.now(dt.UTC)
        removed = await self._upsert(
            [_tombstone(kind, i, at, now) for i in dict.fromkeys(source_ids)]
        )
        if removed:
            await self._grow_generation(removed=True)
        if event is not None:
            SqlOutbox(self.session, "community").add(event)
        return removed


class SqlSearchIndex:
    """:class:`~reptidex.domain.community.search.ports.SearchIndex` with a transaction of its
    own per call, on ``sessions``."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @asynccontextmanager
    async def _store(self) -> AsyncIterator[SqlSearchStore]:
        async with self._sessions() as session, session.begin():
            yield SqlSearchStore(session)

    async def upsert(self, documents: Sequence[SearchDocument]) -> int:
        """Store ``documents`` and commit."""
        async with self._store() as store:
            return await store.upsert(documents)

    async def remove(self, kind: str, source_id: str, at: dt.datetime) -> bool:
        """Take a document out and commit."""
        async with self._store() as store:
            return await store.remove(kind, source_id, at)

    async def apply(self, changes: Sequence[IndexChange]) -> int:
        """Store and take out documents together, and commit."""
        async with self._store() as store:
            return await store.apply(changes)

    async def match(
        self, groups: Sequence[TermGroup], filters: Filters, *, limit: int, offset: int
    ) -> Matches:
        """A page of matches with the facets."""
        async with self._store() as store:
            return await store.match(groups, filters, limit=limit, offset=offset)

    async def get(self, kind: str, source_id: str) -> SearchDocument | None:
        """One listed document."""
        async with self._store() as store:
            return await store.get(kind, source_id)

    async def count(self) -> int:
        """How many listed documents there are."""
        async with self._store() as store:
            return await store.count()

    async def generation(self) -> Generation:
        """The index's generation (its committed changes and removals): searches ask, so on
        PostgreSQL asyncpg reads it alone, without a transaction."""
        async with self._sessions() as session:
            if session.bind.dialect.name != "postgresql":
                return await SqlSearchStore(session).generation()
            driver = await driver_of(session)
            changes, removals = await driver.fetchrow(_GENERATION_TEXT)
            return Generation(int(changes), int(removals))

    async def listed_ids(self, kind: str, changed_before: dt.datetime) -> set[str]:
        """The source ids of the listed documents of ``kind`` last changed before then."""
        async with self._store() as store:
            return await store.listed_ids(kind, changed_before)

    async def remove_many(
        self, kind: str, source_ids: Sequence[str], at: dt.datetime, event: DomainEvent | None
    ) -> int:
        """Take those documents out and stage ``event``, in one transaction."""
        async with self._store() as store:
            return await store.remove_many(kind, source_ids, at, event)
