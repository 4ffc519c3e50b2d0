"""The composition root of the matching service."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI
from voimala_kit import Platform, ServiceSpec, create_app

from .api import ROUTERS
from .consumer import SUBSCRIBE, handlers
from .handlers.live import LiveIndexes
from .settings import Settings
from .workers import expire_proposals

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    # The in-memory ranking indexes of this process, loaded at start and kept in step.
    indexes = LiveIndexes(settings.weights)

    async def warm_up(platform: Platform, stop: asyncio.Event) -> None:
        """Load the ranking indexes before the first request needs them."""
        async with platform.db.connection() as conn:
            await indexes.sync(conn)
        await stop.wait()

    app = create_app(
        ServiceSpec(
            settings=settings,
            deps=None,
            title="Voimala matching",
            description="Partners, openings, mentors, and matching participants to them.",
            migrations=MIGRATIONS,
            routers=ROUTERS,
            subscribe=SUBSCRIBE,
            handlers=handlers(settings),
            unknown_types="skip",
            workers=[("expiry", expire_proposals), ("ranking_index", warm_up)],
        )
    )
    app.state.indexes = indexes
    return app
