"""The portal's dependencies, built once in `bootstrap.py` and handed to pages as typed state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from voimala_kit import Platform
from voimala_kit.clock import Clock

from ..services import Services
from ..settings import Settings


@dataclass
class Portal:
    settings: Settings
    clock: Clock
    services: Services
    app_state: object

    @property
    def platform(self) -> Platform[Settings, None]:
        platform: Platform[Settings, None] = self.app_state.platform  # type: ignore[attr-defined]
        return platform


async def get_portal(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


PortalDep = Annotated[Portal, Depends(get_portal)]
