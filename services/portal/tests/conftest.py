"""The portal in-process on real PostgreSQL and Kafka, with a real OpenID provider over HTTP
(tests/oidc_provider.py) and a clock the tests can move."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
import uvicorn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from fastapi import FastAPI
from voimala_contracts import topics
from voimala_kit.auth import generate_keys
from voimala_kit.clock import SystemClock
from voimala_kit.kafka import ensure_topics, make_producer
from voimala_kit.testing import free_port, running_app
from voimala_portal.bootstrap import bootstrap
from voimala_portal.settings import Settings

from .oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, create_provider

PUBLIC_URL = "http://portal.test"


class MovableClock(SystemClock):
    """The real time plus an offset the tests move (idle sessions, expired links)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture(scope="session")
async def provider() -> AsyncIterator[Provider]:
    port = free_port()
    found = Provider(
        issuer=f"http://127.0.0.1:{port}", redirect_uri=f"{PUBLIC_URL}/sign-in/staff/callback"
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_provider(found), host="127.0.0.1", port=port, log_config=None, access_log=False
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.05)
    yield found
    server.should_exit = True
    await task


async def _group_at_end(bootstrap_servers: str, topic: str) -> str:
    """A consumer group that starts at the end of `topic`: other suites' history is not ours."""
    group = f"portal-test-{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap_servers, [topic])
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=group)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(tps)
        await consumer.commit(dict((await consumer.end_offsets(tps)).items()))
    finally:
        await consumer.stop()
    return group


@pytest.fixture(scope="session")
async def settings(
    service_settings: Callable[..., Awaitable[Settings]],
    provider: Provider,
    kafka_bootstrap: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Settings:
    private, _ = generate_keys(tmp_path_factory.mktemp("portal-keys"))
    return await service_settings(
        Settings,
        consumer_group=await _group_at_end(kafka_bootstrap, topics.NOTIFICATIONS),
        run_relay=False,  # the outbox rows stay, for the tests to read
        public_url=PUBLIC_URL,
        signing_key_file=private,
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        signin_per_address=3,
        signin_per_client=10,
    )


@pytest.fixture(scope="session")
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture(autouse=True)
def _now(clock: MovableClock) -> None:
    clock.offset = timedelta()


@pytest.fixture(scope="session")
async def app(settings: Settings, clock: MovableClock) -> AsyncIterator[FastAPI]:
    portal = bootstrap(settings, clock=clock)
    async with running_app(portal):
        yield portal


Browser = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[Browser]:
    """`browser(ip="10.0.0.7")`: a client of its own (its own cookies, its own address)."""
    made: list[httpx.AsyncClient] = []

    def make(ip: str | None = None) -> httpx.AsyncClient:
        address = ip or f"10.{len(made)}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        client = httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture(scope="session")
async def db(settings: Settings, app: FastAPI) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    p = make_producer(kafka_bootstrap, "portal-test")
    await p.start()
    yield p
    await p.stop()


async def csrf(client: httpx.AsyncClient, path: str = "/sign-in") -> str:
    """Open a page (which sets the CSRF cookie) and return the value its forms send back."""
    r = await client.get(path)
    assert r.status_code in (200, 202, 404, 410), r.status_code
    token = client.cookies.get("voimala_csrf")
    assert token
    return str(token)


def cookie_header(response: httpx.Response, name: str) -> str:
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith(name + "="))


__all__ = ["PUBLIC_URL", "Browser", "MovableClock", "cookie_header", "csrf", "free_port"]
