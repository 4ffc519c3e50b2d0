"""What the use cases need beyond a connection, made once in `bootstrap.build_deps`."""

from __future__ import annotations

from dataclasses import dataclass

from voimala_kit.clock import Clock
from voimala_kit.outbox import Outbox

from ..domain import HourlyLimit
from ..settings import Settings


@dataclass(frozen=True)
class Deps:
    settings: Settings
    clock: Clock
    outbox: Outbox
    #: Ideas from the public wish form, per client address (this process's count).
    public_ideas: HourlyLimit
