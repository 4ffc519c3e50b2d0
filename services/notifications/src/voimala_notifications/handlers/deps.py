"""What the use cases need beyond a connection, made once in `bootstrap.build_deps`."""

from __future__ import annotations

from dataclasses import dataclass

from voimala_kit.auth import STAFF, Principal
from voimala_kit.clock import Clock
from voimala_kit.outbox import Outbox

from ..domain.templates import Templates
from ..settings import Settings


@dataclass(frozen=True)
class Deps:
    settings: Settings
    clock: Clock
    outbox: Outbox
    #: The message templates, compiled at start.
    templates: Templates


def purpose_of(who: Principal) -> str:
    """Why someone reads or changes another's data, for the audit log: by their role."""
    if who.has(*STAFF):
        return "staff_view"
    if who.has("ops"):
        return "operations"
    return "self_service"
