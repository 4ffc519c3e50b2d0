"""The composition root of the events service (the programme). Its features come next."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from voimala_kit import ServiceSpec, create_app

from .settings import Settings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(settings: Settings | None = None) -> FastAPI:
    return create_app(
        ServiceSpec(
            settings=settings or Settings(),
            title="Voimala events",
            description="The service point's programme: events, registration, attendance.",
            migrations=MIGRATIONS,
        )
    )
