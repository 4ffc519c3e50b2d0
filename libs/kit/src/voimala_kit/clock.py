"""Time: stored and sent in UTC, scheduled in Helsinki. The one place that reads the clock.

Every service gets a `Clock` in its dependencies object and reads the time only through it,
so that a test can put it at 23:00 in Helsinki (`SetClock`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Final, Protocol
from zoneinfo import ZoneInfo

__all__ = ["HELSINKI", "Clock", "SetClock", "SystemClock", "local_minute"]

#: The programme's time zone: every local time (an occurrence, a quiet hour) is in it.
HELSINKI: Final = ZoneInfo("Europe/Helsinki")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware in UTC."""
        ...

    def today(self) -> date:
        """Today's date in Helsinki: the programme's days."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(HELSINKI).date()


class SetClock(SystemClock):
    """A clock put at a moment that then runs on (tests: "it is 23:00 in Helsinki")."""

    def __init__(self, at: datetime) -> None:
        self._offset = at - datetime.now(UTC)

    @property
    def at(self) -> datetime:
        return self.now()

    @at.setter
    def at(self, moment: datetime) -> None:
        self._offset = moment - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


def local_minute(at: datetime) -> str:
    """Wall-clock time in Helsinki as YYYY-MM-DDTHH:MM."""
    return at.astimezone(HELSINKI).strftime("%Y-%m-%dT%H:%M")
