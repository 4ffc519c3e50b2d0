"""Test helpers for every service's suite: real PostgreSQL, real Kafka, real tokens.

Loaded as a pytest plugin (`-p voimala_kit.testing`). The infrastructure is the one that
`make test` starts (deploy/local); point elsewhere with VOIMALA_TEST_PG_ADMIN_DSN and
VOIMALA_KAFKA_BOOTSTRAP_SERVERS. Nothing here fakes Kafka or PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
import uvicorn
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from fastapi import FastAPI

from .auth import Role, generate_keys, issue_token
from .kafka import ensure_topics
from .personal import DEV_KEK, Keyring, decode_kek
from .settings import ServiceSettings

__all__ = [
    "PROBLEM_JSON",
    "Browser",
    "asgi_browser",
    "auth",
    "csrf",
    "free_port",
    "group_at_end",
    "opened",
    "read_topic",
    "running_app",
    "serving",
    "wait_for",
]

#: The media type every error answer carries.
PROBLEM_JSON = "application/problem+json"


def auth(token: str) -> dict[str, str]:
    """The request headers that present `token`."""
    return {"Authorization": f"Bearer {token}"}


def free_port() -> int:
    """A TCP port nothing listens on now (for a server a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pytest_configure(config: pytest.Config) -> None:
    # Every Settings made in a test (services in-process, e2e processes) reads the same broker
    # as the fixtures, also when the infrastructure runs on other ports (VOIMALA_KAFKA_PORT).
    port = os.environ.get("VOIMALA_KAFKA_PORT", "9092")
    os.environ.setdefault("VOIMALA_KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{port}")


def _dsn_for(admin_dsn: str, database: str) -> str:
    base, _, _ = admin_dsn.rpartition("/")
    return f"{base}/{database}"


@pytest.fixture(scope="session")
def pg_admin_dsn() -> str:
    port = os.environ.get("VOIMALA_PG_PORT", "55432")
    password = os.environ.get("VOIMALA_PG_SUPERPASSWORD", "voimala-dev")
    default = f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"
    return os.environ.get("VOIMALA_TEST_PG_ADMIN_DSN", default)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return os.environ["VOIMALA_KAFKA_BOOTSTRAP_SERVERS"]  # set in pytest_configure


@pytest.fixture(scope="session")
async def new_database(pg_admin_dsn: str) -> AsyncIterator[Callable[[str], Awaitable[str]]]:
    """Create an empty database for this test session; return its DSN. Dropped at the end."""
    created: list[str] = []

    async def create(label: str) -> str:
        name = f"t_{label}_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(pg_admin_dsn)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        created.append(name)
        return _dsn_for(pg_admin_dsn, name)

    yield create
    admin = await asyncpg.connect(pg_admin_dsn)
    try:
        for name in created:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def keyring_dsn(new_database: Callable[[str], Awaitable[str]]) -> str:
    """One keyring database for the whole session, shared by every service a test starts
    (as the one `keyring` database is in a real deployment). Its table is made by the first
    service (or `keyring` fixture) that connects: the session's role may create it."""
    return await new_database("keyring")


@pytest.fixture
async def keyring(keyring_dsn: str) -> AsyncIterator[Keyring]:
    """The session's keyring, as the services see it (the development key-encryption key)."""
    ring = await Keyring.connect(keyring_dsn, decode_kek(DEV_KEK), service="test")
    try:
        yield ring
    finally:
        await ring.close()


async def opened(keyring: Keyring, event: dict[str, Any]) -> dict[str, Any]:
    """An event as read off a topic or an outbox row, with its `personal` parts opened (an
    erased one: None), for a test that checks what a person's data said."""
    data, _ = await keyring.open_data(str(event["subject"]), event["data"])
    return event | {"data": data}


@pytest.fixture(scope="session")
def jwt_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return generate_keys(tmp_path_factory.mktemp("keys"))


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


@pytest.fixture(scope="session")
def service_settings(
    new_database: Callable[[str], Awaitable[str]],
    jwt_keys: tuple[Path, Path],
    keyring_dsn: str,
) -> Callable[..., Awaitable[Any]]:
    """`await service_settings(Settings, **overrides)`: a service's settings for a test run.

    A database of its own, the session's keyring, this session's token key, a consumer
    group of its own (so that nothing else on the broker shares its partitions) and a relay
    that polls often.
    """

    async def make(cls: type[SettingsT], **overrides: Any) -> SettingsT:
        name = str(cls.model_fields["service_name"].default)
        values: dict[str, Any] = {
            "database_url": await new_database(name),
            "keyring_url": keyring_dsn,
            "jwt_public_key_file": jwt_keys[1],
            "consumer_group": f"{name}-test-{uuid.uuid4().hex[:8]}",
            "relay_idle_poll": 0.2,
        }
        return cls(**(values | overrides))

    return make


@pytest.fixture(scope="session")
def token(jwt_keys: tuple[Path, Path]) -> Callable[..., str]:
    """`token("coordinator")`, `token("participant", subject=str(pid))`: signed bearer tokens."""
    private = jwt_keys[0].read_bytes()

    def make(role: Role, subject: str | None = None, org: str | None = None) -> str:
        return issue_token(private, role=role, subject=subject, org=org)

    return make


@pytest.fixture
async def new_topic(kafka_bootstrap: str) -> Callable[[str], Awaitable[str]]:
    async def create(label: str, partitions: int = 3) -> str:
        name = f"test.{label}.{uuid.uuid4().hex[:8]}"
        await ensure_topics(kafka_bootstrap, [name], partitions=partitions)
        return name

    return create


@asynccontextmanager
async def running_app(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's whole lifespan (relay, consumer and all) and talk to it over ASGI."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


@asynccontextmanager
async def serving(app: Any, port: int | None = None) -> AsyncIterator[str]:
    """Serve an ASGI app over HTTP on 127.0.0.1 (a free port unless given); yield its URL."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


#: `browser(ip="10.0.0.7")`: a client of its own (its own cookies, its own address).
Browser = Callable[..., httpx.AsyncClient]


@asynccontextmanager
async def asgi_browser(app: FastAPI, base_url: str) -> AsyncIterator[Browser]:
    """Clients of an in-process app, each a browser of its own; closed at the end."""
    made: list[httpx.AsyncClient] = []

    def make(ip: str | None = None) -> httpx.AsyncClient:
        address = ip or f"10.{len(made)}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        client = httpx.AsyncClient(transport=transport, base_url=base_url)
        made.append(client)
        return client

    try:
        yield make
    finally:
        for client in made:
            await client.aclose()


async def csrf(client: httpx.AsyncClient, path: str = "/sign-in") -> str:
    """Open a portal page (which sets the CSRF cookie) and return the value its forms send."""
    r = await client.get(path)
    assert r.status_code in (200, 202, 404, 410), r.status_code
    token = client.cookies.get("voimala_csrf")
    assert token
    return str(token)


async def group_at_end(bootstrap: str, topic: str, prefix: str) -> str:
    """A consumer group that starts at the end of `topic`: other suites' history is not ours."""
    group = f"{prefix}-{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [topic])
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(tps)
        await consumer.commit(dict((await consumer.end_offsets(tps)).items()))
    finally:
        await consumer.stop()
    return group


async def read_topic(
    bootstrap: str, topic: str, *, at_least: int = 0, timeout: float = 20.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Everything on a topic from the start, waiting until at least `at_least` have arrived.

    Reads with no consumer group, so it commits nothing and disturbs no service.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        records: list[ConsumerRecord[bytes, bytes]] = []
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            batch = await consumer.getmany(*tps, timeout_ms=200)
            for part in batch.values():
                records.extend(part)
            end = await consumer.end_offsets(tps)
            positions = {tp: await consumer.position(tp) for tp in tps}
            caught_up = all(positions[tp] >= end[tp] for tp in tps)
            if caught_up and len(records) >= at_least:
                return records
            if asyncio.get_running_loop().time() > deadline:
                return records
    finally:
        await consumer.stop()


async def wait_for(
    probe: Callable[[], Awaitable[Any]], *, timeout: float = 20.0, interval: float = 0.1
) -> Any:
    """Poll `probe` until it returns something truthy; return that, or fail after `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"gave up waiting after {timeout}s: {probe.__name__}")
        await asyncio.sleep(interval)


@pytest.fixture
def env_clean(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Settings tests start from an environment with no VOIMALA_* variables."""
    for key in list(os.environ):
        if key.startswith(("VOIMALA_", "PARTICIPANTS_", "EVENTS_", "MATCHING_", "NOTIFICATIONS_")):
            monkeypatch.delenv(key)
    return monkeypatch
