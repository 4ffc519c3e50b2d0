"""The ESF+ rules on their own (no database): ages, long-term unemployment, result windows."""

from __future__ import annotations

from datetime import date

import pytest
from voimala_kit.refusals import Invalid
from voimala_participants.domain.esf import (
    add_months,
    age_range,
    check_results,
    esf_csv,
    long_term_unemployed,
    result_window,
)


def test_months_are_calendar_months() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 3, 15), -12) == date(2025, 3, 15)
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)


def test_age_with_a_birth_date_is_exact_and_with_a_year_a_range() -> None:
    assert age_range(None, date(2000, 6, 2), date(2018, 6, 1)) == (17, 17)
    assert age_range(None, date(2000, 6, 1), date(2018, 6, 1)) == (18, 18)
    assert age_range(2000, None, date(2018, 1, 10)) == (17, 18)
    assert age_range(None, None, date(2018, 1, 10)) is None


@pytest.mark.parametrize(
    ("since", "ages", "expected"),
    [
        (date(2025, 1, 1), (40, 40), True),  # 12 months exactly
        (date(2025, 1, 2), (40, 40), False),  # a day short of 12, 25 or over
        (date(2025, 7, 1), (24, 24), True),  # 6 months, under 25
        (date(2025, 7, 2), (24, 24), False),  # a day short of 6
        (date(2025, 7, 1), (24, 25), None),  # birth year only: cannot tell
        (date(2025, 7, 1), None, None),
        (date(2025, 1, 1), None, True),  # 12 months: whatever the age
    ],
)
def test_long_term_unemployment_by_the_age_rule(
    since: date, ages: tuple[int, int] | None, expected: bool | None
) -> None:
    assert long_term_unemployed("unemployed", since, date(2026, 1, 1), ages) is expected


def test_not_unemployed_is_not_long_term_and_no_status_is_not_known() -> None:
    assert long_term_unemployed("employed", None, date(2026, 1, 1), (30, 30)) is False
    assert long_term_unemployed(None, None, date(2026, 1, 1), (30, 30)) is None


def test_result_windows() -> None:
    start, exit_ = date(2026, 1, 5), date(2026, 3, 1)
    assert result_window("leaving", "employed", start, exit_) == (exit_, date(2026, 3, 29))
    assert result_window("leaving", "qualification_gained", start, exit_)[0] == start
    assert result_window("six_months", "employed", start, exit_) == (date(2026, 9, 1), None)


def test_results_outside_their_window_are_refused() -> None:
    start, exit_, today = date(2026, 1, 5), date(2026, 3, 1), date(2026, 12, 1)
    check_results("leaving", {"employed": date(2026, 3, 29)}, start, exit_, today)
    with pytest.raises(Invalid):
        check_results("leaving", {"employed": date(2026, 3, 30)}, start, exit_, today)
    with pytest.raises(Invalid):
        check_results("leaving", {"job_searching": date(2026, 2, 28)}, start, exit_, today)
    with pytest.raises(Invalid):
        check_results("six_months", {"employed": date(2026, 8, 31)}, start, exit_, today)
    with pytest.raises(Invalid):
        check_results("six_months", {"employed": date(2026, 12, 2)}, start, exit_, today)


def test_the_csv_has_a_bom_semicolons_and_a_decimal_comma() -> None:
    report = {
        "period": {"from": "2026-01-01", "to": "2026-01-31", "cumulative": False},
        "as_of": "2026-02-01T00:00:00+00:00",
        "indicators": [
            {
                "code": "EECO01",
                "indicator": "participants",
                "section": "outputs",
                "women": 1,
                "men": 0,
                "non_binary": 0,
                "unknown": 2,
                "total": 3,
                "population": 3,
                "not_known": 1,
                "not_known_share": 1 / 3,
                "definition": "people; counted once",
                "nimike": "Osallistujat yhteensä",
            }
        ],
    }
    text = esf_csv(report)
    assert text.startswith("\ufeffcode;indicator;section;women;men;non_binary;unknown;total;")
    assert "EECO01;participants;outputs;1;0;0;2;3;3;1;0,3333;" in text
    assert '"people; counted once"' in text
