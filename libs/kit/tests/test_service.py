"""A whole service lifespan on the real database and broker: workers, readiness, shutdown."""

from __future__ import annotations

import asyncio
from pathlib import Path

from voimala_kit import Platform, ServiceSpec, create_app
from voimala_kit.testing import running_app, wait_for

from .conftest import KitSettings


async def test_a_crashing_worker_is_restarted_and_readiness_names_it(
    kit_dsn: str, jwt_keys: tuple[Path, Path], tmp_path: Path
) -> None:
    runs: list[str] = []

    async def sweep(platform: Platform, stop: asyncio.Event) -> None:
        runs.append("run")
        if len(runs) == 1:
            raise RuntimeError("first run fails")
        async with platform.db.connection() as conn:
            assert await conn.fetchval("SELECT 1") == 1
        await stop.wait()

    settings = KitSettings(
        service_name="participants",  # any service with a topic; nothing is published here
        database_url=kit_dsn,
        jwt_public_key_file=jwt_keys[1],
    )
    spec = ServiceSpec(settings, None, "kit test", tmp_path, workers=[("sweep", sweep)])
    async with running_app(create_app(spec)) as client:

        async def restarted() -> bool:
            return len(runs) >= 2

        await wait_for(restarted, timeout=10)
        ready = await client.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"]["sweep"] == "running"
        assert (await client.get("/health/live")).json() == {"status": "live"}
    assert runs == ["run", "run"]
