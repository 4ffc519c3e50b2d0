"""The portal in-process on real PostgreSQL and Kafka, with a real OpenID provider over HTTP
(tests/oidc_provider.py) and a clock the tests can move."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from voimala_contracts import topics
from voimala_kit.auth import generate_keys
from voimala_kit.clock import SystemClock
from voimala_kit.kafka import make_producer
from voimala_kit.testing import (
    Browser,
    asgi_browser,
    csrf,
    free_port,
    group_at_end,
    running_app,
    serving,
)
from voimala_portal.bootstrap import bootstrap
from voimala_portal.repository.sessions import SessionUser
from voimala_portal.services import Services
from voimala_portal.settings import Settings
from voimala_portal.web.deps import Portal
from voimala_portal.web.session import SESSION_COOKIE, start_session

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
    async with serving(create_provider(found), port):
        yield found


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
        consumer_group=await group_at_end(kafka_bootstrap, topics.NOTIFICATIONS, "portal-test"),
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


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[Browser]:
    """`browser(ip="10.0.0.7")`: a client of its own (its own cookies, its own address)."""
    async with asgi_browser(app, PUBLIC_URL) as make:
        yield make


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


@asynccontextmanager
async def portal_calling(app: FastAPI, **urls: str) -> AsyncIterator[Portal]:
    """The running portal calling the services at `urls` (`ops_url=...`) until the end."""
    current: Portal = app.state.portal
    changed = current.settings.model_copy(update=urls)
    replaced = dataclasses.replace(current, settings=changed, services=Services(changed))
    app.state.portal = replaced
    try:
        yield replaced
    finally:
        app.state.portal = current
        await replaced.services.close()


async def signed_in(
    browser: Browser,
    portal: Portal,
    role: str,
    subject: str | None = None,
    org: uuid.UUID | None = None,
) -> httpx.AsyncClient:
    """A browser of its own with a session of `role`, started as a sign-in starts one."""
    client = browser()
    who = subject or f"{role}-{uuid.uuid4().hex[:6]}"
    user = SessionUser(who, role, org, f"Testi {role}", "dev")
    client.cookies.set(SESSION_COOKIE, await start_session(portal, user))
    return client


def cookie_header(response: httpx.Response, name: str) -> str:
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith(name + "="))


__all__ = [
    "PUBLIC_URL",
    "Browser",
    "MovableClock",
    "cookie_header",
    "csrf",
    "free_port",
    "portal_calling",
    "signed_in",
]
