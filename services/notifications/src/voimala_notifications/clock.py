"""Time as the programme counts it: stored in UTC, quiet hours and digests in Europe/Helsinki.

The service reads the time only through a `Clock`, so that tests can put it at 23:00.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SetClock(Clock):
    """A clock put at a moment that then runs on (tests: "it is 23:00 in Helsinki")."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    @property
    def at(self) -> datetime:
        return self.now()

    @at.setter
    def at(self, moment: datetime) -> None:
        self._offset = moment - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset
