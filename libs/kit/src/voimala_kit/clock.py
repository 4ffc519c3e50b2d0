"""Time: stored and sent in UTC, scheduled in Helsinki. The one place that reads the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final, Protocol
from zoneinfo import ZoneInfo

__all__ = ["HELSINKI", "Clock", "SystemClock"]

#: The programme's time zone: every local time (an occurrence, a quiet hour) is in it.
HELSINKI: Final = ZoneInfo("Europe/Helsinki")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
