"""The composition root of the notifications service."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fastapi import FastAPI
from voimala_kit.clock import Clock, SystemClock
from voimala_kit.outbox import Outbox
from voimala_kit.service import ServiceSpec, create_app

from .api import ROUTERS
from .consumer import SUBSCRIBE, handlers
from .delivery import Channel, SmsGateway, SmtpMailer
from .domain.templates import Templates
from .handlers.deps import Deps
from .settings import Settings
from .workers import workers

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build_deps(
    settings: Settings, clock: Clock | None = None, templates: Templates | None = None
) -> Deps:
    return Deps(
        settings=settings,
        clock=clock or SystemClock(),
        outbox=Outbox(settings.service_name),
        templates=templates or Templates(),
    )


def bootstrap(
    settings: Settings | None = None,
    clock: Clock | None = None,
    templates: Templates | None = None,
    channels: Mapping[str, Channel] | None = None,
) -> FastAPI:
    settings = settings or Settings()
    deps = build_deps(settings, clock, templates)
    channels = channels or {"email": SmtpMailer(settings), "sms": SmsGateway(settings)}
    return create_app(
        ServiceSpec(
            settings=settings,
            deps=deps,
            title="Voimala notifications",
            description="Every message that reaches a person: in-app inbox, e-mail, SMS.",
            migrations=MIGRATIONS,
            routers=ROUTERS,
            subscribe=SUBSCRIBE,
            handlers=handlers(deps),
            unknown_types="skip",
            workers=workers(deps, channels),
        )
    )
