from __future__ import annotations

from dataclasses import dataclass

from voimala_kit import Outbox

from ..clock import Clock
from ..settings import Settings
from ..templates import Templates


@dataclass(frozen=True)
class Deps:
    """What the use cases need beyond the connection, wired once in `bootstrap`."""

    templates: Templates
    settings: Settings
    clock: Clock
    outbox: Outbox
