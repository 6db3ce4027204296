"""The email channel: a notification as a plain-text mail through the platform's mail
notifier (SMTP, or the local mail folder of the embedded platform), with RFC 8058 one-click
unsubscribe headers and the delivery id as its ``Message-ID`` (a retry is the same mail)."""

from __future__ import annotations

from reptidex.domain.identity.model import Email
from reptidex.domain.identity.ports import MailMessage, Notifier
from reptidex.domain.notifications.ports import OutgoingMessage


def mail_of(message: OutgoingMessage) -> MailMessage:
    """The mail of ``message`` (its recipient must have an email address)."""
    notification, recipient = message.notification, message.recipient
    if recipient.email is None:
        raise ValueError("the recipient has no email address")
    body = notification.body
    if notification.link:
        body += f"\n\n{notification.link}"
    headers: tuple[tuple[str, str], ...] = ()
    if message.unsubscribe_url:
        body += f"\n\n--\nUnsubscribe from these emails: {message.unsubscribe_url}"
        headers = (
            ("List-Unsubscribe", f"<{message.unsubscribe_url}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        )
    return MailMessage(
        to=Email(recipient.email),
        subject=notification.title,
        body=body,
        kind=f"notification:{notification.kind}",
        id=message.delivery_id,
        headers=headers,
    )


class EmailChannel:
    """A :class:`~reptidex.domain.notifications.ports.ChannelSender` over a mail notifier."""

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier

    async def send(self, message: OutgoingMessage) -> None:
        """Mail ``message``."""
        await self.notifier.send(mail_of(message))
