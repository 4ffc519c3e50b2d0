"""Fixtures for the participants suites: the service in-process on real PostgreSQL and Kafka."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from voimala_kit.testing import PROBLEM_JSON, running_app
from voimala_participants.bootstrap import bootstrap
from voimala_participants.settings import Settings


@pytest.fixture(scope="module")
async def settings(service_settings: Callable[..., Awaitable[Settings]]) -> Settings:
    return await service_settings(Settings)


@pytest.fixture(scope="module")
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(bootstrap(settings)) as c:
        yield c


@pytest.fixture(scope="module")
async def db(settings: Settings) -> AsyncIterator[asyncpg.Connection]:
    """A connection of the test's own, to look at what the service stored."""
    conn = await asyncpg.connect(settings.database_url)
    yield conn
    await conn.close()


def person(**overrides: Any) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    found: dict[str, Any] = {
        "given_name": f"Aino{tag}",
        "family_name": f"Virtanen{tag}",
        "email": f"aino.{tag}@example.fi",
        "phone": "+358401234567",
        "preferred_language": "fi",
        "birth_year": 2001,
        "municipality": "Salo",
        "skills": ["forklift", "customer service"],
        "languages": [{"code": "fi", "level": "native"}, {"code": "en", "level": "B2"}],
        "matching_consent": True,
    }
    found.update(overrides)
    return found


def problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    assert body["title"]
    return body


def failed_fields(body: dict[str, Any]) -> set[tuple[str, ...]]:
    return {tuple(str(x) for x in e["loc"]) for e in body["errors"]}
