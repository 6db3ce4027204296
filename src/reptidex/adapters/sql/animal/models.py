"""repti-animal's tables: animals, each organisation's id-code counter, pairs and clutches.

Lists filter on ``trait_index``, ``gene_index`` and ``tag_index``: the values between bars
(``|pastel|clown|``), so that a plain ``LIKE '%|clown|%'`` works the same on SQLite and
PostgreSQL without JSON operators.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import AnimalModel


class AnimalRow(AnimalModel):
    """One animal of an organisation's collection."""

    __tablename__ = "animal"
    __table_args__ = (
        UniqueConstraint("organisation_id", "code", name="uq_animal_organisation_code"),
        Index("ix_animal_organisation_species", "organisation_id", "species"),
        Index("ix_animal_sire_id", "sire_id"),
        Index("ix_animal_dam_id", "dam_id"),
        Index("ix_animal_clutch_id", "clutch_id"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column()
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str | None] = mapped_column(String(120), default=None)
    species: Mapped[str] = mapped_column(String(60))
    sex: Mapped[str] = mapped_column(String(10))
    hatch_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    origin: Mapped[str] = mapped_column(String(12))
    morph: Mapped[str] = mapped_column(String(300))
    phenotype: Mapped[str] = mapped_column(String(300))
    genotype: Mapped[dict[str, Any]] = mapped_column(JsonB)
    trait_index: Mapped[str] = mapped_column(String(1000))
    gene_index: Mapped[str] = mapped_column(String(2000))
    tag_index: Mapped[str] = mapped_column(String(2000))
    sire_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    dam_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    external_sire: Mapped[dict[str, Any] | None] = mapped_column(JsonB, default=None)
    external_dam: Mapped[dict[str, Any] | None] = mapped_column(JsonB, default=None)
    status: Mapped[str] = mapped_column(String(12))
    visibility: Mapped[str] = mapped_column(String(14))
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    tags: Mapped[list[str]] = mapped_column(JsonB, default=list)
    photo_ids: Mapped[list[str]] = mapped_column(JsonB, default=list)
    clutch_id: Mapped[uuid.UUID | None] = mapped_column(default=None)


class IdCodeRow(AnimalModel):
    """An organisation's id-code template and the next running number."""

    __tablename__ = "animal_id_code"
    __table_args__ = (UniqueConstraint("organisation_id", name="uq_animal_id_code_organisation"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column()
    template: Mapped[str | None] = mapped_column(String(100), default=None)
    next_number: Mapped[int] = mapped_column(Integer, default=1)


class BreedingPairRow(AnimalModel):
    """A sire and a dam paired (or planned) for a season."""

    __tablename__ = "breeding_pair"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id", "sire_id", "dam_id", "season", name="uq_breeding_pair_season"
        ),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(index=True)
    sire_id: Mapped[uuid.UUID] = mapped_column()
    dam_id: Mapped[uuid.UUID] = mapped_column()
    season: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))
    prospective_coi: Mapped[float] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text, default=None)


class ClutchRow(AnimalModel):
    """A clutch of eggs."""

    __tablename__ = "clutch"

    organisation_id: Mapped[uuid.UUID] = mapped_column(index=True)
    pair_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    dam_id: Mapped[uuid.UUID] = mapped_column()
    sire_ids: Mapped[list[str]] = mapped_column(JsonB, default=list)
    season: Mapped[str] = mapped_column(String(20))
    laid_on: Mapped[dt.date] = mapped_column(Date)
    eggs: Mapped[int] = mapped_column(Integer)
    fertile: Mapped[int | None] = mapped_column(Integer, default=None)
    slugs: Mapped[int | None] = mapped_column(Integer, default=None)
    incubation_temperature: Mapped[float | None] = mapped_column(Float, default=None)
    expected_hatch: Mapped[dt.date | None] = mapped_column(Date, default=None)
    hatched_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    hatched: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str | None] = mapped_column(Text, default=None)


class HusbandryLogRow(AnimalModel):
    """A husbandry log entry (its kind's details as JSON)."""

    __tablename__ = "husbandry_log"
    __table_args__ = (Index("ix_husbandry_log_animal", "animal_id", "kind", "occurred_on"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(index=True)
    animal_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(12))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    details: Mapped[dict[str, Any]] = mapped_column(JsonB)
    notes: Mapped[str | None] = mapped_column(Text, default=None)


class TransferRow(AnimalModel):
    """An animal given from one organisation to another, with the seller's snapshot."""

    __tablename__ = "animal_transfer"

    animal_id: Mapped[uuid.UUID] = mapped_column(index=True)
    from_organisation_id: Mapped[uuid.UUID] = mapped_column(index=True)
    to_organisation_id: Mapped[uuid.UUID] = mapped_column(index=True)
    transferred_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JsonB)
    reference: Mapped[str | None] = mapped_column(String(80), default=None, index=True, unique=True)


PENDING_OFFER = text("status = 'pending'")
"""The rows of the pending offers (one per animal at most)."""


class TransferOfferRow(AnimalModel):
    """An animal offered to another organisation, pending until it answers (or expires)."""

    __tablename__ = "animal_transfer_offer"
    __table_args__ = (
        Index(
            "ix_animal_transfer_offer_pending",
            "animal_id",
            unique=True,
            sqlite_where=PENDING_OFFER,
            postgresql_where=PENDING_OFFER,
        ),
        Index("ix_animal_transfer_offer_status_expires_at", "status", "expires_at"),
    )

    animal_id: Mapped[uuid.UUID] = mapped_column()
    from_organisation_id: Mapped[uuid.UUID] = mapped_column(index=True)
    to_organisation_id: Mapped[uuid.UUID] = mapped_column(index=True)
    animal: Mapped[dict[str, Any]] = mapped_column(JsonB)
    share_lineage: Mapped[bool] = mapped_column()
    offered_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    status: Mapped[str] = mapped_column(String(12))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


het_odds_table = Table(
    "animal_het_odds",
    AnimalModel.metadata,
    Column("animal_id", ForeignKey("animal.id", ondelete="CASCADE"), primary_key=True),
    Column("locus", String(60), primary_key=True),
    Column("organisation_id", AnimalRow.__table__.c.organisation_id.type, nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", String(120), nullable=False),
    Column("carrier", Text, nullable=False),
    Column("carrier_float", Float, nullable=False),
    Column("proven", Boolean, nullable=False),
    Column("genotypes", JsonB, nullable=False),
    Column("reasons", JsonB, nullable=False),
    Column("method", String(30), nullable=False),
    Column("exact", Boolean, nullable=False),
    Column("family_size", Integer, nullable=False),
    Column("computed_at", DateTimeUTC(timezone=True), nullable=False),
)
"""Each animal's kept het odds, one row per locus (migration ``animal_0013``)."""

het_odds_state_table = Table(
    "animal_het_odds_state",
    AnimalModel.metadata,
    Column("animal_id", ForeignKey("animal.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", AnimalRow.__table__.c.organisation_id.type, nullable=False),
    Column("status", String(16), nullable=False),
    Column("note", Text, nullable=True),
    Column("family_size", Integer, nullable=False),
    Column("exact", Boolean, nullable=False),
    Column("computed_at", DateTimeUTC(timezone=True), nullable=True),
    Column("requested_at", DateTimeUTC(timezone=True), nullable=True),
)
"""How each animal's family's last het odds computation went, and a request for the next."""
