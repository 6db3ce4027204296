"""Search's domain without a database: query bounds, gene synonyms, typo groups, snippets
that escape hostile text, and what the events become."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from reptidex.domain.community.search.documents import price_band, words
from reptidex.domain.community.search.feed import animal_document, listing_document
from reptidex.domain.community.search.genes import builtin_articles, builtin_gene_names
from reptidex.domain.community.search.query import Filters, SearchRequest, term_groups
from reptidex.domain.community.search.snippets import highlight
from reptidex.domain.errors import InvalidInput

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "request_",
    [
        SearchRequest("x" * 201),
        SearchRequest("pastel", limit=0),
        SearchRequest("pastel", limit=51),
        SearchRequest("pastel", offset=-1),
        SearchRequest("pastel", offset=1_001),
        SearchRequest("pastel", Filters(kind="order")),
        SearchRequest("— … !"),
        SearchRequest("one two three four five six seven eight nine"),
    ],
)
def test_requests_out_of_bounds_are_refused(request_: SearchRequest) -> None:
    with pytest.raises(InvalidInput):
        request_.check()


def test_a_gene_alias_matches_every_name_of_its_trait() -> None:
    (bel,) = term_groups("BEL", builtin_gene_names())
    assert {("bel",), ("lesser", "mojave"), ("blue", "eyed", "leucistic")} <= bel.phrases
    assert bel.typo_word is None


def test_words_not_genes_stand_alone_and_long_ones_may_be_typos() -> None:
    groups = term_groups("pastle het clown 100", builtin_gene_names())
    assert [g.typo_word for g in groups] == ["pastle", None, None, None]
    assert groups[2].phrases >= {("clown",)}


def test_snippets_escape_everything_but_their_marks() -> None:
    hostile = '<script>alert("pastel")</script> <img src=x onerror=alert(1)> Pastel'
    snippet = highlight(hostile, {"pastel"})
    assert "<script>" not in snippet
    assert "<img" not in snippet
    assert snippet.count("<mark>") == 2
    assert "&lt;script&gt;" in snippet


def test_a_long_text_is_cut_around_its_first_match() -> None:
    text = " ".join(["filler"] * 100 + ["Clown"] + ["after"] * 100)
    snippet = highlight(text, {"clown"}, size=80)
    assert "<mark>Clown</mark>" in snippet
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert len(snippet) < 120


def test_words_are_folded_the_same_for_both_databases() -> None:
    assert words("Crème-Brûlée_Het") == ["creme", "brulee", "het"]
    assert price_band(9_999, "EUR") == "under 100 EUR"
    assert price_band(500_000, "JPY") == "5000+ JPY"


def test_events_become_documents_with_their_facets() -> None:
    animal_id = str(uuid.uuid4())
    animal = animal_document(
        {"animal_id": animal_id, "code": "BP-1", "name": None, "species": "ball_python",
         "sex": "male", "phenotype": "Clown", "morph": "Clown", "traits": ["Clown"],
         "hets": ["Pied"]},
        None, NOW,
    )  # fmt: skip
    assert animal.title == "BP-1 (Clown)"
    assert animal.genes == ("Clown", "Pied")
    assert "het Pied" in animal.body
    assert "Ball python" in animal.body
    listing = listing_document(
        {"listing_id": "l1", "species": "corn_snake", "price_amount": 12_000,
         "currency": "usd", "country": "us", "title": "", "morph": "Amel"},
        None, NOW,
    )  # fmt: skip
    assert listing.title == "Amel"
    assert listing.country == "US"
    assert listing.price_band == "100-250 USD"


def test_every_catalog_article_has_a_unique_id_and_a_link() -> None:
    articles = builtin_articles()
    assert len({a.source_id for a in articles}) == len(articles)
    assert all(a.link == f"/search/articles/{a.source_id}" for a in articles)
    assert "ball_python.lesser_mojave" in {a.source_id for a in articles}
