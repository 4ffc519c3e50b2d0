"""The portal in-process (real PostgreSQL and Kafka) against other services served in-process
over HTTP: the cross-service pages, whose tests need both the portal and another service's app.

`portal_calling(app, matching_url=...)` points the running portal at a service for one test;
the portal signs its calls with the session's token key, which every service trusts.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from voimala_contracts import topics
from voimala_kit.kafka import make_producer
from voimala_kit.testing import Browser, asgi_browser, auth, group_at_end, running_app, serving
from voimala_matching.bootstrap import bootstrap as matching_app
from voimala_matching.settings import Settings as MatchingSettings
from voimala_portal.bootstrap import bootstrap as portal_app_of
from voimala_portal.repository.sessions import SessionUser
from voimala_portal.services import Services
from voimala_portal.settings import Settings as PortalSettings
from voimala_portal.web.deps import Portal
from voimala_portal.web.session import SESSION_COOKIE, start_session

PUBLIC_URL = "http://portal.test"


@pytest.fixture(scope="session")
async def portal_settings(
    service_settings: Callable[..., Awaitable[PortalSettings]],
    jwt_keys: tuple[Path, Path],
    kafka_bootstrap: str,
) -> PortalSettings:
    return await service_settings(
        PortalSettings,
        consumer_group=await group_at_end(kafka_bootstrap, topics.NOTIFICATIONS, "portal-e2e"),
        run_relay=False,
        public_url=PUBLIC_URL,
        signing_key_file=jwt_keys[0],
    )


@pytest.fixture(scope="session")
async def portal_app(portal_settings: PortalSettings) -> AsyncIterator[FastAPI]:
    app = portal_app_of(portal_settings)
    async with running_app(app):
        yield app


@pytest.fixture
async def browser(portal_app: FastAPI) -> AsyncIterator[Browser]:
    """`browser(ip="10.0.0.7")`: a client of the portal of its own (cookies, address)."""
    async with asgi_browser(portal_app, PUBLIC_URL) as make:
        yield make


@asynccontextmanager
async def portal_calling(app: FastAPI, **urls: str) -> AsyncIterator[Portal]:
    """The running portal calling the services at `urls` (`matching_url=...`) until the end."""
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
    browser: Browser, portal: Portal, role: str, subject: str, org: uuid.UUID | None = None
) -> httpx.AsyncClient:
    """A browser with a session of `role`, as the portal's sign-in starts one."""
    client = browser()
    session = await start_session(portal, SessionUser(subject, role, org, f"Testi {role}", "dev"))
    client.cookies.set(SESSION_COOKIE, session)
    return client


@pytest.fixture
async def matching(
    service_settings: Callable[..., Awaitable[MatchingSettings]],
) -> AsyncIterator[str]:
    """The matching service over HTTP on a free port, its consumer running."""
    async with serving(matching_app(await service_settings(MatchingSettings))) as url:
        yield url


async def post_opening(
    matching: str, token: Callable[..., str], partner: str, opening: dict[str, Any]
) -> dict[str, Any]:
    """An association in Salo called `partner` (with one contact person) and its `opening`, as a
    coordinator posts them to matching: the opening made, with the partner made as "partner"."""
    staff = auth(token("coordinator"))
    tag = uuid.uuid4().hex[:6]
    contact = {"name": f"Kaisa Yhteys{tag}", "email": f"kaisa.{tag}@example.fi"}
    body = {"kind": "association", "name": f"{partner} {tag}", "municipality": "Salo"}
    async with httpx.AsyncClient(base_url=matching) as client:
        r = await client.post("/partners", json=body | {"contacts": [contact]}, headers=staff)
        assert r.status_code == 201, r.text
        made = r.json()
        r = await client.post(f"/partners/{made['id']}/openings", json=opening, headers=staff)
        assert r.status_code == 201, r.text
    return {**r.json(), "partner": made}


@pytest.fixture(scope="session")
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    async with make_producer(kafka_bootstrap, "portal-e2e") as started:
        yield started
