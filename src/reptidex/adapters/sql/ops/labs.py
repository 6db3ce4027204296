"""Genetics lab integrations in repti-ops' database.

On PostgreSQL row-level security (migration ``ops_0006``) shows a transaction only the
integrations of the organisation it sets (``reptidex.organisation_id``)."""

from __future__ import annotations

import uuid
from typing import Self

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.ops.lab_models import LabIntegrationRow
from reptidex.adapters.sql.ops.webhooks import bind_organisation
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.adapters.sql.unit_of_work import SqlUnitOfWork
from reptidex.domain.integrations.labs.model import LabIntegration
from reptidex.domain.integrations.model import SealedSecret


def _folded(lab: str) -> str:
    return " ".join(lab.split()).casefold()


def integration_of(row: LabIntegrationRow) -> LabIntegration:
    """The integration a row holds."""
    sealed = None
    if row.api_key_ciphertext is not None:
        sealed = SealedSecret(
            row.api_key_ciphertext, row.api_key_key or "", row.api_key_version or 1
        )
    return LabIntegration(
        id=row.id,
        organisation_id=row.organisation_id,
        lab=row.lab,
        columns=dict(row.columns),
        api_key=sealed,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _key_columns(integration: LabIntegration) -> dict[str, object]:
    sealed = integration.api_key
    return {
        "api_key_ciphertext": None if sealed is None else sealed.ciphertext,
        "api_key_key": None if sealed is None else sealed.key,
        "api_key_version": None if sealed is None else sealed.version,
    }


class SqlLabIntegrations:
    """The :class:`~reptidex.domain.integrations.labs.ports.LabIntegrations` port."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, integration: LabIntegration) -> None:
        """Stage a new integration."""
        self._session.add(
            LabIntegrationRow(
                id=integration.id,
                organisation_id=integration.organisation_id,
                lab=integration.lab,
                lab_key=_folded(integration.lab),
                columns=dict(integration.columns),
                created_at=integration.created_at,
                updated_at=integration.updated_at,
                **_key_columns(integration),
            )
        )
        await self._session.flush()

    async def save(self, integration: LabIntegration) -> None:
        """Write a changed integration's columns and key."""
        await self._session.execute(
            update(LabIntegrationRow)
            .where(
                LabIntegrationRow.id == integration.id,
                LabIntegrationRow.organisation_id == integration.organisation_id,
            )
            .values(
                columns=dict(integration.columns),
                updated_at=integration.updated_at,
                **_key_columns(integration),
            )
        )

    async def get(
        self, organisation_id: uuid.UUID, integration_id: uuid.UUID
    ) -> LabIntegration | None:
        """One of the organisation's integrations, or ``None``."""
        row = await self._session.scalar(
            select(LabIntegrationRow).where(
                LabIntegrationRow.id == integration_id,
                LabIntegrationRow.organisation_id == organisation_id,
            )
        )
        return None if row is None else integration_of(row)

    async def by_lab(self, organisation_id: uuid.UUID, lab: str) -> LabIntegration | None:
        """The organisation's integration with ``lab``, or ``None``."""
        row = await self._session.scalar(
            select(LabIntegrationRow).where(
                LabIntegrationRow.organisation_id == organisation_id,
                LabIntegrationRow.lab_key == _folded(lab),
            )
        )
        return None if row is None else integration_of(row)

    async def of(self, organisation_id: uuid.UUID) -> list[LabIntegration]:
        """The organisation's integrations, oldest first."""
        rows = await self._session.scalars(
            select(LabIntegrationRow)
            .where(LabIntegrationRow.organisation_id == organisation_id)
            .order_by(LabIntegrationRow.created_at, LabIntegrationRow.id)
        )
        return [integration_of(row) for row in rows]


class SqlLabUnitOfWork(SqlUnitOfWork):
    """Lab integrations and repti-ops' outbox on one transaction, scoped on entry to the
    caller's organisation."""

    conflict_message = "The organisation already has an integration with this lab."

    labs: SqlLabIntegrations
    outbox: SqlOutbox

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], organisation_id: uuid.UUID
    ) -> None:
        super().__init__(sessions)
        self.organisation_id = organisation_id

    def _open(self, session: AsyncSession) -> None:
        self.labs = SqlLabIntegrations(session)
        self.outbox = SqlOutbox(session, "ops")

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        assert self._session is not None
        await bind_organisation(self._session, self.organisation_id)
        return self
