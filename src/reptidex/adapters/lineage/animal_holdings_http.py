"""Whether the caller's organisation holds an animal, from repti-animal's
``GET /animals/{animal_id}`` with the caller's own bearer token (the kernel's peer client:
timeouts, request id).

repti-animal answers that endpoint only for an animal of the caller's organisation (404 for any
other, public or not), so 200 is "yours" and 404 or 403 "not yours, or not visible to you". A
401 is the caller's credential refused; anything else, or no answer, is
:class:`~reptidex.domain.media.files.AnimalsUnavailable` (503): repti-media does not attach a
file to an animal nobody could vouch for.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx

from reptidex.adapters.peer_calls import PeerGetter
from reptidex.domain.errors import NotAuthenticated
from reptidex.domain.media.files import AnimalsUnavailable


class HttpCallerAnimals:
    """:class:`~reptidex.domain.media.ports.CallerAnimals` on repti-animal."""

    def __init__(self, peers: Callable[[], PeerGetter]) -> None:
        self._peers = peers

    async def holds(self, animal_id: uuid.UUID, credential: str | None) -> bool:
        """Whether repti-animal shows ``animal_id`` to the caller as its organisation's."""
        if not credential:
            return False
        try:
            response = await self._peers().get(
                "animal",
                f"/animals/{animal_id}",
                headers={"Authorization": f"Bearer {credential}"},
            )
        except httpx.HTTPError as exc:
            raise AnimalsUnavailable(
                f"repti-animal could not be asked about the animal: {type(exc).__name__}."
            ) from None
        status = response.status_code
        if status == 200:
            return True
        if status in (403, 404):
            return False
        if status == 401:
            raise NotAuthenticated("repti-animal refused the credentials.")
        raise AnimalsUnavailable(f"repti-animal answered {status} about the animal.")
