"""repti-ops' table of genetics lab integrations (migration ``ops_0006``)."""

from __future__ import annotations

import uuid

from advanced_alchemy.types import JsonB
from sqlalchemy import Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import OpsModel


class LabIntegrationRow(OpsModel):
    """An organisation's integration with one lab: its column headers and sealed API key."""

    __tablename__ = "lab_integration"
    __table_args__ = (Index("uq_lab_integration_lab", "organisation_id", "lab_key", unique=True),)

    organisation_id: Mapped[uuid.UUID] = mapped_column()
    lab: Mapped[str] = mapped_column(String(100))
    lab_key: Mapped[str] = mapped_column(String(100))
    """The lab's name folded (one integration per lab and organisation)."""
    columns: Mapped[dict[str, str]] = mapped_column(JsonB)
    api_key_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    api_key_key: Mapped[str | None] = mapped_column(String(20), default=None)
    api_key_version: Mapped[int | None] = mapped_column(Integer, default=None)
