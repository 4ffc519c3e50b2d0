"""Recurrence rules in Helsinki wall-clock time: DST, holidays, and rules refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from voimala_scheduling.domain.recurrence import (
    RuleError,
    expand,
    finnish_holidays,
    is_holiday,
    parse_rule,
)


def test_every_thursday_12_to_15_stays_local_across_the_autumn_dst_change() -> None:
    rule = parse_rule("FREQ=WEEKLY;BYDAY=TH", date(2027, 10, 1))
    found = expand(
        rule,
        time(12),
        time(15),
        since=date(2027, 10, 20),
        until=date(2027, 11, 5),
        skip_holidays=True,
    )
    assert [i.rule_date for i in found] == [
        date(2027, 10, 21),
        date(2027, 10, 28),
        date(2027, 11, 4),
    ]
    assert found[0].starts_at == datetime(2027, 10, 21, 9, tzinfo=UTC)  # UTC+3
    assert found[2].starts_at == datetime(2027, 11, 4, 10, tzinfo=UTC)  # UTC+2
    assert found[2].ends_at == datetime(2027, 11, 4, 13, tzinfo=UTC)


def test_second_and_fourth_tuesday_skips_holidays_and_exceptions() -> None:
    rule = parse_rule("FREQ=MONTHLY;BYDAY=2TU,4TU", date(2027, 1, 1))
    found = expand(
        rule,
        time(13),
        time(15),
        since=date(2027, 12, 1),
        until=date(2028, 1, 1),
        skip_holidays=True,
        exdates=frozenset({date(2027, 12, 14)}),
    )
    assert [i.rule_date for i in found] == [date(2027, 12, 28)]
    kept = expand(
        rule,
        time(13),
        time(15),
        since=date(2027, 12, 1),
        until=date(2028, 1, 1),
        skip_holidays=False,
    )
    assert [i.rule_date for i in kept] == [date(2027, 12, 14), date(2027, 12, 28)]


def test_finnish_public_holidays() -> None:
    days = finnish_holidays(2027)
    for day in (
        date(2027, 1, 1),
        date(2027, 1, 6),
        date(2027, 3, 26),
        date(2027, 3, 29),
        date(2027, 5, 1),
        date(2027, 5, 6),
        date(2027, 6, 25),
        date(2027, 12, 6),
        date(2027, 12, 24),
        date(2027, 12, 25),
        date(2027, 12, 26),
    ):
        assert day in days, day
    assert not is_holiday(date(2027, 3, 30))


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MINUTELY",
        "FREQ=HOURLY",
        "FREQ=DAILY;BYMINUTE=5",
        "FREQ=WEEKLY;INTERVAL=0",
        "FREQ=WEEKLY;COUNT=0",
        "FREQ=WEEKLY;FOO=1",
        "FREQ=WEEKLY;DTSTART=20270101T000000",
        "",
        "RRULE:",
        "FREQ=MONTHLY;BYDAY=9TU",
    ],
)
def test_rules_refused(rule: str) -> None:
    with pytest.raises(RuleError):
        parse_rule(rule, date(2027, 1, 1))


def test_a_rule_may_carry_the_rrule_prefix_and_lower_case() -> None:
    rule = parse_rule("RRULE:freq=weekly;byday=we", date(2027, 1, 1))
    naive = datetime(2027, 1, 1)  # noqa: DTZ001 - a rule counts days in naive local time
    assert rule.after(naive).date() == date(2027, 1, 6)
