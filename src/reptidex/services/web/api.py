"""The port through which pages call the six services, and what a refused call says.

A page never builds HTTP requests itself: it asks :class:`ServiceCalls` (implemented over
httpx by :class:`~reptidex.services.web.http_calls.HttpServiceCalls`) for ``METHOD path`` on a
service, with the signed-in breeder's access token. A call the service refuses raises
:class:`ServiceProblem`, carrying the problem document's detail and its field errors so that a
form can show each message beside its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class ServiceAnswer:
    """A successful answer: its status, content type, body, and a file name if it has one."""

    status: int
    content_type: str
    content: bytes
    filename: str | None = None

    def json(self) -> Any:
        """The body decoded as JSON (``None`` for an empty body)."""
        import json

        return json.loads(self.content) if self.content else None


@dataclass(slots=True)
class ServiceProblem(Exception):
    """A service refused a call (4xx or 5xx): the problem document, read for people."""

    status: int
    title: str
    detail: str
    field_errors: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.title}: {self.detail}"


class ServiceUnreachable(Exception):
    """A service did not answer (refused the connection or timed out)."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"repti-{service} is not answering ({reason}); try again in a moment.")
        self.service = service


class ServiceCalls(Protocol):
    """Calls to the services' public APIs, addressed by service name (``core``, ``animal``,
    ``commerce``, ``media``, ``community``, ``ops``)."""

    async def call(
        self,
        method: str,
        service: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        form: Mapping[str, str] | None = None,
    ) -> ServiceAnswer:
        """``method path`` on ``service`` (``files``, each ``(filename, bytes, content type)``,
        with the ``form`` fields beside them, make a ``multipart/form-data`` body); raises :class:`ServiceProblem` when it refuses,
        :class:`ServiceUnreachable` when it does not answer."""
        ...

    async def aclose(self) -> None:
        """Close the connections."""
        ...
