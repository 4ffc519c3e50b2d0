"""The events service starts on the platform: health, readiness, metrics and its OpenAPI."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx
import pytest
from voimala_kit.testing import running_app
from voimala_scheduling.bootstrap import bootstrap
from voimala_scheduling.settings import Settings


@pytest.fixture(scope="module")
async def settings(
    new_database: Callable[[str], Awaitable[str]], jwt_keys: tuple[Path, Path]
) -> Settings:
    return Settings(
        database_url=await new_database("events"),
        jwt_public_key_file=jwt_keys[1],
        consumer_group=f"events-test-{uuid.uuid4().hex[:8]}",
        relay_idle_poll=0.2,
    )


@pytest.fixture(scope="module")
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(bootstrap(settings)) as c:
        yield c


async def test_live(client: httpx.AsyncClient) -> None:
    r = await client.get("/health/live")
    assert r.status_code == 200
    assert r.json() == {"status": "live"}


async def test_ready_with_database_and_kafka_ok(client: httpx.AsyncClient) -> None:
    r = await client.get("/health/ready")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["kafka"] == "ok"
    assert body["checks"]["relay"] == "running"
    assert body["checks"]["consumer"] == "running"  # programme ideas from participants
    assert body["checks"]["scheduler"] == "running"


async def test_metrics_count_requests(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health/live")).status_code == 200
    r = await client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert "# TYPE voimala_http_requests_total counter" in r.text
    counted = [
        line
        for line in r.text.splitlines()
        if line.startswith("voimala_http_requests_total{")
        and 'service="events"' in line
        and 'route="/health/live"' in line
        and 'status="200"' in line
    ]
    assert len(counted) == 1, r.text
    assert float(counted[0].rsplit(" ", 1)[1]) >= 1


async def test_the_openapi_document_is_served(client: httpx.AsyncClient) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "Voimala events"
    assert "/health/ready" in doc["paths"]
    assert "/metrics" not in doc["paths"]


async def test_an_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    r = await client.get("/no/such/route")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 404


async def test_the_platform_migrations_were_applied(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    conn = await asyncpg.connect(settings.database_url)
    try:
        scopes = {r["scope"] for r in await conn.fetch("SELECT scope FROM schema_migrations")}
        tables = {
            r["table_name"]
            for r in await conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        }
    finally:
        await conn.close()
    assert scopes == {"kit", "events"}
    assert {"outbox", "inbox", "schema_migrations", "series", "occurrence"} <= tables
