"""What the use cases need beyond a connection, made once in `bootstrap.build_deps`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from voimala_kit.clock import Clock
from voimala_kit.outbox import Outbox

from ..domain import HourlyLimit
from ..settings import Settings


class Keys(Protocol):
    """The people's keys (`voimala_kit.personal.Keyring`): erasure destroys one (crypto-
    shredding: what was sealed with it in any topic can no longer be read)."""

    async def destroy(self, subject: str) -> None: ...


@dataclass(frozen=True)
class Deps:
    settings: Settings
    clock: Clock
    outbox: Outbox
    #: Ideas from the public wish form, per client address (this process's count).
    public_ideas: HourlyLimit
    #: None while there is no keyring: erasures then wait with their key not yet destroyed.
    keys: Keys | None = None
