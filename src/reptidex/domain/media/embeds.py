"""Embeddable widgets: what a third-party page may show, and the read model they show it from.

repti-media keeps its own copy of every animal's public summary and parent links, fed by
repti-animal's ``animal.*`` and ``lineage.changed`` events, so a widget on a breeder's website
never waits on repti-animal and never needs a user's token. Only public data leaves: an animal
that is not public renders as "not public"; a lineage-only ancestor shows its name and code in
a pedigree and nothing else.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal
from urllib.parse import urlsplit

from reptidex.domain.errors import InvalidInput
from reptidex.domain.het_labels import possible_het_label

WidgetType = Literal["profile", "pedigree", "available"]
WIDGET_TYPES: tuple[WidgetType, ...] = ("profile", "pedigree", "available")
FOR_SALE = "for_sale"
MAX_ALLOWED_DOMAINS = 20
MAX_WIDGET_GENERATIONS = 5


@dataclass(frozen=True, slots=True)
class WidgetOption:
    """One option of a widget, as the catalog documents it."""

    name: str
    description: str
    values: str
    default: str


@dataclass(frozen=True, slots=True)
class WidgetKind:
    """A widget type: what it shows, of what subject, with which options."""

    type: WidgetType
    title: str
    description: str
    subject: Literal["animal", "organisation"]
    options: tuple[WidgetOption, ...]


_LOOK = (
    WidgetOption("theme", "Colours", "light | dark", "light"),
    WidgetOption("accent", "Accent colour", "rrggbb", "2f7d4f"),
)

WIDGETS: Mapping[str, WidgetKind] = {
    "profile": WidgetKind(
        "profile",
        "Profile card",
        "An animal's public profile: photo, name, code, species, sex, morph, genetics "
        "(hets and possible hets), status.",
        "animal",
        _LOOK,
    ),
    "pedigree": WidgetKind(
        "pedigree",
        "Pedigree tree",
        "An animal's ancestors with the inbreeding coefficient (the public ones with their "
        "morph and genetics), stacked to fit a phone.",
        "animal",
        (
            WidgetOption("generations", "Generations shown", f"1-{MAX_WIDGET_GENERATIONS}", "3"),
            *_LOOK,
        ),
    ),
    "available": WidgetKind(
        "available",
        "Available animals",
        "A breeder's public animals marked for sale, with their morph and genetics.",
        "organisation",
        (WidgetOption("limit", "Most animals listed", "1-50", "12"), *_LOOK),
    ),
}
"""The widget catalog."""


@dataclass(frozen=True, slots=True)
class PossibleHet:
    """A gene an animal may carry, with the exact probability that it does."""

    gene: str
    probability: Fraction

    @property
    def label(self) -> str:
        """As breeders read it.

        >>> PossibleHet("Clown", Fraction(2, 3)).label
        '66% het Clown'
        """
        return possible_het_label(self.probability, self.gene)


@dataclass(frozen=True, slots=True)
class PublicAnimal:
    """repti-media's copy of an animal's summary (from repti-animal's events).

    ``hets`` and ``possible_hets`` are kept for public animals only (a breeder shows what a
    public animal carries, as its public profile does; nothing of the others)."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    code: str
    name: str | None
    species: str
    sex: str
    phenotype: str
    status: str
    visibility: str
    sire_id: uuid.UUID | None = None
    dam_id: uuid.UUID | None = None
    hets: tuple[str, ...] = ()
    possible_hets: tuple[PossibleHet, ...] = ()

    @property
    def is_public(self) -> bool:
        """Whether its profile may be shown anywhere."""
        return self.visibility == "public"

    @property
    def in_lineage(self) -> bool:
        """Whether its name may appear in another animal's pedigree."""
        return self.visibility in ("public", "lineage_only")

    @property
    def label(self) -> str:
        """Name, else code."""
        return self.name or self.code

    @property
    def genetics(self) -> str:
        """What it carries as breeders read it, the hets first (empty when nothing is known,
        and for an animal that is not public).

        >>> animal = PublicAnimal(uuid.UUID(int=1), uuid.UUID(int=2), "RX-1", None,
        ...     "ball_python", "male", "Pastel", "for_sale", "public", hets=("Albino",),
        ...     possible_hets=(PossibleHet("Clown", Fraction(2, 3)),))
        >>> animal.genetics
        'het Albino, 66% het Clown'
        """
        if not self.is_public:
            return ""
        return ", ".join([*(f"het {h}" for h in self.hets), *(h.label for h in self.possible_hets)])


@dataclass(frozen=True, slots=True)
class PedigreeEntry:
    """One position of a widget's pedigree: nothing (unknown), "not public", or the animal
    (``full`` False: a lineage-only ancestor, name and code only)."""

    position: int
    generation: int
    line: str
    repeat_of: int | None
    animal: PublicAnimal | None
    full: bool

    @property
    def hidden(self) -> bool:
        """Whether it shows as "not public"."""
        return self.animal is None


@dataclass(frozen=True, slots=True)
class WidgetPedigree:
    """A public pedigree: positions, and F from the parent links media knows."""

    root: PublicAnimal
    generations: int
    entries: tuple[PedigreeEntry, ...]
    coefficient: float


@dataclass(frozen=True, slots=True)
class EmbedSettings:
    """An organisation's embedding rules: the sites allowed to show its widgets (none: any)."""

    organisation_id: uuid.UUID
    allowed_origins: tuple[str, ...] = field(default_factory=tuple)

    def allows(self, origin: str | None) -> bool:
        """Whether a page of ``origin`` may embed or fetch the widgets.

        >>> rules = EmbedSettings(uuid.UUID(int=1), ("https://example.com", "https://*.reptiles.test"))
        >>> rules.allows("https://example.com"), rules.allows("https://shop.reptiles.test")
        (True, True)
        >>> rules.allows("https://evil.test"), EmbedSettings(uuid.UUID(int=1)).allows("https://x.y")
        (False, True)
        """
        if not self.allowed_origins:
            return True
        if not origin:
            return False
        origin = origin.rstrip("/").lower()
        for allowed in self.allowed_origins:
            if "*." in allowed:
                scheme, _, host = allowed.partition("://*.")
                parts = urlsplit(origin)
                if parts.scheme == scheme and (parts.netloc or "").endswith("." + host):
                    return True
            elif origin == allowed:
                return True
        return False


_ORIGIN = re.compile(
    r"^https?://(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$"
)


def checked_origins(values: Sequence[str]) -> tuple[str, ...]:
    """Origins as ``https://host[:port]`` (``*.`` before the host allows its subdomains).

    >>> checked_origins(["https://Example.com/", "http://localhost:8080"])
    ('https://example.com', 'http://localhost:8080')
    >>> checked_origins(["javascript:alert(1)"])
    Traceback (most recent call last):
    ...
    reptidex.domain.errors.InvalidInput: 'javascript:alert(1)' is not an origin such as https://example.com
    """
    if len(values) > MAX_ALLOWED_DOMAINS:
        raise InvalidInput(
            f"At most {MAX_ALLOWED_DOMAINS} allowed origins.",
            field_errors={"allowed_origins": f"at most {MAX_ALLOWED_DOMAINS}"},
        )
    found: list[str] = []
    for index, value in enumerate(values):
        origin = value.strip().rstrip("/").lower()
        if not _ORIGIN.match(origin):
            raise InvalidInput(
                f"{value!r} is not an origin such as https://example.com",
                field_errors={f"allowed_origins[{index}]": "expected https://host[:port]"},
            )
        if origin not in found:
            found.append(origin)
    return tuple(found)
