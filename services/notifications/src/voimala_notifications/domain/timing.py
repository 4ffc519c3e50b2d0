"""When a message may go out: quiet hours (SMS) and the daily digest, in Helsinki time."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from voimala_kit.clock import HELSINKI


def in_quiet_hours(at: datetime, start: time, end: time) -> bool:
    local = at.astimezone(HELSINKI).time()
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window spans midnight


def next_local(at: datetime, when: time) -> datetime:
    """The first moment at or after `at` when the Helsinki clock shows `when` (DST-correct)."""
    local = at.astimezone(HELSINKI)
    day = local.date()
    for offset in range(3):
        candidate = datetime.combine(day + timedelta(days=offset), when, tzinfo=HELSINKI)
        if candidate >= local:
            return candidate
    raise AssertionError("unreachable: a local time recurs every day")


def release_time(at: datetime, start: time, end: time) -> datetime | None:
    """None when a quiet-hours channel may send now; else when the quiet hours end."""
    if not in_quiet_hours(at, start, end):
        return None
    return next_local(at, end)
