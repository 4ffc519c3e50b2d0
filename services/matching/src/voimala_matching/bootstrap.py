"""The composition root of the matching service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from voimala_kit import ServiceSpec, create_app

from .api import router
from .consumer import SUBSCRIBE, handlers
from .settings import Settings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(settings: Settings | None = None) -> FastAPI:
    return create_app(
        ServiceSpec(
            settings=settings or Settings(),
            title="Voimala matching",
            description="Partners, openings, mentors, and matching participants to them.",
            migrations=MIGRATIONS,
            routers=[router],
            subscribe=SUBSCRIBE,
            handlers=handlers(),
        )
    )
