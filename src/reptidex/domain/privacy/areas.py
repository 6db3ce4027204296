"""One service's personal data made of several areas' holders, answered as one."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from reptidex.domain.privacy.ports import PersonalDataHolder


class AreasPersonalData:
    """A :class:`~reptidex.domain.privacy.ports.PersonalDataHolder` over each area's holder:
    the export holds each area's under its name, the erasure counts each area's items as
    ``<area>.<kind>``. The areas are asked in order; an erasure is as idempotent as each
    area's."""

    def __init__(self, areas: Mapping[str, PersonalDataHolder]) -> None:
        self.areas = dict(areas)

    async def export(self, user_id: uuid.UUID) -> dict[str, Any]:
        """Every area's export, by area."""
        return {name: await holder.export(user_id) for name, holder in self.areas.items()}

    async def erase(self, user_id: uuid.UUID, pseudonym: uuid.UUID) -> dict[str, int]:
        """Every area's erasure; the counts by area and kind."""
        erased: dict[str, int] = {}
        for name, holder in self.areas.items():
            for kind, count in (await holder.erase(user_id, pseudonym)).items():
                erased[f"{name}.{kind}"] = count
        return erased
