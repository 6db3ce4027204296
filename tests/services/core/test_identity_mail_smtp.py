"""The SMTP notifier against a real SMTP server (aiosmtpd): plain delivery, SMTPS, the STARTTLS
upgrade, AUTH LOGIN and PLAIN, wrong credentials (the mail waits in the queue with the server's
answer), and certificate verification (an untrusted or misnamed certificate is refused).

The client trusts the test's certificate authority the way an operator trusts a private one:
``SSL_CERT_FILE`` names the bundle that ``ssl.create_default_context`` loads.
"""

from __future__ import annotations

import email
import smtplib
import ssl
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.smtp import Envelope
from smtp_testkit import SERVER_ADDRESS, CertificateAuthority, Login, running_mail_server
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from reptidex.adapters.identity.mail import SmtpNotifier
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.identity_models import MailMessageRow
from reptidex.adapters.sql.identity_store import SqlIdentityUnitOfWork
from reptidex.adapters.sql.mail_queue import MailDispatcher
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.identity import Email
from reptidex.domain.identity.ports import MailMessage
from reptidex.services.kernel.settings import Settings

SENDER = "ReptiDex <no-reply@example.org>"
USER = "mailer@reptidex.test"
PASSWORD = "p@ss:w%rd/#? 1"  # characters a URL must escape (smtplib takes ASCII only)
CREDENTIALS = (USER, PASSWORD)


def smtp_url(scheme: str, port: int, user: str = USER, password: str = PASSWORD) -> str:
    return f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@{SERVER_ADDRESS}:{port}"


def message() -> MailMessage:
    return MailMessage(
        to=Email.parse("ann@example.org"),
        subject="Confirm your ReptiDex email address",
        body="Token: abc\n",
        kind="verify_email",
    )


def assert_delivered(envelope: Envelope) -> None:
    assert envelope.mail_from == "no-reply@example.org"
    assert envelope.rcpt_tos == ["ann@example.org"]
    assert isinstance(envelope.content, bytes)
    parsed = email.message_from_bytes(envelope.content)
    assert parsed["To"] == "ann@example.org"
    assert parsed["X-ReptiDex-Kind"] == "verify_email"
    assert parsed.get_payload() == "Token: abc\r\n"  # SMTP lines end in CRLF


@pytest.fixture(scope="module")
def authority() -> CertificateAuthority:
    return CertificateAuthority("ReptiDex test mail CA")


@pytest.fixture
def trusted(
    authority: CertificateAuthority, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> CertificateAuthority:
    """The client trusts ``authority`` and nothing else."""
    monkeypatch.setenv("SSL_CERT_FILE", str(authority.write_bundle(tmp_path / "ca.pem")))
    (tmp_path / "no-ca-dir").mkdir()
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "no-ca-dir"))
    return authority


async def test_plain_smtp_delivers_without_tls_when_no_password_is_set() -> None:
    async with running_mail_server() as server:
        await SmtpNotifier(f"smtp://{SERVER_ADDRESS}:{server.port}", SENDER).send(message())
    (envelope,) = server.delivered
    assert_delivered(envelope)
    assert server.logins == []


async def test_smtps_logs_in_and_delivers_over_tls_from_the_first_byte(
    trusted: CertificateAuthority, tmp_path: Path
) -> None:
    context = trusted.server_context(tmp_path)
    async with running_mail_server(implicit_tls=context, credentials=CREDENTIALS) as server:
        await SmtpNotifier(smtp_url("smtps", server.port), SENDER).send(message())
    assert [login.encrypted for login in server.logins] == [True]
    (envelope,) = server.delivered
    assert_delivered(envelope)


async def test_starttls_comes_before_the_password(
    trusted: CertificateAuthority, tmp_path: Path
) -> None:
    # The server advertises AUTH only after STARTTLS and refuses it before (538).
    context = trusted.server_context(tmp_path)
    async with running_mail_server(starttls=context, credentials=CREDENTIALS) as server:
        await SmtpNotifier(smtp_url("smtp", server.port), SENDER).send(message())
    assert [login.encrypted for login in server.logins] == [True]
    (envelope,) = server.delivered
    assert_delivered(envelope)


async def test_the_password_waits_for_tls_where_the_server_would_take_it_in_clear(
    trusted: CertificateAuthority, tmp_path: Path
) -> None:
    context = trusted.server_context(tmp_path)
    async with running_mail_server(
        starttls=context, credentials=CREDENTIALS, auth_require_tls=False
    ) as server:
        await SmtpNotifier(smtp_url("smtp", server.port), SENDER).send(message())
    assert [login.encrypted for login in server.logins] == [True]
    assert len(server.delivered) == 1


async def test_a_server_without_starttls_never_sees_the_password() -> None:
    # A server (or someone between) that hides STARTTLS would get the password in clear.
    async with running_mail_server(credentials=CREDENTIALS, auth_require_tls=False) as server:
        with pytest.raises(smtplib.SMTPNotSupportedError, match="STARTTLS"):
            await SmtpNotifier(smtp_url("smtp", server.port), SENDER).send(message())
    assert server.logins == []
    assert server.delivered == []


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
async def test_auth_mechanisms_carry_the_url_credentials_exactly(
    trusted: CertificateAuthority, tmp_path: Path, mechanism: str
) -> None:
    context = trusted.server_context(tmp_path)
    async with running_mail_server(
        starttls=context, credentials=CREDENTIALS, mechanisms=(mechanism,)
    ) as server:
        await SmtpNotifier(smtp_url("smtp", server.port), SENDER).send(message())
    assert server.logins == [Login(mechanism, USER, PASSWORD, encrypted=True)]
    (envelope,) = server.delivered
    assert_delivered(envelope)


@pytest.fixture
async def core_engine(make_settings: Callable[..., Settings]) -> AsyncIterator[AsyncEngine]:
    settings = make_settings()
    upgrade("core", settings.database_url("core"))
    engine = create_engine(settings.database_url("core"))
    yield engine
    await engine.dispose()


async def queued_mail(engine: AsyncEngine) -> list[tuple[int, str | None]]:
    async with AsyncSession(engine) as session:
        rows = (await session.scalars(select(MailMessageRow))).all()
        return [(row.attempts, row.last_error) for row in rows]


async def test_wrong_credentials_keep_the_mail_queued_with_the_servers_answer(
    trusted: CertificateAuthority, tmp_path: Path, core_engine: AsyncEngine
) -> None:
    async with SqlIdentityUnitOfWork(async_sessionmaker(core_engine)) as uow:
        uow.mail.add(message())
        await uow.commit()
    context = trusted.server_context(tmp_path)
    async with running_mail_server(starttls=context, credentials=CREDENTIALS) as server:
        wrong = SmtpNotifier(smtp_url("smtp", server.port, password="guess"), SENDER)
        assert await MailDispatcher(core_engine, wrong).dispatch_once() == (0, 1)
        ((attempts, error),) = await queued_mail(core_engine)
        assert attempts == 1
        assert error is not None
        assert error.startswith("SMTPAuthenticationError: (535, b'5.7.8 Authentication"), error
        assert server.delivered == []

        right = SmtpNotifier(smtp_url("smtp", server.port), SENDER)
        assert await MailDispatcher(core_engine, right).dispatch_once() == (1, 0)
    assert await queued_mail(core_engine) == []
    # smtplib tries each mechanism the server offers before it gives up on a password.
    *refused, accepted = server.logins
    assert {login.password for login in refused} == {"guess"}
    assert accepted.password == PASSWORD
    assert all(login.encrypted for login in server.logins)
    (envelope,) = server.delivered
    assert_delivered(envelope)


@pytest.mark.parametrize("scheme", ["smtps", "smtp"])
@pytest.mark.parametrize("certificate", ["untrusted authority", "another host's name"])
async def test_a_certificate_that_does_not_verify_is_refused_before_the_password(
    trusted: CertificateAuthority, tmp_path: Path, scheme: str, certificate: str
) -> None:
    if certificate == "untrusted authority":
        context = CertificateAuthority("Someone else's CA").server_context(tmp_path)
    else:
        context = trusted.server_context(tmp_path, host="mail.elsewhere.test")
    async with running_mail_server(
        implicit_tls=context if scheme == "smtps" else None,
        starttls=context if scheme == "smtp" else None,
        credentials=CREDENTIALS,
    ) as server:
        with pytest.raises(ssl.SSLCertVerificationError):
            await SmtpNotifier(smtp_url(scheme, server.port), SENDER).send(message())
    assert server.logins == []
    assert server.delivered == []
