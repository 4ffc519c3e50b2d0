"""Time as the programme counts it: stored in UTC, days in Europe/Helsinki."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return datetime.now(HELSINKI).date()
