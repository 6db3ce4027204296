"""A local stand-in for Twilio's Messages API: checks the account's basic credentials and
the form fields, records each message, answers as Twilio does (201 with the message's
``sid``; 400 with Twilio's error code for a number it cannot reach; 503 while told to be
away)."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import parse_qsl

from http_stand_in import ApiError, StandIn

SID = "AC" + "0" * 32
TOKEN = "stand-in-auth-token"
FROM = "+15005550006"
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class TwilioStandIn(StandIn):
    """Twilio's ``Messages.json`` for one account."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[dict[str, str]] = []
        self.away = 0
        """Answer 503 to this many more requests."""

    def decode(self, raw: str, headers: dict[str, str]) -> dict[str, Any]:
        if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            raise ApiError(415, {"code": 20415, "message": "Unsupported media type"})
        return dict(parse_qsl(raw))

    def route(
        self, method: str, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any] | None]:
        if self.away:
            self.away -= 1
            return 503, {"code": 20503, "message": "Service unavailable"}
        expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        if headers.get("authorization") != expected:
            raise ApiError(401, {"code": 20003, "message": "Authenticate"})
        if method != "POST" or path != f"/2010-04-01/Accounts/{SID}/Messages.json":
            raise ApiError(404, {"code": 20404, "message": "Not found"})
        if body.get("From") != FROM or not body.get("Body"):
            raise ApiError(400, {"code": 21602, "message": "Message body is required."})
        if not E164.match(body.get("To", "")) or body["To"].startswith("+999"):
            raise ApiError(
                400, {"code": 21211, "message": f"The 'To' number {body.get('To')} is not valid."}
            )
        self.messages.append({"to": body["To"], "body": body["Body"]})
        return 201, {"sid": f"SM{len(self.messages):032d}", "status": "queued"}
