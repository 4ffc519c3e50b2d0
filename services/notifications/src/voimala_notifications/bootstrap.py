"""The composition root of the notifications service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from voimala_kit import ServiceSpec, create_app

from .api import router
from .consumer import SUBSCRIBE, handlers
from .settings import Settings
from .templates import Templates

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(settings: Settings | None = None, templates: Templates | None = None) -> FastAPI:
    return create_app(
        ServiceSpec(
            settings=settings or Settings(),
            title="Voimala notifications",
            description="Every message that reaches a person: in-app inbox, e-mail, SMS.",
            migrations=MIGRATIONS,
            routers=[router],
            subscribe=SUBSCRIBE,
            handlers=handlers(templates or Templates()),
        )
    )
