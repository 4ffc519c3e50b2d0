"""The programme's pure rules, without a database: occurrences, registrations, the public
views (JSON, poster, calendar feed) and the feed cache."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
from icalendar import Calendar
from voimala_kit.clock import HELSINKI
from voimala_kit.refusals import Conflict
from voimala_scheduling.domain import ics, poster
from voimala_scheduling.domain.ideas import theme_of
from voimala_scheduling.domain.occurrences import (
    check_in_open,
    check_open,
    in_helsinki,
    info,
    slots,
    window,
)
from voimala_scheduling.domain.programme import days_of, month_bounds, public_item
from voimala_scheduling.domain.registrations import (
    Guest,
    guest_of,
    person_key,
    registrant,
)
from voimala_scheduling.domain.texts import pick
from voimala_scheduling.handlers.deps import FeedCache

from .conftest import STARTS, occurrence, registration


def test_a_person_is_a_participant_or_a_guest_by_email_or_phone() -> None:
    pid = uuid.uuid4()
    assert person_key(pid, None) == f"p:{pid}"
    assert person_key(None, Guest("A", " Anna@Example.FI ", None)) == "e:anna@example.fi"
    assert person_key(None, Guest("A", None, "+358401234567")) == "t:+358401234567"
    with pytest.raises(ValueError, match="participant's or a guest's"):
        person_key(None, None)


def test_ideas_asking_the_same_share_a_theme() -> None:
    assert theme_of("Kokkikurssi!") == theme_of("  KOKKIKURSSI ") == "kokkikurssi"
    assert theme_of("Kokki_kurssi,  please!!") == "kokki kurssi please"
    assert len(theme_of("x " * 500)) == 200


def test_a_naive_time_is_helsinki_wall_clock_time() -> None:
    wall_clock = datetime(2027, 3, 11, 14, 0)  # noqa: DTZ001 - as a client may send it
    assert in_helsinki(wall_clock) == STARTS
    assert in_helsinki(STARTS) is STARTS


def test_slots_follow_the_occurrence_and_stay_within_the_hours() -> None:
    assert slots(occurrence()) == []
    slotted = occurrence(slot_minutes=20, slots_from=time(14, 20), slots_until=time(15, 20))
    assert slots(slotted) == [STARTS + timedelta(minutes=m) for m in (20, 40, 60)]
    moved = replace(slotted, starts_at=STARTS + timedelta(days=1))
    assert slots(moved)[0] == STARTS + timedelta(days=1, minutes=20)


def test_registration_is_open_within_its_window_only() -> None:
    occ = occurrence()
    opens, closes = window(occ)
    assert (opens, closes) == (STARTS - timedelta(days=30), STARTS - timedelta(hours=1))
    check_open(occ, opens)
    cases = [
        (occ, opens - timedelta(seconds=1), "Registration not open"),
        (occ, closes, "Registration closed"),
        (occ, STARTS, "Occurrence past"),
        (occurrence(status="cancelled"), opens, "Occurrence cancelled"),
        (occurrence(capacity=None), opens, "Drop-in"),
    ]
    for case, now, title in cases:
        with pytest.raises(Conflict) as refused:
            check_open(case, now)
        assert (refused.value.status, refused.value.title) == (409, title)
    with pytest.raises(Conflict, match="registration opens at 2027-02-09T14:00"):
        check_open(occ, opens - timedelta(days=1))


def test_check_in_opens_two_hours_before_and_closes_with_the_no_shows() -> None:
    check_in_open(occurrence(), STARTS - timedelta(hours=2))
    with pytest.raises(Conflict, match="two hours"):
        check_in_open(occurrence(), STARTS - timedelta(hours=2, seconds=1))
    with pytest.raises(Conflict, match="already recorded"):
        check_in_open(occurrence(attendance_closed_at=STARTS), STARTS)


def test_events_name_a_guest_only_inside_personal() -> None:
    guest = registration()
    contact = guest_of(guest)
    assert contact is not None
    assert (contact.name, contact.email, contact.language) == ("Guest", "guest@example.fi", "fi")
    pid = uuid.uuid4()
    participant = registration(participant_id=pid, guest_name=None, guest_email=None)
    assert guest_of(participant) is None
    assert registrant(participant).participant_id == pid
    assert registrant(participant).personal is None
    assert info(occurrence()).local_start == "2027-03-11T14:00"


def test_the_public_item_counts_seats_and_says_when_registration_opens() -> None:
    item = public_item(occurrence())
    assert item["seats_left"] == 9
    assert (item["date"], item["weekday"], item["local_start"], item["local_end"]) == (
        "2027-03-11",
        4,
        "14:00",
        "15:30",
    )
    assert item["title"] == {"fi": "Kielikahvila", "sv": "Språkcafé", "en": None}
    assert item["registration_opens_at"] == (STARTS - timedelta(days=30)).isoformat()
    assert public_item(occurrence(confirmed=14))["seats_left"] == 0
    drop_in = public_item(occurrence(capacity=None))
    assert drop_in["drop_in"] is True
    assert drop_in["registration_opens_at"] is None
    slotted = occurrence(
        capacity=None, slot_minutes=30, slots_from=time(14), slots_until=time(15, 30)
    )
    assert (public_item(slotted, 1)["slots"], public_item(slotted, 1)["slots_left"]) == (3, 2)


def test_months_and_days_in_helsinki() -> None:
    start, end = month_bounds(2027, 12)
    assert (start, end) == (
        datetime(2027, 12, 1, tzinfo=HELSINKI),
        datetime(2028, 1, 1, tzinfo=HELSINKI),
    )
    first, second = public_item(occurrence()), public_item(occurrence(id=uuid.UUID(int=9)))
    later = public_item(occurrence(starts_at=STARTS + timedelta(days=1)))
    assert days_of([later, first, second]) == [
        (date(2027, 3, 11), [first, second]),
        (date(2027, 3, 12), [later]),
    ]


def test_a_text_falls_back_to_finnish() -> None:
    texts = {"fi": "Kielikahvila", "sv": "Språkcafé", "en": None}
    assert [pick(texts, lang) for lang in ("fi", "sv", "en")] == [
        "Kielikahvila",
        "Språkcafé",
        "Kielikahvila",
    ]


def test_the_feed_marks_a_cancelled_occurrence_and_links_to_the_portal() -> None:
    cancelled = occurrence(id=uuid.UUID(int=5), status="cancelled", sequence=2)
    body = ics.render([occurrence(), cancelled], "sv", STARTS, "https://portal.example/")
    events = Calendar.from_ical(body).walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [
        f"{uuid.UUID(int=1)}@voimala.salo.fi",
        f"{uuid.UUID(int=5)}@voimala.salo.fi",
    ]
    assert [str(e["status"]) for e in events] == ["CONFIRMED", "CANCELLED"]
    assert str(events[0]["summary"]) == "Språkcafé"
    assert str(events[0]["url"]) == f"https://portal.example/events/{uuid.UUID(int=1)}?lang=sv"
    assert events[0].decoded("dtstart") == STARTS.astimezone(HELSINKI)
    assert (
        "url" not in Calendar.from_ical(ics.render([occurrence()], "fi", STARTS)).walk("VEVENT")[0]
    )


def test_the_poster_escapes_what_staff_wrote() -> None:
    written = occurrence(title={"fi": "Kahvila <b>auki</b>", "sv": None, "en": None})
    html = poster.render(2027, 3, [public_item(written)], "en")
    assert '<html lang="en">' in html
    assert "March 2027" in html
    assert "Kahvila &lt;b&gt;auki&lt;/b&gt;" in html
    assert "<b>" not in html


def test_the_feed_cache_keeps_the_newest() -> None:
    cache = FeedCache(size=2)
    for key in ("a", "b", "c"):
        cache.put(key, key.encode())
    assert [cache.get(k) for k in ("a", "b", "c")] == [None, b"b", b"c"]
