"""Advertising's personal data about a user (GDPR): the campaigns they created for their
organisation, and the sightings (impressions and clicks, kept a short while to filter
duplicates) keyed by their hashed user id.

Campaigns are their organisations' records: an erasure keeps them with repti-ops' pseudonym
as their creator. Sightings are removed. Under row-level security (migration
``community_0006``) the ad server's setting (``reptidex.worker = 'ad_server'``) reads every
campaign and removes sightings; each organisation's campaigns are then changed in its own
scope (``reptidex.organisation_id``), the only one that may change more than spend."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.community.ad_models import AdCampaignRow, AdSightingRow
from reptidex.adapters.sql.community.ad_serving import SERVER_WORKER
from reptidex.domain.ads.serving import Viewer


async def _scope(session: AsyncSession, *, worker: str = "", organisation: str = "") -> None:
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            text(
                "SELECT set_config('reptidex.worker', :worker, true), "
                "set_config('reptidex.organisation_id', :organisation, true)"
            ),
            {"worker": worker, "organisation": organisation},
        )


def _when(value: dt.datetime) -> str:
    return value.isoformat()


class SqlAdPersonalData:
    """The :class:`~reptidex.domain.privacy.ports.PersonalDataHolder` of advertising."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def export(self, user_id: uuid.UUID) -> dict[str, Any]:
        """The campaigns the user created and their sightings."""
        viewer = Viewer.user(None, user_id).hashed()
        async with self._sessions() as session, session.begin():
            await _scope(session, worker=SERVER_WORKER)
            campaigns = await session.scalars(
                select(AdCampaignRow)
                .where(AdCampaignRow.created_by == user_id)
                .order_by(AdCampaignRow.created_at, AdCampaignRow.id)
            )
            sightings = await session.scalars(
                select(AdSightingRow)
                .where(AdSightingRow.viewer == viewer)
                .order_by(AdSightingRow.created_at, AdSightingRow.id)
            )
            return {
                "campaigns_created": [
                    {
                        "id": str(c.id),
                        "organisation_id": str(c.organisation_id),
                        "name": c.name,
                        "created_at": _when(c.created_at),
                    }
                    for c in campaigns
                ],
                "sightings": [
                    {
                        "campaign_id": str(s.campaign_id),
                        "kind": s.kind,
                        "seen_at": _when(s.created_at),
                    }
                    for s in sightings
                ],
            }

    async def erase(self, user_id: uuid.UUID, pseudonym: uuid.UUID) -> dict[str, int]:
        """Pseudonymise the campaigns' creator, remove the sightings; idempotent."""
        viewer = Viewer.user(None, user_id).hashed()
        async with self._sessions() as session, session.begin():
            await _scope(session, worker=SERVER_WORKER)
            organisations = set(
                await session.scalars(
                    select(AdCampaignRow.organisation_id).where(AdCampaignRow.created_by == user_id)
                )
            )
            removed = await session.execute(
                delete(AdSightingRow).where(AdSightingRow.viewer == viewer)
            )
            pseudonymised = 0
            for organisation_id in sorted(organisations, key=str):
                await _scope(session, organisation=str(organisation_id))
                result = await session.execute(
                    update(AdCampaignRow)
                    .where(
                        AdCampaignRow.organisation_id == organisation_id,
                        AdCampaignRow.created_by == user_id,
                    )
                    .values(created_by=pseudonym, updated_at=dt.datetime.now(dt.UTC))
                )
                pseudonymised += result.rowcount or 0  # type: ignore[attr-defined]
        return {
            "campaigns_pseudonymised": pseudonymised,
            "sightings_removed": removed.rowcount or 0,  # type: ignore[attr-defined]
        }
