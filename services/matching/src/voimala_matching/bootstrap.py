"""The composition root of the matching service: its dependencies, and the app made of them."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from voimala_kit.clock import Clock, SystemClock
from voimala_kit.outbox import Outbox
from voimala_kit.service import ServiceSpec, create_app

from .api import ROUTERS
from .consumer import SUBSCRIBE, handlers
from .handlers.deps import Deps
from .repository.indexes import LiveIndexes
from .settings import Settings
from .workers import expire_proposals, load_ranking_indexes, optimise_openings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build_deps(settings: Settings, clock: Clock | None = None) -> Deps:
    return Deps(
        settings=settings,
        clock=clock or SystemClock(),
        outbox=Outbox(settings.service_name),
        # The in-memory ranking indexes of this process, loaded at start and kept in step.
        indexes=LiveIndexes(settings.weights),
    )


def bootstrap(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    deps = build_deps(settings, clock)
    return create_app(
        ServiceSpec(
            settings=settings,
            deps=deps,
            title="Voimala matching",
            description="Partners, openings, mentors, and matching participants to them.",
            migrations=MIGRATIONS,
            routers=ROUTERS,
            subscribe=SUBSCRIBE,
            handlers=handlers(deps),
            unknown_types="skip",
            workers=[
                ("expiry", expire_proposals),
                ("ranking_index", load_ranking_indexes),
                *([("openings_optimiser", optimise_openings)] if settings.optimiser_auto else []),
            ],
        )
    )
