"""The composition root: everything the participants service is made of, wired once."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from voimala_kit import ServiceSpec, create_app
from voimala_kit.clock import Clock, SystemClock
from voimala_kit.outbox import Outbox

from .api import ROUTERS
from .consumer import SUBSCRIBE, handlers
from .domain import HourlyLimit
from .handlers.deps import Deps
from .settings import Settings
from .workers import WORKERS

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build_deps(settings: Settings, clock: Clock | None = None) -> Deps:
    return Deps(
        settings=settings,
        clock=clock or SystemClock(),
        outbox=Outbox(settings.service_name),
        public_ideas=HourlyLimit(settings.public_ideas_per_hour),
    )


def bootstrap(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    deps = build_deps(settings, clock)
    return create_app(
        ServiceSpec(
            settings=settings,
            deps=deps,
            title="Voimala participants",
            description="The registry of job seekers in the programme.",
            migrations=MIGRATIONS,
            routers=ROUTERS,
            subscribe=SUBSCRIBE,
            handlers=handlers(deps),
            workers=WORKERS,
        )
    )
