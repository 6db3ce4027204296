"""repti-ops' GDPR tables: the requests, each service's task in them, and the pseudonymised
audit records' content hashes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import OpsModel


class PrivacyRequestRow(OpsModel):
    """An export or erasure of one user's personal data."""

    __tablename__ = "privacy_request"
    __table_args__ = (Index("ix_privacy_request_subject", "subject_id"),)

    kind: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[uuid.UUID] = mapped_column()
    requested_by: Mapped[uuid.UUID] = mapped_column()
    pseudonym: Mapped[uuid.UUID | None] = mapped_column(default=None)


class PrivacyTaskRow(OpsModel):
    """One service's part of a request: its attempts and its answer."""

    __tablename__ = "privacy_task"
    __table_args__ = (Index("ix_privacy_task_due", "state", "next_attempt_at"),)

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("privacy_request.id", ondelete="CASCADE"), index=True
    )
    service: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, default=None)
    result: Mapped[dict[str, Any] | None] = mapped_column(JsonB, default=None)


audit_pseudonymised = Table(
    "audit_pseudonymised",
    OpsModel.metadata,
    Column("seq", BigInteger, primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("request_id", GUID(length=16), nullable=False),
    Column("created_at", DateTimeUTC(timezone=True), nullable=False),
)
"""One row per audit record an erasure pseudonymised: the hash of its content as it now reads
(its chain hash stays the original's, so the chain still links)."""
