"""repti-web in tests: stand-in services behind the web application's port, and reading pages."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reptidex.services.web.api import ServiceAnswer, ServiceProblem, ServiceUnreachable

Handler = Callable[[dict[str, Any]], ServiceAnswer]


def answer(body: Any, status: int = 200) -> ServiceAnswer:
    """A JSON answer."""
    return ServiceAnswer(status, "application/json", json.dumps(body).encode())


@dataclass
class StandInServices:
    """:class:`~reptidex.services.web.api.ServiceCalls` answered by handlers keyed by
    ``"METHOD service path"``; every call is recorded (with its token)."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    down: set[str] = field(default_factory=set)

    def on(self, key: str, handler: Handler | ServiceAnswer | ServiceProblem) -> None:
        """Answer ``key`` with ``handler`` (a function of the call, an answer, or a refusal)."""
        if isinstance(handler, ServiceAnswer):

            def fixed(_call: dict[str, Any], given: ServiceAnswer = handler) -> ServiceAnswer:
                return given

            self.handlers[key] = fixed
        elif isinstance(handler, ServiceProblem):

            def refuse(_call: dict[str, Any], problem: ServiceProblem = handler) -> ServiceAnswer:
                raise problem

            self.handlers[key] = refuse
        else:
            self.handlers[key] = handler

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
        made = {"key": f"{method} {service} {path}", "token": token, "json": json,
                "params": dict(params or {}), "headers": dict(headers or {}),
                "files": dict(files or {}), "form": dict(form or {})}  # fmt: skip
        self.calls.append(made)
        await asyncio.sleep(0)  # a real call lets other tasks run while it waits
        if service in self.down:
            raise ServiceUnreachable(service, "ConnectError")
        handler = self.handlers.get(made["key"])
        assert handler is not None, f"no stand-in for {made['key']}"
        answered: ServiceAnswer = handler(made)
        return answered

    async def aclose(self) -> None:
        return None

    def made(self, key: str) -> list[dict[str, Any]]:
        """The calls made to ``key``."""
        return [call for call in self.calls if call["key"] == key]


def csrf_token(html: str) -> str:
    """The CSRF token of the page's first form."""
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


def field_error(html: str, name: str) -> str | None:
    """The error shown beside the field ``name``, if any."""
    found = re.search(rf'<p class="error" id="{re.escape(name)}-error">([^<]*)</p>', html)
    return found.group(1) if found else None
