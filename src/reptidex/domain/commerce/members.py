"""Who acts in the marketplace: a member of an organisation, as its token says."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from reptidex.domain.errors import PermissionDenied


@dataclass(frozen=True, slots=True)
class Member:
    """A user acting for ``organisation_id`` (``may_write`` false for viewers)."""

    organisation_id: uuid.UUID
    user_id: uuid.UUID | None = None
    may_write: bool = True

    def require_writer(self) -> None:
        """:class:`PermissionDenied` unless the member may buy, sell or change orders."""
        if not self.may_write:
            raise PermissionDenied("Viewers can read the marketplace but not trade.")
