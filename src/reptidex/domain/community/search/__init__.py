"""One search across the platform: public animals, marketplace listings, breeders, knowledge
articles (species and genes of the engine's catalogs) and forum threads and posts.

The index keeps one :class:`~reptidex.domain.community.search.documents.SearchDocument` per
public thing, fed by the owning services' events (:mod:`.feed`), or by any context through
:func:`~reptidex.domain.community.search.use_cases.index_document` /
:func:`~reptidex.domain.community.search.use_cases.remove_document`; a query
(:mod:`.query`) is words, gene names and aliases from the catalogs (:mod:`.genes`), and words
close to a stored one (typos), matched by the database's own full-text engine behind the
:class:`~reptidex.domain.community.search.ports.SearchIndex` port.
"""
