"""Another service's personal data over its ``/internal/personal-data`` port, asked with
repti-ops' service token through the kernel's peer client (timeouts, request id)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import msgspec

from reptidex.adapters.peer_calls import PeerPoster, ServiceHeaders
from reptidex.domain.privacy.ports import HolderUnavailable

PORT_PATH = "/internal/personal-data"


class _Exported(msgspec.Struct, frozen=True):
    data: dict[str, Any]


class _Erased(msgspec.Struct, frozen=True):
    erased: dict[str, int]


class HttpPersonalData:
    """The :class:`~reptidex.domain.privacy.ports.PersonalDataHolder` of ``service``.

    Any failure to get a well-formed 200 (no connection, a timeout, a refusal, a 5xx, a body
    that is not the port's) is :class:`HolderUnavailable`: the request asks again later, and
    its task shows the reason."""

    def __init__(
        self, service: str, peers: Callable[[], PeerPoster], service_headers: ServiceHeaders
    ) -> None:
        self.service = service
        self._peers = peers
        self._service_headers = service_headers

    async def _post(self, action: str, body: dict[str, str]) -> bytes:
        try:
            response = await self._peers().post(
                self.service,
                f"{PORT_PATH}/{action}",
                json=body,
                headers=await self._service_headers(),
            )
        except httpx.HTTPError as exc:
            raise HolderUnavailable(
                f"repti-{self.service} did not answer: {type(exc).__name__}"
            ) from None
        if response.status_code != 200:
            raise HolderUnavailable(f"repti-{self.service} answered {response.status_code}")
        return response.content

    async def export(self, user_id: uuid.UUID) -> dict[str, Any]:
        """The service's data about the user."""
        content = await self._post("export", {"user_id": str(user_id)})
        try:
            return msgspec.json.decode(content, type=_Exported).data
        except (msgspec.ValidationError, msgspec.DecodeError):
            raise HolderUnavailable(f"repti-{self.service} answered an unreadable export") from None

    async def erase(self, user_id: uuid.UUID, pseudonym: uuid.UUID) -> dict[str, int]:
        """Erase the user's data in the service."""
        content = await self._post("erase", {"user_id": str(user_id), "pseudonym": str(pseudonym)})
        try:
            return msgspec.json.decode(content, type=_Erased).erased
        except (msgspec.ValidationError, msgspec.DecodeError):
            raise HolderUnavailable(
                f"repti-{self.service} answered an unreadable erasure"
            ) from None
