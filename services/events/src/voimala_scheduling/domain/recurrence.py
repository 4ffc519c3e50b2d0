"""RFC 5545 recurrence in Helsinki wall-clock time, with Finnish public holidays skipped.

A series' rule names days (FREQ of a day or longer, BYDAY, BYMONTHDAY, INTERVAL, COUNT, UNTIL
...); the time of day is the series' own start and end, so that "every Thursday 12-15" stays
12-15 local time on both sides of a DST change. Holidays come from the `holidays` package
(Finland: the Easter-based and fixed public holidays, Midsummer Eve and Christmas Eve too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays
from dateutil.rrule import rrule, rrulestr  # type: ignore[import-untyped]
from voimala_kit.clock import HELSINKI

#: A rule repeats at most daily: a time of day is the series' start, never the rule's.
ALLOWED_FREQ = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
FORBIDDEN_PARTS = frozenset({"BYHOUR", "BYMINUTE", "BYSECOND", "DTSTART", "RDATE", "EXDATE"})
KNOWN_PARTS = frozenset(
    {
        "FREQ",
        "INTERVAL",
        "COUNT",
        "UNTIL",
        "BYDAY",
        "BYMONTHDAY",
        "BYMONTH",
        "BYYEARDAY",
        "BYWEEKNO",
        "BYSETPOS",
        "WKST",
    }
)
MAX_RULE_LENGTH = 300
#: Expanding looks this far at most: a rule with nothing in two years is a mistake.
LOOKAHEAD = timedelta(days=731)


#: The numeric parts: lowest, highest, and whether 0 is allowed (RFC 5545 ranges; INTERVAL and
#: COUNT bounded so that a rule cannot make expansion loop or run away).
_NUMBERS: dict[str, tuple[int, int, bool]] = {
    "INTERVAL": (1, 52, False),
    "COUNT": (1, 1000, False),
    "BYMONTHDAY": (-31, 31, False),
    "BYYEARDAY": (-366, 366, False),
    "BYWEEKNO": (-53, 53, False),
    "BYMONTH": (1, 12, False),
    "BYSETPOS": (-366, 366, False),
}


class RuleError(ValueError):
    """The rule cannot be used; the message names what is wrong, never the rule itself."""


@dataclass(frozen=True)
class Instance:
    rule_date: date
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC


def parse_rule(text: str, first_date: date) -> rrule:
    """Validate a rule and return it anchored at `first_date` (naive midnight)."""
    rule = text.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]
    parts = _parts(rule)
    start = datetime.combine(first_date, time())
    try:
        parsed = rrulestr(rule, dtstart=start, ignoretz=True)
        first = parsed.after(start, inc=True)
    except (ValueError, TypeError, OverflowError, KeyError, IndexError):
        raise RuleError("is not a valid RFC 5545 recurrence rule") from None
    if not isinstance(parsed, rrule) or not parts:
        raise RuleError("must be a single RRULE")
    if first is None or first - start > LOOKAHEAD:
        raise RuleError("has no occurrence within two years of the first date")
    return parsed


def _parts(rule: str) -> dict[str, str]:
    if not rule or len(rule) > MAX_RULE_LENGTH:
        raise RuleError(f"must be 1 to {MAX_RULE_LENGTH} characters")
    parts: dict[str, str] = {}
    for part in rule.split(";"):
        key, sep, value = part.partition("=")
        key = key.strip().upper()
        if not sep or not value:
            raise RuleError("every part must be NAME=VALUE")
        if key in FORBIDDEN_PARTS:
            raise RuleError(f"{key} is not allowed: the time of day is the series' start")
        if key not in KNOWN_PARTS:
            raise RuleError(f"unknown rule part {key[:20]}")
        parts[key] = value.strip().upper()
    freq = parts.get("FREQ")
    if freq is None:
        raise RuleError("FREQ is required")
    if freq not in ALLOWED_FREQ:
        raise RuleError("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")
    if "COUNT" in parts and "UNTIL" in parts:
        raise RuleError("COUNT and UNTIL cannot both be given")
    for key, (low, high, zero_ok) in _NUMBERS.items():
        if key in parts:
            _check_numbers(key, parts[key], low, high, zero_ok)
    return parts


def _check_numbers(key: str, value: str, low: int, high: int, zero_ok: bool) -> None:
    for item in value.split(","):
        try:
            number = int(item)
        except ValueError:
            raise RuleError(f"{key} must be whole numbers") from None
        if not low <= number <= high or (number == 0 and not zero_ok):
            raise RuleError(f"{key} must be {low} to {high}" + ("" if zero_ok else ", not 0"))


@lru_cache(maxsize=64)
def finnish_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FI", years=year).keys())


def is_holiday(day: date) -> bool:
    return day in finnish_holidays(day.year)


def at_local(day: date, at: time) -> datetime:
    """The UTC instant of a Helsinki wall-clock time (a time that a DST change skips moves on)."""
    return datetime.combine(day, at, tzinfo=HELSINKI).astimezone(UTC)


def expand(
    rule: rrule,
    start_time: time,
    end_time: time,
    *,
    since: date,
    until: date,
    skip_holidays: bool,
    exdates: frozenset[date] = frozenset(),
) -> list[Instance]:
    """The series' instances with since <= day < until."""
    found = rule.between(datetime.combine(since, time()), datetime.combine(until, time()), inc=True)
    instances = []
    for at in found:
        day = at.date()
        if day >= until or day in exdates or (skip_holidays and is_holiday(day)):
            continue
        instances.append(Instance(day, at_local(day, start_time), at_local(day, end_time)))
    return instances
