"""A real SMTP server for the mail tests (aiosmtpd in the test's event loop) and certificates
for it, issued in the test by a throwaway certificate authority.

The server records every credential it is offered, with whether the connection was encrypted
at that moment, so a test can prove that a password never crossed the wire in clear.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SERVER_ADDRESS = "127.0.0.1"


class CertificateAuthority:
    """A certificate authority made for one test run: it signs server certificates."""

    def __init__(self, name: str) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = dt.datetime.now(dt.UTC)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self._key.public_key()), critical=False
            )
            .sign(self._key, hashes.SHA256())
        )

    def write_bundle(self, path: Path) -> Path:
        """Write the authority's certificate as a PEM bundle a client can trust."""
        path.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))
        return path

    def server_context(self, folder: Path, *, host: str = SERVER_ADDRESS) -> ssl.SSLContext:
        """A server-side TLS context whose certificate this authority issued for ``host``."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        try:
            names: list[x509.GeneralName] = [x509.IPAddress(ipaddress.ip_address(host))]
        except ValueError:
            names = [x509.DNSName(host)]
        certificate = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                critical=False,
            )
            .sign(self._key, hashes.SHA256())
        )
        folder.mkdir(parents=True, exist_ok=True)
        stem = folder / f"{host}-{certificate.serial_number:x}"
        cert_file, key_file = stem.with_suffix(".crt"), stem.with_suffix(".key")
        cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        return context


@dataclass(frozen=True)
class Login:
    """One AUTH the server was offered."""

    mechanism: str
    user: str
    password: str
    encrypted: bool


@dataclass
class MailServer:
    """What the server saw: the credentials offered and the messages it accepted."""

    port: int
    logins: list[Login] = field(default_factory=list)
    delivered: list[Envelope] = field(default_factory=list)


class _Mailbox:
    """aiosmtpd handler: refuses MAIL before a successful AUTH when credentials are set."""

    def __init__(self, server: MailServer, credentials: tuple[str, str] | None) -> None:
        self._server = server
        self._credentials = credentials

    def authenticate(
        self, smtp: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        transport = smtp.transport
        encrypted = transport is not None and transport.get_extra_info("ssl_object") is not None
        login = Login(mechanism, data.login.decode(), data.password.decode(), encrypted)
        self._server.logins.append(login)
        accepted = (login.user, login.password) == self._credentials
        return AuthResult(success=accepted, handled=False, auth_data=data)

    async def handle_MAIL(
        self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self._credentials is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        self._server.delivered.append(envelope)
        return "250 2.0.0 Message accepted for delivery"


@asynccontextmanager
async def running_mail_server(
    *,
    implicit_tls: ssl.SSLContext | None = None,
    starttls: ssl.SSLContext | None = None,
    credentials: tuple[str, str] | None = None,
    auth_require_tls: bool = True,
    mechanisms: tuple[str, ...] = ("LOGIN", "PLAIN"),
) -> AsyncIterator[MailServer]:
    """Serve SMTP on a free local port for the duration of the block.

    ``implicit_tls`` serves SMTPS (TLS from the first byte); ``starttls`` offers the STARTTLS
    upgrade; ``credentials`` make the server take mail only after a successful AUTH with one of
    ``mechanisms``; ``auth_require_tls=False`` makes it advertise and accept AUTH in clear (so
    a test sees a client that would send the password anyway).
    """
    loop = asyncio.get_running_loop()
    server = MailServer(port=0)
    mailbox = _Mailbox(server, credentials)
    excluded = [name for name in ("LOGIN", "PLAIN") if name not in mechanisms]

    def protocol() -> SMTP:
        return SMTP(
            mailbox,
            hostname="mail.reptidex.test",
            tls_context=starttls,
            # Over implicit TLS aiosmtpd cannot see the encryption, so it must not ask for it.
            auth_require_tls=auth_require_tls and implicit_tls is None,
            authenticator=mailbox.authenticate,
            auth_exclude_mechanism=excluded,
            loop=loop,
        )

    listener = await loop.create_server(protocol, SERVER_ADDRESS, 0, ssl=implicit_tls)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()
        await listener.wait_closed()
