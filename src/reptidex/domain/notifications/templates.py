"""The kinds of notification and their templates, per language (English is the fallback).

A template is a title, a body and the parameters both need; parameters fill ``{name}`` fields
and are never read as templates themselves. :func:`render` picks the recipient's language
when the kind has it, else English.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from reptidex.domain.errors import InvalidInput

FALLBACK_LANGUAGE = "en"
LANGUAGES: tuple[str, ...] = ("en", "de")
"""The languages messages are written in."""


@dataclass(frozen=True, slots=True)
class Template:
    """A kind's message in one language."""

    title: str
    body: str


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready to store and send."""

    title: str
    body: str
    language: str


TEMPLATES: dict[str, dict[str, Template]] = {
    "announcement": {
        "en": Template("{title}", "{body}"),
        "de": Template("{title}", "{body}"),
    },
    "order.paid": {
        "en": Template(
            "Order paid", "Order {order_id} was paid: {price}. Get the animal ready to ship."
        ),
        "de": Template(
            "Bestellung bezahlt",
            "Bestellung {order_id} wurde bezahlt: {price}. Bereite das Tier für den Versand vor.",
        ),
    },
    "order.shipped": {
        "en": Template("Order on its way", "Order {order_id} was handed over or shipped."),
        "de": Template(
            "Bestellung unterwegs", "Bestellung {order_id} wurde übergeben oder versandt."
        ),
    },
    "inquiry.received": {
        "en": Template("New inquiry", "Someone asked about listing {listing_id}."),
        "de": Template("Neue Anfrage", "Jemand hat zum Inserat {listing_id} eine Frage gestellt."),
    },
    "inquiry.answered": {
        "en": Template(
            "Your inquiry was answered", "The seller answered your inquiry about {listing_id}."
        ),
        "de": Template(
            "Deine Anfrage wurde beantwortet",
            "Der Verkäufer hat deine Anfrage zum Inserat {listing_id} beantwortet.",
        ),
    },
    "clutch.due": {
        "en": Template(
            "Clutch due to hatch",
            "Clutch {clutch_id}, laid {laid_on}, is due to hatch around {due_on}.",
        ),
        "de": Template(
            "Gelege schlüpft bald",
            "Gelege {clutch_id}, gelegt am {laid_on}, schlüpft voraussichtlich um den {due_on}.",
        ),
    },
    "listing.price_dropped": {
        "en": Template(
            "Price drop on a saved listing",
            "A listing you saved dropped from {old_price} to {new_price}.",
        ),
        "de": Template(
            "Preissenkung bei einem gemerkten Inserat",
            "Ein Inserat, das du dir gemerkt hast, kostet jetzt {new_price} statt {old_price}.",
        ),
    },
    "thread.reply": {
        "en": Template("New reply", "There is a new reply in a thread you follow."),
        "de": Template("Neue Antwort", "In einem Thema, dem du folgst, gibt es eine neue Antwort."),
    },
}
"""Every kind's templates by language."""

KINDS: tuple[str, ...] = tuple(sorted(TEMPLATES))


def parameters_of(kind: str) -> set[str]:
    """The parameters ``kind``'s templates need (every language's together).

    >>> sorted(parameters_of("order.paid"))
    ['order_id', 'price']
    """
    needed: set[str] = set()
    for template in TEMPLATES[kind].values():
        for text in (template.title, template.body):
            needed |= {name for _, name, _, _ in string.Formatter().parse(text) if name}
    return needed


def check_kind(kind: str, parameters: Mapping[str, str]) -> None:
    """Refuse an unknown kind or missing parameters (:class:`InvalidInput`)."""
    if kind not in TEMPLATES:
        raise InvalidInput(
            f"Unknown notification kind {kind!r}.", field_errors={"kind": ", ".join(KINDS)}
        )
    missing = sorted(parameters_of(kind) - set(parameters))
    if missing:
        raise InvalidInput(
            f"The kind {kind!r} needs the parameters {', '.join(missing)}.",
            field_errors={"parameters": f"missing: {', '.join(missing)}"},
        )


def render(kind: str, language: str, parameters: Mapping[str, str]) -> Rendered:
    """``kind``'s message in ``language`` (English when the kind lacks it).

    >>> render("order.shipped", "de", {"order_id": "A1"}).title
    'Bestellung unterwegs'
    >>> render("order.shipped", "fr", {"order_id": "A1"}).language
    'en'
    """
    check_kind(kind, parameters)
    chosen = language if language in TEMPLATES[kind] else FALLBACK_LANGUAGE
    template = TEMPLATES[kind][chosen]
    values = {name: str(parameters[name]) for name in parameters_of(kind)}
    return Rendered(template.title.format_map(values), template.body.format_map(values), chosen)
