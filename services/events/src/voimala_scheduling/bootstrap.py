"""The composition root: everything the events service (the programme) is made of."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from voimala_kit import ServiceSpec, create_app

from .api import ROUTERS
from .api.deps import policy_from
from .consumer import SUBSCRIBE, handlers
from .settings import Settings
from .workers import scheduler

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    workers = []
    if settings.run_scheduler:
        job = scheduler(
            policy_from(settings),
            settings.scheduler_poll_seconds,
            timedelta(hours=settings.no_show_after_hours),
        )
        workers.append(("scheduler", job))
    return create_app(
        ServiceSpec(
            settings=settings,
            deps=None,
            title="Voimala events",
            description="The service point's programme: series, registration, attendance, "
            "the monthly programme and its calendar feed.",
            migrations=MIGRATIONS,
            routers=ROUTERS,
            subscribe=SUBSCRIBE,
            handlers=handlers(),
            unknown_types="skip",
            workers=workers,
        )
    )
