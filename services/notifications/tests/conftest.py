"""Real outside parties for the delivery tests: an SMTP server (aiosmtpd) and the fake SMS
provider, each on a free local port, started inside the test session."""

from __future__ import annotations

import asyncio
import email
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI
from voimala_kit.clock import SetClock
from voimala_kit.kafka import ensure_topics, make_producer
from voimala_kit.testing import free_port, running_app
from voimala_notifications.bootstrap import bootstrap
from voimala_notifications.consumer import SUBSCRIBE
from voimala_notifications.fake_sms import create_fake_provider
from voimala_notifications.settings import Settings


@dataclass
class Mailbox:
    """What the SMTP server accepted. Addresses starting with `refuse` get a 550; mail to an
    address starting with `slow` is held in DATA (`holding` set) until `release` is set."""

    mails: list[tuple[str, EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address.startswith("refuse"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if any(rcpt.startswith("slow") for rcpt in envelope.rcpt_tos):
            self.holding.set()
            while not self.release.is_set():  # noqa: ASYNC110 - set from the test's thread
                await asyncio.sleep(0.02)
        message = email.message_from_bytes(envelope.content, policy=default)  # type: ignore[arg-type]
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.mails.append((rcpt, message))  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for rcpt, m in self.mails if rcpt == address]


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@dataclass
class FakeSms:
    url: str
    app: Any

    def to(self, phone: str) -> list[dict[str, Any]]:
        return [m for m in self.app.state.received if m["to"] == phone]


@pytest.fixture(scope="session")
async def sms() -> AsyncIterator[FakeSms]:
    app = create_fake_provider()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.05)
    yield FakeSms(f"http://127.0.0.1:{port}/messages", app)
    server.should_exit = True
    await task


@pytest.fixture(scope="session")
def group_at_end(kafka_bootstrap: str) -> Callable[[str], Awaitable[str]]:
    """A new consumer group that starts at the end of the topics the service reads: the
    history other suites left on this broker is not this suite's input."""

    async def make(label: str) -> str:
        group = f"notifications-{label}-{uuid.uuid4().hex[:8]}"
        await ensure_topics(kafka_bootstrap, SUBSCRIBE)
        consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group)
        await consumer.start()
        try:
            await consumer._client.force_metadata_update()
            tps = [
                TopicPartition(topic, p)
                for topic in SUBSCRIBE
                for p in consumer.partitions_for_topic(topic) or ()
            ]
            consumer.assign(tps)
            await consumer.commit(dict((await consumer.end_offsets(tps)).items()))
        finally:
            await consumer.stop()
        return group

    return make


# One test module's running service: the module names what differs in `SETTINGS` (a dict of
# Settings fields) and gives its own `clock`; its consumer group, producer id and database
# follow from the module's name.
def _label(request: pytest.FixtureRequest) -> str:
    return str(request.module.__name__).rsplit(".", 1)[-1].removeprefix("test_")


@pytest.fixture(scope="module")
async def settings(
    request: pytest.FixtureRequest,
    service_settings: Callable[..., Awaitable[Settings]],
    smtp: SmtpServer,
    sms: FakeSms,
    group_at_end: Callable[[str], Awaitable[str]],
) -> Settings:
    fields: dict[str, Any] = {"delivery_idle_poll": 0.05, **getattr(request.module, "SETTINGS", {})}
    return await service_settings(
        Settings,
        consumer_group=await group_at_end(_label(request)),
        smtp_port=smtp.port,
        sms_provider_url=sms.url,
        **fields,
    )


@pytest.fixture(scope="module")
def app(settings: Settings, clock: SetClock) -> FastAPI:
    return bootstrap(settings, clock=clock)


@pytest.fixture(scope="module")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(app) as c:
        yield c


@pytest.fixture(scope="module")
async def db(settings: Settings, client: httpx.AsyncClient) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    yield pool
    await pool.close()


@pytest.fixture(scope="module")
async def producer(
    request: pytest.FixtureRequest, kafka_bootstrap: str
) -> AsyncIterator[AIOKafkaProducer]:
    p = make_producer(kafka_bootstrap, f"notifications-{_label(request)}-test")
    await p.start()
    yield p
    await p.stop()
