"""repti-animal's transfer of a sold animal (``PUT /animals/{id}/sales/{order_id}``), over
HTTP with repti-commerce's own service token.

A 200 or 201 is done (a repeat of the order returns its first transfer); a 404 or 409 is a
refusal (the seller no longer holds the animal, or the order moved another one); anything
else, and no answer at all, is repti-animal being unavailable: the request is tried again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import httpx

from reptidex.adapters.peer_calls import ServiceHeaders
from reptidex.domain.commerce.ownership import OwnershipTransfer, TransferRefused
from reptidex.domain.commerce.ports import AnimalsUnavailable

REFUSALS = (404, 409, 422)
"""repti-animal's answers that trying again would not change."""


class PeerPutter(Protocol):
    """The part of the kernel's peer client this adapter uses."""

    async def put(self, service: str, path: str, **kwargs: Any) -> httpx.Response:
        """PUT ``path`` of ``service``."""
        ...


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail") or response.reason_phrase)
    except ValueError:
        return response.reason_phrase


class HttpAnimalHandover:
    """The :class:`~reptidex.domain.commerce.ownership.AnimalHandover` port on repti-animal."""

    def __init__(self, peers: Callable[[], PeerPutter], headers: ServiceHeaders) -> None:
        self._peers = peers
        self._headers = headers

    async def transfer(self, request: OwnershipTransfer) -> None:
        """Ask repti-animal to move the order's animal to its buyer."""
        try:
            response = await self._peers().put(
                "animal",
                f"/animals/{request.animal_id}/sales/{request.order_id}",
                json={
                    "seller_organisation_id": str(request.seller_organisation_id),
                    "buyer_organisation_id": str(request.buyer_organisation_id),
                },
                headers=await self._headers(),
            )
        except httpx.HTTPError as error:
            raise AnimalsUnavailable(
                f"repti-animal could not be reached: {type(error).__name__}."
            ) from None
        if response.status_code in (200, 201):
            return
        if response.status_code in REFUSALS:
            raise TransferRefused(
                f"repti-animal refused the transfer ({response.status_code}): {_detail(response)}"
            )
        raise AnimalsUnavailable(f"repti-animal answered {response.status_code}.")
