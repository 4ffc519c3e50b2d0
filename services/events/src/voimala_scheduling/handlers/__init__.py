"""Commands, each applied inside the transaction its entrypoint opened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Policy:
    """What the settings decide for the handlers."""

    horizon: timedelta = timedelta(days=365)
    reminder_lead: timedelta = timedelta(hours=24)
