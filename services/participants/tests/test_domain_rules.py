"""The pure rules beside the participant: youth and age bands, consent, visits, the public
form's limit. No database: these run in milliseconds."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from voimala_kit.refusals import Invalid
from voimala_participants.domain import (
    HourlyLimit,
    age_group,
    age_on,
    check_visit,
    in_force,
    is_youth,
    on_registration,
    youth_limit,
)
from voimala_participants.domain.consents import Consent

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@pytest.mark.parametrize("today", [date(2024, 2, 29), date(2025, 2, 28), date(2026, 3, 1)])
def test_the_youth_limit_is_under_30_on_the_day(today: date) -> None:
    # The limit that the list's SQL filter compares with says what the age says, day by day
    # around the 30th birthday, leap days included.
    for born in _days(date(today.year - 31, 1, 1), date(today.year - 29, 12, 31)):
        age = age_on(None, today, born)
        assert age is not None
        assert is_youth(None, today, born) is (age < 30), born
        assert (born > youth_limit(today).born_after) is (age < 30), born


def test_with_only_a_year_the_limit_is_the_age_reached_this_year() -> None:
    today = date(2026, 6, 15)
    assert youth_limit(today).year_after == 1996
    assert is_youth(1997, today)
    assert not is_youth(1996, today)
    assert not is_youth(None, today)


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (date(1996, 6, 16), "under_30"),
        (date(1996, 6, 15), "30_54"),
        (date(1971, 6, 16), "30_54"),
        (date(1971, 6, 15), "55_plus"),
    ],
)
def test_age_bands_by_birth_date(born: date, band: str) -> None:
    assert age_group(None, date(2026, 6, 15), born) == band


def _consent(purpose: str, granted: bool, minutes: int) -> Consent:
    return Consent(
        participant_id=uuid.uuid4(),
        purpose=purpose,
        granted=granted,
        text_version="2026-01",
        recorded_by="c-1",
        recorded_at=NOW - timedelta(minutes=minutes),
    )


def test_the_newest_record_per_purpose_is_in_force() -> None:
    history = [_consent("matching", False, 1), _consent("registry", True, 2)]
    history.append(_consent("matching", True, 3))
    assert in_force(history) == history[:2]


def test_a_registration_records_the_registry_consent_first() -> None:
    assert list(on_registration({"matching": True}, None)) == ["registry", "matching"]
    assert on_registration({}, True) == {"registry": True, "matching": True}
    assert on_registration({"registry": True, "statistics": False}, None) == {
        "registry": True,
        "statistics": False,
    }


def _refused_field(error: Invalid) -> str:
    (problem,) = error.extra["errors"]
    return str(problem["loc"][-1])


@pytest.mark.parametrize(
    ("consents", "matching", "field"),
    [({"registry": False}, None, "consents"), ({"matching": False}, True, "matching_consent")],
)
def test_a_registration_refuses_what_contradicts_itself(
    consents: dict[str, bool], matching: bool | None, field: str
) -> None:
    with pytest.raises(Invalid) as refused:
        on_registration(consents, matching)  # type: ignore[arg-type]
    assert _refused_field(refused.value) == field
    assert refused.value.status == 422


@pytest.mark.parametrize(
    ("visited_at", "identified", "age", "count", "field"),
    [
        (datetime(2026, 3, 1, 10, 0), False, None, 1, "visited_at"),  # noqa: DTZ001 - the point
        (NOW + timedelta(minutes=1), False, None, 1, "visited_at"),
        (NOW, True, "30_54", 1, "age_group"),
        (NOW, True, None, 2, "count"),
    ],
)
def test_a_visit_happened_and_an_identified_one_is_one_person(
    visited_at: datetime, identified: bool, age: str | None, count: int, field: str
) -> None:
    with pytest.raises(Invalid) as refused:
        check_visit(visited_at, NOW, identified, age, count)  # type: ignore[arg-type]
    assert _refused_field(refused.value) == field


def test_an_anonymous_group_may_give_its_age_group_and_count() -> None:
    check_visit(NOW, NOW, False, "55_plus", 3)
    check_visit(NOW - timedelta(days=1), NOW, True, None, 1)


def test_the_public_form_allows_so_many_an_hour_per_client() -> None:
    limit = HourlyLimit(2)
    assert limit.retry_after("a", 0.0) == 0
    assert limit.retry_after("a", 10.0) == 0
    assert limit.retry_after("b", 10.0) == 0  # another client counts on its own
    assert limit.retry_after("a", 20.0) == 3581  # the first call leaves the hour at 3600
    assert limit.retry_after("a", 3600.0) == 0
