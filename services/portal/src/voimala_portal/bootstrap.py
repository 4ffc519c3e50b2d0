"""The composition root: everything the portal is made of, wired once."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from voimala_kit import ServiceSpec, create_app
from voimala_kit.clock import Clock, SystemClock

from .api import ROUTERS
from .consumer import SUBSCRIBE, handlers
from .services import Services
from .settings import Settings
from .web.deps import Portal
from .web.errors import install_errors, refused_page
from .web.middleware import PortalMiddleware
from .workers import WORKERS

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
STATIC = Path(__file__).resolve().parent / "static"


def bootstrap(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_app(
        ServiceSpec(
            settings=settings,
            deps=None,
            title="Voimala portal",
            description="The web pages through which people use Voimala.",
            migrations=MIGRATIONS,
            routers=ROUTERS,
            subscribe=SUBSCRIBE,
            handlers=handlers(),
            unknown_types="skip",
            workers=WORKERS,
            refusal=refused_page,
        )
    )
    app.state.portal = Portal(settings, clock or SystemClock(), Services(settings), app.state)
    install_errors(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(PortalMiddleware, secure_cookies=settings.secure_cookies)
    return app
