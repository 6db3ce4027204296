"""A delivery over TLS goes to the address that was checked, yet the receiver's certificate is
checked against the webhook's host name (sent as the TLS server name and ``Host``): a local
https receiver with a certificate for ``receiver.test`` from a test authority."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from webhook_receiver import Receiver
from webhook_testkit import Names

from platform_process import free_port
from reptidex.adapters.webhooks.http_sender import HttpWebhookSender


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A test authority and a certificate for ``receiver.test`` it signed: (authority,
    certificate, key) files."""
    now = dt.datetime.now(dt.UTC)
    authority_key = ec.generate_private_key(ec.SECP256R1())
    authority = (
        x509.CertificateBuilder()
        .subject_name(_name("reptidex test authority"))
        .issuer_name(_name("reptidex test authority"))
        .public_key(authority_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(authority_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("receiver.test"))
        .issuer_name(authority.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("receiver.test")]), False)
        .sign(authority_key, hashes.SHA256())
    )
    paths = folder / "authority.pem", folder / "leaf.pem", folder / "leaf.key"
    paths[0].write_bytes(authority.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@contextlib.contextmanager
def served_over_tls(receiver: Receiver, certificate: Path, key: Path) -> Iterator[int]:
    """``receiver`` served over TLS on a free port until the block ends; the port."""
    port = free_port()
    config = uvicorn.Config(
        receiver.app(),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ssl_certfile=str(certificate),
        ssl_keyfile=str(key),
    )
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the TLS receiver did not start"
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        loop.close()


@pytest.fixture
def tls(tmp_path: Path) -> Iterator[tuple[Receiver, int, ssl.SSLContext]]:
    authority, certificate, key = _certificates(tmp_path)
    receiver = Receiver()
    trust = ssl.create_default_context(cafile=str(authority))
    with served_over_tls(receiver, certificate, key) as port:
        yield receiver, port, trust


async def test_the_certificate_is_checked_against_the_host_name_not_the_address(
    tls: tuple[Receiver, int, ssl.SSLContext],
) -> None:
    receiver, port, trust = tls
    names = Names({"receiver.test": "127.0.0.1", "impostor.test": "127.0.0.1"})
    sender = HttpWebhookSender(names, allow_local=True, timeout=5, verify=trust)
    try:
        sent = await sender.send(f"https://receiver.test:{port}/hook", {"X-Test": "1"}, b"{}")
        assert (sent.status_code, sent.error) == (200, None)
        (got,) = receiver.received
        assert got.headers["host"] == f"receiver.test:{port}"
        # the same address under a name the certificate does not cover: refused by TLS
        other = await sender.send(f"https://impostor.test:{port}/hook", {}, b"{}")
        assert other.status_code is None
        assert other.error is not None
        assert "CERTIFICATE_VERIFY_FAILED" in other.error, other.error
        assert len(receiver.received) == 1
    finally:
        await sender.aclose()
