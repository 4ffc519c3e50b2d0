"""The events service starts on the platform: health, readiness, metrics and its OpenAPI."""

from __future__ import annotations

import asyncpg
import httpx
from voimala_scheduling.settings import Settings


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
