"""The SMS channel through Twilio's Messages API (``POST /2010-04-01/Accounts/{sid}/Messages.json``,
HTTP basic authentication with the account SID and auth token).

Twilio takes no idempotency key: a worker that dies between Twilio's answer and saving the
outcome sends the text again (at least once). The token never reaches a log line: errors name
Twilio's status, error code and message only.
"""

from __future__ import annotations

import httpx
import structlog

from reptidex.domain.notifications.ports import OutgoingMessage

MAX_BODY = 1600
"""Characters Twilio accepts in one message (it splits longer ones into segments itself)."""

_log = structlog.get_logger("reptidex.notifications")


class SmsRefused(Exception):
    """Twilio did not take the message."""


def text_of(message: OutgoingMessage) -> str:
    """The SMS text of ``message``: the title, the body and the link, cut to :data:`MAX_BODY`."""
    notification = message.notification
    parts = [f"{notification.title}: {notification.body}"]
    if notification.link:
        parts.append(notification.link)
    return " ".join(parts)[:MAX_BODY]


class TwilioSms:
    """A :class:`~reptidex.domain.notifications.ports.ChannelSender` over Twilio's REST API."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        *,
        api_base: str = "https://api.twilio.com",
        timeout: float = 10.0,
    ) -> None:
        self._account_sid = account_sid
        self._from = from_number
        self._url = f"{api_base.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._client = httpx.AsyncClient(auth=(account_sid, auth_token), timeout=timeout)

    async def send(self, message: OutgoingMessage) -> None:
        """Text ``message`` to its recipient's phone; :class:`SmsRefused` unless Twilio
        accepted it."""
        phone = message.recipient.phone
        if not phone:
            raise SmsRefused("the recipient has no phone number")
        answer = await self._client.post(
            self._url, data={"To": phone, "From": self._from, "Body": text_of(message)}
        )
        if answer.status_code not in (200, 201):
            try:
                problem = answer.json()
            except ValueError:
                problem = {}
            raise SmsRefused(
                f"Twilio answered {answer.status_code}: "
                f"{problem.get('code', '')} {problem.get('message', '')}".strip()
            )
        _log.info(
            "sms sent",
            delivery_id=str(message.delivery_id),
            twilio_sid=str(answer.json().get("sid", "")),
        )

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()
