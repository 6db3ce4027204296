""":class:`~reptidex.domain.animals.ports.IdCodes` in ``animal_id_code``: each organisation's
id-code template and running number."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.animal.models import IdCodeRow


class SqlIdCodes:
    """:class:`~reptidex.domain.animals.ports.IdCodes` in ``animal_id_code``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _row(self, organisation_id: uuid.UUID) -> IdCodeRow:
        statement = select(IdCodeRow).where(IdCodeRow.organisation_id == organisation_id)
        row = await self._session.scalar(statement.with_for_update())
        if row is not None:
            return row
        try:
            async with self._session.begin_nested():
                row = IdCodeRow(organisation_id=organisation_id, template=None, next_number=1)
                self._session.add(row)
        except IntegrityError:  # another request made it first
            row = await self._session.scalar(statement.with_for_update())
            assert row is not None
        return row

    async def template(self, organisation_id: uuid.UUID) -> str | None:
        """The organisation's template (``None``: the default)."""
        return await self._session.scalar(
            select(IdCodeRow.template).where(IdCodeRow.organisation_id == organisation_id)
        )

    async def set_template(self, organisation_id: uuid.UUID, template: str) -> None:
        """Change the template."""
        row = await self._row(organisation_id)
        row.template = template
        await self._session.flush()

    async def next_number(self, organisation_id: uuid.UUID) -> int:
        """Take the next running number."""
        row = await self._row(organisation_id)
        number = row.next_number
        row.next_number = number + 1
        await self._session.flush()
        return number
