"""The composition root: everything the events service (the programme) is made of."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from voimala_kit.clock import Clock, SystemClock
from voimala_kit.outbox import Outbox
from voimala_kit.service import ServiceSpec, Worker, create_app

from .api import ROUTERS
from .consumer import SUBSCRIBE, handlers
from .handlers.batcher import Batcher
from .handlers.deps import Deps, FeedCache
from .settings import Settings
from .workers import scheduler

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build_deps(settings: Settings, clock: Clock | None = None) -> Deps:
    return Deps(
        settings=settings,
        clock=clock or SystemClock(),
        outbox=Outbox(settings.service_name),
        feed_cache=FeedCache(),
        registrar=Batcher(lanes=settings.registration_lanes),
    )


def bootstrap(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    deps = build_deps(settings, clock)
    workers: list[tuple[str, Worker]] = []
    if settings.run_scheduler:
        workers.append(("scheduler", scheduler))
    return create_app(
        ServiceSpec(
            settings=settings,
            deps=deps,
            title="Voimala events",
            description="The service point's programme: series, registration, attendance, "
            "the monthly programme and its calendar feed.",
            migrations=MIGRATIONS,
            routers=ROUTERS,
            subscribe=SUBSCRIBE,
            handlers=handlers(deps),
            unknown_types="skip",
            workers=workers,
        )
    )
