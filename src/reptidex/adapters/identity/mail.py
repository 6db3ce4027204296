"""Notifiers: mail written to a local outbox folder (embedded default), or sent by SMTP."""

from __future__ import annotations

import asyncio
import datetime as dt
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

import structlog

from reptidex.domain.identity.ports import MailMessage

DEFAULT_SENDER = "ReptiDex <no-reply@reptidex.invalid>"

_log = structlog.get_logger("reptidex.mail")


def to_email_message(message: MailMessage, sender: str, *, readable: bool = False) -> EmailMessage:
    """The RFC 5322 form of ``message``; ``readable``: the body as 8-bit text, so that a file
    of it shows each line, links whole, in any text editor (sent mail keeps the encoding the
    standard library chooses for any server)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to.value
    mail["Subject"] = message.subject
    mail["Date"] = dt.datetime.now(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    mail["Message-ID"] = f"<{(message.id or uuid.uuid4()).hex}@reptidex>"
    mail["X-ReptiDex-Kind"] = message.kind
    for name, value in message.headers:
        mail[name] = value
    if readable:
        mail.set_content(message.body, cte="8bit")
    else:
        mail.set_content(message.body)
    return mail


class MailOutboxNotifier:
    """Writes each message as an ``.eml`` file into a folder and logs it.

    This is what the embedded platform does with mail: nothing leaves the machine, and a new
    user reads their verification token from ``<data dir>/mail-outbox/``; the log names the file
    but never shows the body, whose links carry one-time tokens.
    """

    def __init__(self, folder: Path, sender: str = DEFAULT_SENDER) -> None:
        self.folder = folder
        self.sender = sender

    async def send(self, message: MailMessage) -> None:
        """Write ``message`` to the outbox folder."""
        mail = to_email_message(message, self.sender, readable=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        name = (message.id or uuid.uuid4()).hex
        path = self.folder / f"{stamp}-{message.kind}-{name}.eml"

        def write() -> bool:
            self.folder.mkdir(parents=True, exist_ok=True)
            if message.id is not None and any(self.folder.glob(f"*-{name}.eml")):
                return False  # a redelivery of a message already written
            path.write_bytes(bytes(mail))
            return True

        if not await asyncio.to_thread(write):
            return
        _log.info(
            "mail written to the local outbox",
            to=message.to.value,
            subject=message.subject,
            kind=message.kind,
            path=str(path),
        )


class SmtpNotifier:
    """Sends messages through an SMTP server given as a URL.

    ``smtp://user:password@host:25`` (plain, upgraded with STARTTLS when the server offers it),
    ``smtps://…:465`` (TLS from the start). The server's certificate is verified against the
    system's authorities (``SSL_CERT_FILE`` names another bundle). A password is only ever sent
    encrypted: with credentials, a server that does not offer STARTTLS is refused.
    """

    def __init__(self, url: str, sender: str = DEFAULT_SENDER, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("expected smtp://[user:password@]host[:port] or smtps://…")
        self._tls = parts.scheme == "smtps"
        self._host = parts.hostname
        self._port = parts.port or (465 if self._tls else 25)
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self._timeout = timeout

    def _send_now(self, mail: EmailMessage) -> None:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self._tls:
            client = smtplib.SMTP_SSL(
                self._host, self._port, timeout=self._timeout, context=context
            )
        else:
            client = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        with client:
            client.ehlo()
            if not self._tls and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            elif not self._tls and self._user is not None:
                # Hiding STARTTLS is how a man in the middle would read the password.
                raise smtplib.SMTPNotSupportedError(
                    "the SMTP server does not offer STARTTLS: the password is not sent in clear"
                )
            if self._user is not None:
                client.login(self._user, self._password or "")
            client.send_message(mail)

    async def send(self, message: MailMessage) -> None:
        """Send ``message``."""
        mail = to_email_message(message, self.sender)
        await asyncio.to_thread(self._send_now, mail)
        _log.info("mail sent", to=message.to.value, subject=message.subject, kind=message.kind)
