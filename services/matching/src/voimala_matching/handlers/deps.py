"""What every use case gets besides a connection: one typed object, wired in `bootstrap`."""

from __future__ import annotations

from dataclasses import dataclass

from voimala_kit.clock import Clock
from voimala_kit.outbox import Outbox

from ..repository.indexes import LiveIndexes
from ..settings import Settings


@dataclass(frozen=True)
class Deps:
    settings: Settings
    #: The only way use cases read the time (a test may set it).
    clock: Clock
    outbox: Outbox
    #: This process's in-memory ranking indexes, kept in step with the database.
    indexes: LiveIndexes
