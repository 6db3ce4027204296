"""repti-ops' audit tables: the chained records, the chain's head and the expiry checkpoints.

``audit_record`` is append-only: on PostgreSQL the service's role may only SELECT and INSERT
it (migration ``ops_0003``), and row-level security shows a transaction only its
organisation's records unless it asks for the whole trail.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import BigInteger, Column, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import OpsModel

AUDIT_CHAIN = "audit"
"""The name of the one chain in ``audit_chain_head``."""


class AuditRecordRow(OpsModel):
    """One audit record at its place in the chain (``id`` is the record's id; ``created_at``
    is when repti-ops stored it)."""

    __tablename__ = "audit_record"
    __table_args__ = (
        Index("ix_audit_record_organisation_occurred", "organisation_id", "occurred_at"),
        Index("ix_audit_record_occurred", "occurred_at"),
        Index("ix_audit_record_resource", "resource_kind", "resource_id"),
        Index("ix_audit_record_actor", "actor_id"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    service: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    request_id: Mapped[str | None] = mapped_column(String(128), default=None)
    resource_kind: Mapped[str] = mapped_column(String(60))
    resource_id: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    before: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    withheld: Mapped[list[str]] = mapped_column(JsonB, default=list)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


audit_chain_head = Table(
    "audit_chain_head",
    OpsModel.metadata,
    Column("chain", String(20), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)
"""The last record of the chain (its seq and hash): appending locks this row, so records
are chained one after the other whatever the number of consumers."""

audit_checkpoint = Table(
    "audit_checkpoint",
    OpsModel.metadata,
    Column("seq", BigInteger, primary_key=True),
    Column("hash", String(64), nullable=False),
    Column("expired", BigInteger, nullable=False),
    Column("created_at", DateTimeUTC(timezone=True), nullable=False),
)
"""One row per expiry: the seq and hash of the last record removed, where the chain of the
kept records begins."""
