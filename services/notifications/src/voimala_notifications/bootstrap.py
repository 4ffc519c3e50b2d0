"""The composition root of the notifications service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from voimala_kit import Outbox, ServiceSpec, create_app

from .api import ROUTERS
from .clock import Clock
from .consumer import SUBSCRIBE, handlers
from .delivery import DeliveryWorker, SmsGateway, SmtpMailer
from .delivery.worker import Channel
from .handlers import Deps
from .settings import Settings
from .templates import Templates

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(
    settings: Settings | None = None,
    templates: Templates | None = None,
    clock: Clock | None = None,
    channels: dict[str, Channel] | None = None,
) -> FastAPI:
    settings = settings or Settings()
    deps = Deps(
        templates=templates or Templates(),
        settings=settings,
        clock=clock or Clock(),
        outbox=Outbox(settings.service_name),
    )
    delivery: dict[str, Any] = channels or {
        "email": SmtpMailer(settings),
        "sms": SmsGateway(settings),
    }
    worker = DeliveryWorker(settings, deps.clock, deps.templates, deps.outbox, delivery)
    app = create_app(
        ServiceSpec(
            settings=settings,
            deps=None,
            title="Voimala notifications",
            description="Every message that reaches a person: in-app inbox, e-mail, SMS.",
            migrations=MIGRATIONS,
            routers=ROUTERS,
            subscribe=SUBSCRIBE,
            handlers=handlers(deps),
            unknown_types="skip",
            # Several loops, so that one records its batch while another sends: the claims
            # (SKIP LOCKED) keep them apart, the mailer's pool keeps the connection limit.
            workers=[(f"delivery-{n}", worker) for n in range(settings.delivery_loops)],
        )
    )
    app.state.deps = deps
    return app
