"""The public pages' own rules, in-process: months, the state of an event, dates, the form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.datastructures import FormData
from voimala_portal.api.public import _check, _state, long_date, parse_month, shift
from voimala_portal.web.i18n import Translator


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12", (2026, 12)),
        ("2027-01", (2027, 1)),
        ("2026-13", None),
        ("2026-00", None),
        ("1999-12", None),
        ("2026-1", None),
        ("../etc", None),
        ("2026-12\x00", None),
    ],
)
def test_a_month_is_yyyy_mm_between_2000_and_2100(value: str, expected: Any) -> None:
    assert parse_month(value) == expected


def test_months_shift_across_years() -> None:
    assert shift(2026, 12, 1) == "2027-01"
    assert shift(2027, 1, -1) == "2026-12"


NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def _occ(**over: Any) -> dict[str, Any]:
    found = {
        "status": "scheduled",
        "starts_at": (NOW + timedelta(days=2)).isoformat(),
        "drop_in": False,
        "registration_opens_at": (NOW - timedelta(days=5)).isoformat(),
        "registration_closes_at": (NOW + timedelta(days=2)).isoformat(),
        "slots": None,
        "free_slots": None,
        "seats_left": 3,
    }
    return found | over


@pytest.mark.parametrize(
    ("over", "state"),
    [
        ({}, "open"),
        ({"seats_left": 0}, "full"),
        ({"status": "cancelled", "seats_left": 0}, "cancelled"),
        ({"starts_at": (NOW - timedelta(minutes=1)).isoformat()}, "past"),
        ({"drop_in": True, "seats_left": None, "registration_opens_at": None}, "drop_in"),
        ({"registration_opens_at": (NOW + timedelta(days=1)).isoformat()}, "not_open"),
        ({"registration_closes_at": NOW.isoformat()}, "closed"),
        ({"slots": 3, "free_slots": [], "seats_left": None}, "full_slots"),
        ({"slots": 3, "free_slots": [{"starts_at": "x"}], "seats_left": None}, "open"),
    ],
)
def test_what_an_event_page_offers(over: dict[str, Any], state: str) -> None:
    assert _state(_occ(**over), NOW) == state


def test_a_long_date_as_each_language_writes_it() -> None:
    at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert long_date(at, "fi") == "Tiistai 1.12.2026"
    assert long_date(at, "sv") == "Tisdag 1.12.2026"
    assert long_date(at, "en") == "Tuesday 1 December 2026"


def _form(**values: str) -> FormData:
    return FormData(list(values.items()))


def test_the_registration_form_checks_each_field() -> None:
    _ = Translator("en").gettext
    errors, _body = _check(_form(name="", email="", phone=""), _, has_slots=True)
    assert set(errors) == {"name", "email", "slot"}
    errors, _body = _check(_form(name="A\x00B", email="a@example.fi"), _, has_slots=False)
    assert set(errors) == {"name"}
    errors, _body = _check(_form(name="x" * 201, email="nope"), _, has_slots=False)
    assert set(errors) == {"name", "email"}
    errors, _body = _check(_form(name="Anna", phone="call me"), _, has_slots=False)
    assert set(errors) == {"phone"}
    errors, body = _check(_form(name=" Anna ", phone="040 123 4567"), _, has_slots=False)
    assert errors == {}
    assert body == {"guest": {"name": "Anna", "phone": "040 123 4567"}}
