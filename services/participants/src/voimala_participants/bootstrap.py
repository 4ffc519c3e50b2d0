"""The composition root: everything the participants service is made of, wired once."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from voimala_kit import ServiceSpec, create_app

from .api import ROUTERS
from .consumer import SUBSCRIBE, handlers
from .settings import Settings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(settings: Settings | None = None) -> FastAPI:
    return create_app(
        ServiceSpec(
            settings=settings or Settings(),
            deps=None,
            title="Voimala participants",
            description="The registry of job seekers in the programme.",
            migrations=MIGRATIONS,
            routers=ROUTERS,
            subscribe=SUBSCRIBE,
            handlers=handlers(),
        )
    )
