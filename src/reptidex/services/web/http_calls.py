"""The services' APIs over HTTP (httpx), with timeouts and the request id carried on."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

from reptidex.services.kernel.peers import PeerClient
from reptidex.services.web.api import ServiceAnswer, ServiceProblem, ServiceUnreachable

_FILENAME = re.compile(r'filename="?([^";]+)"?')


def field_name(location: str) -> str:
    """The form field a problem's ``field`` names: its last segment (``$.sire.morph`` and
    ``body.morph`` are the ``morph`` field), without list indexes.

    >>> field_name("$.hatchlings[0].morph")
    'morph'
    >>> field_name("password")
    'password'
    """
    last = re.split(r"[.]", location.strip())[-1]
    return re.sub(r"\[\d+\]", "", last).lstrip("$")


_PLAIN: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Invalid RFC3339 encoded date"), "Enter a date (year-month-day)."),
    (re.compile(r"^Invalid RFC3339 encoded datetime"), "Enter a date and time."),
    (re.compile(r"^Expected `int`"), "Enter a whole number."),
    (re.compile(r"^Expected `int` >= (\d+)"), "Enter {0} or more."),
    (re.compile(r"^Expected `int` <= (\d+)"), "Enter {0} or less."),
    (re.compile(r"^Expected `str` of length >= 1"), "Fill this in."),
    (re.compile(r"^Expected `str` of length <= (\d+)"), "Use at most {0} characters."),
    (re.compile(r"^Expected `str` matching regex"), "This is not in the expected form."),
    (re.compile(r"^Invalid enum value"), "Choose one of the options."),
    (re.compile(r"^Invalid UUID"), "Choose one of the options."),
)
"""Validation messages of the services' request decoding, as a person reads them (the
services' own messages, written for people, pass unchanged)."""


def readable(message: str) -> str:
    """``message`` of a field error, for a person.

    >>> readable("Invalid RFC3339 encoded date")
    'Enter a date (year-month-day).'
    >>> readable("Expected `int` >= 0")
    'Enter 0 or more.'
    >>> readable("unknown word 'pastle' (did you mean Pastel?)")
    "unknown word 'pastle' (did you mean Pastel?)"
    """
    for pattern, text in sorted(_PLAIN, key=lambda item: -len(item[0].pattern)):
        found = pattern.match(message)
        if found:
            return text.format(*found.groups())
    return message


def problem_of(response: httpx.Response) -> ServiceProblem:
    """The :class:`ServiceProblem` of a refused ``response`` (problem+json or not)."""
    title = response.reason_phrase or "Refused"
    try:
        document = response.json()
    except ValueError:
        document = None
    if not isinstance(document, dict):
        return ServiceProblem(response.status_code, title, title)
    errors: dict[str, str] = {}
    for item in document.get("errors") or ():
        if isinstance(item, dict) and item.get("message"):
            name = field_name(str(item.get("field") or ""))
            errors.setdefault(name, readable(str(item["message"])))
    errors.pop("", None)
    detail = str(document.get("detail") or document.get("title") or title)
    return ServiceProblem(response.status_code, str(document.get("title") or title), detail, errors)


class HttpServiceCalls:
    """:class:`~reptidex.services.web.api.ServiceCalls` over the kernel's peer client."""

    def __init__(
        self,
        base_urls: Mapping[str, str],
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.peers = PeerClient(base_urls, timeout=timeout, transport=transport)

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
        """``method path`` on ``service``, as the holder of ``token``."""
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        multipart: dict[str, object] = (
            {"files": dict(files), "data": dict(form or {})} if files else {}
        )
        try:
            response = await self.peers.request(
                method, service, path, json=json, params=dict(params or {}), headers=sent,
                **multipart,
            )  # fmt: skip
        except httpx.TimeoutException as exc:
            raise ServiceUnreachable(service, "timed out") from exc
        except httpx.TransportError as exc:
            raise ServiceUnreachable(service, type(exc).__name__) from exc
        if response.status_code >= 400:
            raise problem_of(response)
        disposition = _FILENAME.search(response.headers.get("content-disposition", ""))
        return ServiceAnswer(
            status=response.status_code,
            content_type=response.headers.get("content-type", ""),
            content=response.content,
            filename=disposition.group(1) if disposition else None,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.peers.aclose()
