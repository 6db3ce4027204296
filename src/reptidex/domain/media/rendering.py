"""Pedigree charts and certificates: what a drawing holds, the themes, the render cache's
entries and the key a render is cached under.

Every renderer (SVG, PNG, PDF) draws the engine's :class:`~reptidex.engine.pedigree.ChartLayout`
and the text of :func:`box_lines`, so the three formats show the same chart.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from reptidex.domain.billing.plans import PLANS
from reptidex.domain.errors import InvalidInput, PermissionDenied
from reptidex.domain.media.lineage import LineageSnapshot
from reptidex.engine.pedigree import ChartBox, ChartLayout, chart_layout

BOX_WIDTH = 210.0
BOX_HEIGHT = 66.0
COLUMN_GAP = 30.0
ROW_GAP = 8.0
MARGIN = 24.0
HEADER = 64.0
FOOTER = 28.0
COMPACT_BOX = (130.0, 34.0)
PHOTO = 46.0
"""The side of an ancestor's photo in its box."""

MIN_GENERATIONS, MAX_GENERATIONS = 1, 6
CERTIFICATE_GENERATIONS = 4

Format = Literal["svg", "png", "pdf"]
MEDIA_TYPES: Mapping[str, str] = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
}

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True, slots=True)
class Palette:
    """The colours of a chart."""

    background: str
    box: str
    border: str
    text: str
    muted: str
    accent: str
    repeat: str
    unknown: str
    line: str


@dataclass(frozen=True, slots=True)
class Theme:
    """Light or dark, an accent colour (``#rrggbb``) and an optional logo (PNG or JPEG bytes)."""

    mode: Literal["light", "dark"] = "light"
    accent: str = "#2f7d4f"
    logo: bytes | None = field(default=None, repr=False)
    logo_type: str | None = None

    def __post_init__(self) -> None:
        if not _COLOUR.match(self.accent):
            raise InvalidInput(
                "The accent colour must look like #2f7d4f.", field_errors={"accent": "#rrggbb"}
            )

    @property
    def palette(self) -> Palette:
        """The colours of this theme."""
        if self.mode == "dark":
            return Palette(
                "#17191c", "#23272c", "#3b424a", "#f1f3f5", "#a9b1ba", self.accent, "#3a3320",
                "#1d2024", "#6b7580",
            )  # fmt: skip
        return Palette(
            "#ffffff", "#f7f9f8", "#c9d1cc", "#1b1f1d", "#5c6660", self.accent, "#fff4d6",
            "#fbfbfb", "#9aa59f",
        )  # fmt: skip

    def key(self) -> str:
        """What distinguishes renders of this theme (the logo by its hash)."""
        logo = hashlib.sha256(self.logo).hexdigest()[:16] if self.logo else "-"
        return f"{self.mode}|{self.accent.lower()}|{logo}"


def _clip(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def box_lines(snapshot: LineageSnapshot, box: ChartBox, width: int = 34) -> tuple[str, ...]:
    """The text of a box: name, id code, morph, hets, hatch year, and the repeat mark.

    At most four lines, each at most ``width`` characters.
    """
    if box.unknown:
        return ("Unknown",)
    animal = snapshot.animal_at(box.position)
    if animal is None or animal.restricted:
        return ("Private animal",)
    lines = [_clip(animal.label, width)]
    details = [
        x for x in (animal.code, f"hatched {animal.hatch_year}" if animal.hatch_year else None) if x
    ]
    if details:
        lines.append(_clip(" · ".join(details), width))
    if animal.morph:
        lines.append(_clip(animal.morph, width))
    if animal.genetics:
        lines.append(_clip(animal.genetics, width))
    if box.repeat_of is not None:
        lines = [*lines[:3], f"↻ repeat of #{box.repeat_of}"]
    return tuple(lines[:4])


@dataclass(frozen=True, slots=True)
class PedigreeDrawing:
    """Everything a renderer needs for a pedigree chart (coordinates from the layout, offset
    by ``MARGIN`` and ``HEADER``)."""

    snapshot: LineageSnapshot
    layout: ChartLayout
    theme: Theme
    title: str
    subtitle: str
    max_lines: int = 4
    photos: Mapping[str, bytes] = field(default_factory=dict)
    """Photo (PNG or JPEG thumbnail) by animal id, drawn at the right of its boxes."""

    @property
    def width(self) -> float:
        """The page width in points / pixels."""
        return self.layout.width + 2 * MARGIN

    @property
    def height(self) -> float:
        """The page height."""
        return self.layout.height + HEADER + FOOTER + MARGIN

    def photo_of(self, box: ChartBox) -> bytes | None:
        """The photo drawn in a box, if its animal has one (never in compact boxes)."""
        if self.max_lines < 4 or box.unknown:
            return None
        animal = self.snapshot.animal_at(box.position)
        return None if animal is None or animal.id is None else self.photos.get(animal.id)

    def lines_of(self, box: ChartBox) -> tuple[str, ...]:
        """The text of a box (a repeat keeps its mark when lines are cut)."""
        lines = box_lines(self.snapshot, box, 26 if self.photo_of(box) else 34)
        if len(lines) > self.max_lines and box.repeat_of is not None:
            return (*lines[: self.max_lines - 1], lines[-1])
        return lines[: self.max_lines]


Paper = Literal["a4", "letter"]
PAPER_SIZES: Mapping[str, tuple[float, float]] = {"a4": (595.28, 841.89), "letter": (612.0, 792.0)}
"""Page sizes in PostScript points (1/72 inch)."""


@dataclass(frozen=True, slots=True)
class CertificateDrawing:
    """A certificate: the animal, its genetics, breeder, hatch date, clutch, a 4-generation
    chart, the COI and a QR code to the public profile."""

    pedigree: PedigreeDrawing
    paper: Paper
    profile_url: str
    issued: str

    def facts(self) -> tuple[tuple[str, str], ...]:
        """The labelled facts printed above the chart."""
        snapshot = self.pedigree.snapshot
        animal = snapshot.root
        rows = [
            ("Name", animal.label),
            ("ID code", animal.code or "-"),
            ("Species", (animal.species or "-").replace("_", " ")),
            ("Sex", animal.sex or "unknown"),
            ("Morph", animal.morph or "-"),
            ("Genetics", animal.genetics or "-"),
            ("Hatch date", animal.hatch_date.isoformat() if animal.hatch_date else "-"),
            ("Breeder", snapshot.breeder or "-"),
            ("Keeper", snapshot.keeper or "-"),
            ("Clutch", snapshot.clutch or "-"),
            ("COI", coi_text(snapshot)),
        ]
        return tuple(rows)


NOT_RECORDED: Mapping[str, str] = {
    "bought": "Not recorded (bought in)",
    "external": "Not recorded (external animal)",
}
"""What a certificate prints as the breeder of an animal whose record names none."""


def clutch_text(snapshot: LineageSnapshot) -> str | None:
    """The clutch of origin as a certificate prints it: laid date, parents, short id.

    >>> import datetime as dt
    >>> from reptidex.domain.media.lineage import AnimalOrigin, ChartAnimal, LineagePosition
    >>> origin = AnimalOrigin(clutch_id=uuid.UUID(int=0xABCDEF12 << 96),
    ...                       clutch_laid_on=dt.date(2025, 3, 14))
    >>> sire = LineagePosition(2, 1, "S", None, ChartAnimal(name="Zeus"))
    >>> clutch_text(LineageSnapshot(uuid.UUID(int=1), 1, (sire,), 0.0, 0, origin=origin))
    'laid 2025-03-14 · Zeus × Unknown · #abcdef12'
    """
    origin = snapshot.origin
    if origin is None or origin.clutch_id is None:
        return None
    parts = [f"laid {origin.clutch_laid_on.isoformat()}"] if origin.clutch_laid_on else []
    sire, dam = snapshot.animal_at(2), snapshot.animal_at(3)
    if sire is not None or dam is not None:
        parts.append(" × ".join(_clip(a.label, 24) if a else "Unknown" for a in (sire, dam)))
    parts.append(f"#{origin.clutch_id.hex[:8]}")
    return " · ".join(parts)


def check_certificate_entitlement(plan: str | None) -> None:
    """Certificates are printed on plans that entitle to it; ``None`` (billing is off: no plan
    restricts anything) prints them. A plan that cannot be told never reaches here: its
    :class:`~reptidex.domain.errors.PlanUnknown` refuses the certificate (503).

    >>> check_certificate_entitlement("keeper"), check_certificate_entitlement(None)
    (None, None)
    >>> check_certificate_entitlement("free")
    Traceback (most recent call last):
    ...
    reptidex.domain.errors.PermissionDenied: Printing certificates needs the Keeper plan or above.
    """
    known = PLANS.get(plan or "")
    if known is not None and not known.entitlements.certificate_printing:
        first = next(p.name for p in PLANS.values() if p.entitlements.certificate_printing)
        raise PermissionDenied(f"Printing certificates needs the {first} plan or above.")


def coi_text(snapshot: LineageSnapshot) -> str:
    """The inbreeding coefficient as breeders read it.

    >>> from reptidex.domain.media.lineage import LineageSnapshot
    >>> coi_text(LineageSnapshot(uuid.UUID(int=1), 5, (), 0.0625, 5))
    'COI 6.25% over 5 generations'
    """
    plural = "s" if snapshot.coefficient_generations != 1 else ""
    return (
        f"COI {snapshot.coefficient * 100:.2f}% over "
        f"{snapshot.coefficient_generations} generation{plural}"
    )


@dataclass(frozen=True, slots=True)
class CachedRender:
    """A rendered chart or certificate, stored by its cache key."""

    key: str
    kind: str
    animal_id: str
    format: str
    content: bytes
    lineage_version: str
    members: tuple[str, ...]

    @property
    def media_type(self) -> str:
        """The content type of the bytes."""
        return MEDIA_TYPES[self.format]


class RecentRenders:
    """The most recently used renders of this process, in front of the database.

    >>> recent = RecentRenders(capacity=1)
    >>> recent.put(CachedRender("k1", "pedigree", "a", "svg", b"1", "v", ("a", "b")))
    >>> recent.put(CachedRender("k2", "pedigree", "c", "svg", b"2", "v", ("c",)))
    >>> recent.get("k1") is None, recent.get("k2").content
    (True, b'2')
    >>> recent.invalidate("c"), recent.get("k2")
    (1, None)
    """

    def __init__(self, capacity: int = 256) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, CachedRender] = OrderedDict()

    def get(self, key: str) -> CachedRender | None:
        """A render, marked as recently used."""
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, render: CachedRender) -> None:
        """Keep a render, forgetting the least recently used beyond the capacity."""
        self._items[render.key] = render
        self._items.move_to_end(render.key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def invalidate(self, animal_id: str) -> int:
        """Forget every render whose chart shows the animal."""
        stale = [k for k, r in self._items.items() if animal_id in r.members]
        for key in stale:
            del self._items[key]
        return len(stale)


@dataclass(frozen=True, slots=True)
class RenderRequest:
    """What to render: a pedigree chart or a certificate of an animal, in a format."""

    kind: Literal["pedigree", "certificate"]
    animal_id: uuid.UUID
    format: Format
    generations: int = 5
    theme: Theme = field(default_factory=Theme)
    paper: Paper = "a4"

    def __post_init__(self) -> None:
        if not MIN_GENERATIONS <= self.generations <= MAX_GENERATIONS:
            raise InvalidInput(
                f"generations must be between {MIN_GENERATIONS} and {MAX_GENERATIONS}.",
                field_errors={"generations": f"{MIN_GENERATIONS}-{MAX_GENERATIONS}"},
            )

    def cache_key(self, lineage_version: str, photos: str = "") -> str:
        """The key of this render of a lineage version (and of the photos it shows)."""
        text = "|".join(
            (
                self.kind,
                str(self.animal_id),
                self.format,
                str(self.generations),
                self.theme.key(),
                self.paper,
                lineage_version,
                photos,
            )
        )
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class RenderResult:
    """A render and whether it came from the cache."""

    render: CachedRender
    cached: bool
    milliseconds: float


def pedigree_drawing(
    snapshot: LineageSnapshot,
    generations: int,
    theme: Theme,
    *,
    compact: bool = False,
    photos: Mapping[str, bytes] | None = None,
) -> PedigreeDrawing:
    """The drawing of a lineage's pedigree chart to ``generations`` (``compact``: the small
    two-line boxes of a certificate)."""
    layout = chart_layout(
        snapshot.tree(generations),
        box_width=COMPACT_BOX[0] if compact else BOX_WIDTH,
        box_height=COMPACT_BOX[1] if compact else BOX_HEIGHT,
        column_gap=14.0 if compact else COLUMN_GAP,
        row_gap=4.0 if compact else ROW_GAP,
    )
    root = snapshot.root
    title = f"Pedigree of {root.label}" + (f" ({root.code})" if root.code and root.name else "")
    subtitle = f"{coi_text(snapshot)} · {layout.generations} generations shown"
    return PedigreeDrawing(
        snapshot, layout, theme, title, subtitle, 2 if compact else 4, dict(photos or {})
    )
