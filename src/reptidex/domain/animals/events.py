"""Payloads of the events the animal use cases stage in the outbox (version 1)."""

from __future__ import annotations

from typing import Any

import msgspec

PRODUCER = "animal"


class AnimalChanged(msgspec.Struct, frozen=True):
    """``animal.created`` / ``animal.updated``: the animal's summary after the change (with
    its genotype, which copies of it such as marketplace listings keep) and, for an update,
    the changed fields' values before and after (the audit trail)."""

    animal_id: str
    code: str
    name: str | None
    species: str
    sex: str
    phenotype: str
    status: str
    visibility: str
    changed: list[str] = []
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    morph: str | None = None
    hatch_date: str | None = None
    """ISO date."""
    traits: list[str] = []
    hets: list[str] = []
    possible_hets: list[list[str]] = []
    """``[gene, probability]`` pairs, the probability an exact fraction (``"2/3"``)."""
    genotype_source: dict[str, Any] | None = None
    """For a genotype changed on a lab's evidence: ``kind`` (``lab``), ``lab``,
    ``report_id``, ``test`` and ``report_date``; on its clutch's (every hatchling weighed
    together): ``kind`` (``clutch``), ``clutch_id``, ``hatchlings`` (how many were weighed)
    and ``reason`` (why, in words)."""


class AnimalDeleted(msgspec.Struct, frozen=True):
    """``animal.deleted`` (with the parents it had, whose family changed)."""

    animal_id: str
    code: str
    sire_id: str | None = None
    dam_id: str | None = None


class LineageChanged(msgspec.Struct, frozen=True):
    """``lineage.changed``: a parent link of an animal was set, changed or cleared."""

    animal_id: str
    sire_id: str | None
    dam_id: str | None
    previous_sire_id: str | None
    previous_dam_id: str | None


class PairCreated(msgspec.Struct, frozen=True):
    """``breeding.pair_created``."""

    pair_id: str
    sire_id: str
    dam_id: str
    season: str
    prospective_coi: float


class ClutchRecorded(msgspec.Struct, frozen=True):
    """``breeding.clutch_recorded``."""

    clutch_id: str
    dam_id: str
    sire_ids: list[str]
    pair_id: str | None
    laid_on: str
    eggs: int
    species: str | None = None
    """The dam's species (repti-community's hatch reminders read it)."""
    incubation_temperature: float | None = None
    """°C, when the breeder gave it."""
    expected_hatch: str | None = None
    """The breeder's own expected hatch date, when given."""


class ParentSuggestion(msgspec.Struct, frozen=True):
    """A gene of a clutch's parent that the whole clutch settled (its odds of carrying
    became 1 or 0), suggested to the breeder: the parent's record is never changed."""

    role: str
    """``sire`` or ``dam``."""
    animal_id: str
    gene: str
    before: str
    """The odds of carrying in the parent's record, an exact fraction (``"1/2"``)."""
    after: str
    """``"1"`` (proven het) or ``"0"`` (ruled out)."""
    suggestion: str
    """E.g. ``mark as proven het Clown``."""
    morph: str | None
    """The parent's morph with what the clutch ruled out removed, when a name says it."""
    proven_by: list[str]
    """The ids of the hatchlings that show it."""


class Hatched(msgspec.Struct, frozen=True):
    """``breeding.hatched``: hatchlings registered from a clutch."""

    clutch_id: str
    hatchling_ids: list[str]
    hatched: int
    narrowed_ids: list[str] = []
    """The hatchlings of the clutch (registered now or before) whose genotype the whole
    clutch narrowed (each with its ``animal.updated``)."""
    suggestions: list[ParentSuggestion] = []
    """The parents' genes the clutch settled."""


class AnimalTransferred(msgspec.Struct, frozen=True):
    """``animal.transferred``."""

    animal_id: str
    code: str
    from_organisation_id: str
    to_organisation_id: str


class TransferOfferChanged(msgspec.Struct, frozen=True):
    """``animal.transfer_offered``, ``animal.transfer_accepted``, ``animal.transfer_declined``,
    ``animal.transfer_withdrawn``, ``animal.transfer_expired``: a transfer offer as it stands
    after the change."""

    offer_id: str
    animal_id: str
    code: str
    """The animal's code with the sender, at the offer."""
    from_organisation_id: str
    to_organisation_id: str
    status: str
    expires_at: str
    """ISO date and time (UTC)."""


class HetOddsGene(msgspec.Struct, frozen=True):
    """One locus of ``animal.het_odds.changed``."""

    locus: str
    name: str
    carrier: str
    """The probability of carrying: exact (``"2/3"``), or a decimal number for a family too
    large for exact figures."""
    percent: float
    """``carrier`` in percent, rounded to one decimal."""
    proven: bool


class HetOddsChanged(msgspec.Struct, frozen=True):
    """``animal.het_odds.changed``: an animal's kept het odds after a relative's change
    (``genes`` empty when none are kept any more: its family could not be computed)."""

    animal_id: str
    organisation_id: str
    species: str
    genes: list[HetOddsGene]
