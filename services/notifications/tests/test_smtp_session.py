"""The SMTP sessions over real TCP: pipelined with a server that announces PIPELINING (the
light server of `fake_smtp`), one command at a time with one that does not (aiosmtpd), each
message once, a refusal leaving the session usable, the content as it was written."""

from __future__ import annotations

import asyncio
import email
import uuid
from email.policy import default

import pytest
from voimala_kit.testing import free_port
from voimala_notifications.delivery.channels import Delivery, DeliveryError
from voimala_notifications.delivery.email import SmtpMailer
from voimala_notifications.delivery.smtp import SmtpSession
from voimala_notifications.fake_smtp import serve
from voimala_notifications.settings import Settings

from .conftest import SmtpServer

RAW = b"Subject: dots\r\n\r\n.\r\n..two\r\n.three\r\nend\r\n"


def _delivery(to: str, text: str = "Hei!\n.\n..kaksi pistettä\nLoppu.") -> Delivery:
    return Delivery(uuid.uuid4(), to, "Paikkasi on varattu: Kielikahvila", text, None)


async def _send_all(port: int) -> tuple[SmtpMailer, list[DeliveryError | None]]:
    mailer = SmtpMailer(Settings(smtp_port=port, smtp_connections=3, smtp_timeout=5))
    deliveries = [_delivery(f"p{i}@example.fi") for i in range(20)]
    deliveries.insert(7, _delivery("refuse.d@example.fi"))

    async def one(d: Delivery) -> DeliveryError | None:
        try:
            await mailer.send(d)
        except DeliveryError as exc:
            return exc
        return None

    return mailer, list(await asyncio.gather(*(one(d) for d in deliveries)))


def _check(outcomes: list[DeliveryError | None]) -> None:
    refused = outcomes.pop(7)
    assert refused is not None
    assert refused.reason == "smtp_recipient_refused"
    assert refused.permanent
    assert outcomes == [None] * 20


async def test_a_pipelining_server_gets_every_message_once_and_a_refusal_alone() -> None:
    port = free_port()
    received: list[tuple[list[str], bytes]] = []
    server = await serve("127.0.0.1", port, lambda rcpts, body: received.append((rcpts, body)))
    try:
        session = await SmtpSession.open("127.0.0.1", port, timeout=5)
        assert session.pipelining
        await session.send(b"v@example.fi", "raw@example.fi", RAW)
        session.close()
        _, outcomes = await _send_all(port)
    finally:
        server.close()
        await server.wait_closed()

    _check(outcomes)
    assert received[0] == (["raw@example.fi"], RAW)  # dot-stuffed on the way, as it was
    assert sorted(r[0] for r, _ in received[1:]) == sorted(f"p{i}@example.fi" for i in range(20))
    message = email.message_from_bytes(received[1][1], policy=default)
    assert message.get_content().rstrip("\n") == "Hei!\n.\n..kaksi pistettä\nLoppu."
    assert str(message["Subject"]) == "Paikkasi on varattu: Kielikahvila"


async def test_a_server_without_pipelining_gets_one_command_at_a_time(smtp: SmtpServer) -> None:
    session = await SmtpSession.open("127.0.0.1", smtp.port, timeout=5)
    assert not session.pipelining
    session.close()
    # aiosmtpd's mailbox refuses addresses starting with "refuse".
    mailer = SmtpMailer(Settings(smtp_port=smtp.port, smtp_connections=3, smtp_timeout=5))
    refused = _delivery("refuse.me@example.fi")
    with pytest.raises(DeliveryError) as caught:
        await mailer.send(refused)
    assert caught.value.reason == "smtp_recipient_refused"
    address = f"plain.{uuid.uuid4().hex[:8]}@example.fi"
    await mailer.send(_delivery(address))
    (message,) = smtp.mailbox.to(address)
    assert message.get_content().rstrip("\n") == "Hei!\n.\n..kaksi pistettä\nLoppu."


async def test_a_server_away_is_unreachable_and_not_for_good() -> None:
    mailer = SmtpMailer(Settings(smtp_port=free_port(), smtp_timeout=5))
    with pytest.raises(DeliveryError) as caught:
        await mailer.send(_delivery("p@example.fi"))
    assert caught.value.unreachable
    assert not caught.value.permanent
