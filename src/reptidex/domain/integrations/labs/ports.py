"""The ports of lab integrations: where an organisation's configurations are kept, and
repti-animal's collection, which the results are read against and written to."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Protocol

from reptidex.domain.errors import FeatureUnavailable
from reptidex.domain.events import Outbox
from reptidex.domain.integrations.labs.model import LabAnimal, LabIntegration


class AnimalsUnavailable(FeatureUnavailable):
    """repti-animal could not be asked, or did not answer as it should (503)."""


class ChangeRefused(Exception):
    """repti-animal refused a genotype change (its reason is the message)."""


class LabAnimals(Protocol):
    """The caller's collection in repti-animal, asked with the caller's credential."""

    async def find(self, reference: str, *, credential: str | None) -> LabAnimal | None:
        """The animal with this id or code in the caller's collection, or ``None``.

        Raises:
            AnimalsUnavailable: repti-animal could not be asked.
            NotAuthenticated, PermissionDenied: it refused the credential.
        """
        ...

    async def change_morph(
        self,
        animal_id: uuid.UUID,
        morph: str,
        *,
        expected_morph: str,
        source: Mapping[str, str | None],
        credential: str | None,
    ) -> None:
        """Set the animal's morph, if it is still ``expected_morph``, naming ``source``.

        Raises:
            ChangeRefused: repti-animal refused it (the morph changed since, a viewer, …).
            AnimalsUnavailable: repti-animal could not be asked.
        """
        ...


class LabIntegrations(Protocol):
    """An organisation's lab integrations."""

    async def add(self, integration: LabIntegration) -> None:
        """Store a new one."""
        ...

    async def save(self, integration: LabIntegration) -> None:
        """Store a changed one."""
        ...

    async def get(
        self, organisation_id: uuid.UUID, integration_id: uuid.UUID
    ) -> LabIntegration | None:
        """One of the organisation's, or ``None``."""
        ...

    async def by_lab(self, organisation_id: uuid.UUID, lab: str) -> LabIntegration | None:
        """The organisation's integration with ``lab`` (case-insensitively), or ``None``."""
        ...

    async def of(self, organisation_id: uuid.UUID) -> list[LabIntegration]:
        """The organisation's integrations, oldest first."""
        ...


class LabUnitOfWork(Protocol):
    """Lab integrations and the outbox in one transaction scoped to one organisation."""

    @property
    def labs(self) -> LabIntegrations:
        """The integrations."""
        ...

    @property
    def outbox(self) -> Outbox:
        """The outbox (events and audit records)."""
        ...

    async def commit(self) -> None:
        """Commit the changes and the staged events together."""
        ...
