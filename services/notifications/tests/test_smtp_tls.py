"""STARTTLS and AUTH against a real server that demands both (aiosmtpd, a certificate made
for the test): the city's relay asks for them, and the bench's and other tests' servers do not.
The session logs in only over TLS, a wrong password is refused with the server's code, and a
certificate the client does not trust is not talked to."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from voimala_kit.testing import free_port
from voimala_notifications.delivery.smtp import SmtpReplyError, SmtpSession

USER, PASSWORD = "voimala", "kahvila-salasana"


def _certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "relay.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "relay.pem", directory / "relay.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class Relay:
    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        who = session.auth_data if session.authenticated else None
        user = who.decode() if isinstance(who, bytes) else ""
        self.received.append((user, list(envelope.rcpt_tos), bytes(envelope.content or b"")))
        return "250 Message accepted"


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    good = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=good, handled=False, auth_data=data.login if good else None)


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path, Relay]]:
    cert, key = _certificate(tmp_path_factory.mktemp("relay"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler, port = Relay(), free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_require_tls=True,
    )
    controller.start()
    yield port, cert, handler
    controller.stop()


def _trusting(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


async def test_a_relay_demanding_tls_and_a_login_gets_the_message(
    relay: tuple[int, Path, Relay],
) -> None:
    port, cert, handler = relay
    session = await SmtpSession.open(
        "127.0.0.1",
        port,
        timeout=5,
        starttls=True,
        username=USER,
        password=PASSWORD,
        tls=_trusting(cert),
    )
    try:
        await session.send(
            b"voimala@salo.test", "osallistuja@example.fi", b"Subject: Hei\r\n\r\nMoi\r\n"
        )
    finally:
        session.close()
    assert handler.received[-1] == (
        USER,
        ["osallistuja@example.fi"],
        b"Subject: Hei\r\n\r\nMoi\r\n",
    )


async def test_a_wrong_password_is_refused_with_the_servers_code(
    relay: tuple[int, Path, Relay],
) -> None:
    port, cert, _ = relay
    with pytest.raises(SmtpReplyError) as refused:
        await SmtpSession.open(
            "127.0.0.1",
            port,
            timeout=5,
            starttls=True,
            username=USER,
            password="not-the-password",
            tls=_trusting(cert),
        )
    assert refused.value.code == 535


async def test_without_starttls_the_relay_refuses_to_take_mail(
    relay: tuple[int, Path, Relay],
) -> None:
    port, _, _ = relay
    session = await SmtpSession.open("127.0.0.1", port, timeout=5)
    try:
        with pytest.raises(SmtpReplyError) as refused:
            await session.send(
                b"voimala@salo.test", "osallistuja@example.fi", b"Subject: x\r\n\r\nx\r\n"
            )
    finally:
        session.close()
    assert refused.value.code == 530


async def test_a_certificate_the_client_does_not_trust_is_not_talked_to(
    relay: tuple[int, Path, Relay],
) -> None:
    port, _, handler = relay
    before = len(handler.received)
    with pytest.raises(ssl.SSLCertVerificationError):
        await SmtpSession.open(
            "127.0.0.1", port, timeout=5, starttls=True, username=USER, password=PASSWORD
        )
    assert len(handler.received) == before
