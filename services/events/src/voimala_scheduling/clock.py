"""Time as the programme counts it: stored in UTC, shown and planned in Europe/Helsinki."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return datetime.now(HELSINKI).date()


def local(at: datetime) -> str:
    """Wall-clock time in Helsinki as YYYY-MM-DDTHH:MM."""
    return at.astimezone(HELSINKI).strftime("%Y-%m-%dT%H:%M")
