"""The monthly programme across a DST change and a public holiday, as JSON, the printable
HTML poster and the iCalendar feed (parsed back with the `icalendar` library)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
from icalendar import Calendar
from voimala_kit.clock import SystemClock
from voimala_scheduling.domain import poster

from .conftest import first_occurrence, new_series

# March 2027: summer time starts on Sunday 28 March (UTC+2 -> UTC+3); Easter Monday is 29 March.
MARCH = "2027-03"


async def _march_series(client: httpx.AsyncClient, staff: dict[str, str]) -> dict[str, Any]:
    return await new_series(
        client,
        staff,
        category="workshop",
        title={"fi": "Työnhakupaja", "sv": "Jobbsökarverkstad", "en": "Job-search workshop"},
        rrule="FREQ=WEEKLY;BYDAY=MO,WE",
        first_date="2027-03-01",
        start_time="10:00",
        end_time="12:00",
        skip_holidays=True,
        capacity=10,
    )


async def test_a_month_with_dst_and_a_holiday(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    series = await _march_series(client, staff)
    r = await client.get(f"/programme/{MARCH}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    doc = r.json()
    assert doc["month"] == MARCH
    assert doc["time_zone"] == "Europe/Helsinki"
    ours = [o for o in doc["occurrences"] if o["series_id"] == series["id"]]
    days = [o["date"] for o in ours]
    assert days == [
        "2027-03-01",
        "2027-03-03",
        "2027-03-08",
        "2027-03-10",
        "2027-03-15",
        "2027-03-17",
        "2027-03-22",
        "2027-03-24",
        "2027-03-31",
    ]  # Easter Monday 29 March is skipped
    assert {o["local_start"] for o in ours} == {"10:00"}
    assert {o["local_end"] for o in ours} == {"12:00"}
    utc = {o["date"]: datetime.fromisoformat(o["starts_at"]).astimezone(UTC) for o in ours}
    assert utc["2027-03-24"].hour == 8  # winter time, UTC+2
    assert utc["2027-03-31"].hour == 7  # summer time, UTC+3
    assert ours[0]["title"]["sv"] == "Jobbsökarverkstad"
    assert ours[0]["seats_left"] == 10
    assert ours[0]["drop_in"] is False


async def test_the_poster_is_printable_html_in_three_languages(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    await _march_series(client, staff)
    for lang, month_name, title in (
        ("fi", "maaliskuu", "Työnhakupaja"),
        ("sv", "mars", "Jobbsökarverkstad"),
        ("en", "March", "Job-search workshop"),
    ):
        r = await client.get(f"/programme/{MARCH}", params={"format": "html", "lang": lang})
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        assert f'<html lang="{lang}">' in r.text
        assert month_name in r.text
        assert title in r.text
        assert "10:00\u201312:00" in r.text
        assert "size: A4" in r.text
        assert "@media print" in r.text
    # A browser asking for HTML gets the poster without a query.
    r = await client.get(f"/programme/{MARCH}", headers={"Accept": "text/html"})
    assert r.headers["content-type"].startswith("text/html")


async def test_the_feed_round_trips_through_an_icalendar_library(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    series = await _march_series(client, staff)
    r = await client.get(f"/series/{series['id']}/occurrences?start=2027-03-01&end=2027-03-31")
    occurrences = r.json()["items"]
    moved, cancelled = occurrences[7], occurrences[8]  # 24 March, 31 March
    r = await client.patch(
        f"/occurrences/{moved['occurrence_id']}",
        json={"starts_at": "2027-03-25T13:00:00", "ends_at": "2027-03-25T15:00:00"},
        headers=staff,
    )
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/occurrences/{cancelled['occurrence_id']}/cancel",
        json={"reason": "staff training"},
        headers=staff,
    )
    assert r.status_code == 200, r.text

    r = await client.get("/programme.ics", params={"days": 400})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    zones = list(cal.walk("VTIMEZONE"))
    assert [str(z["TZID"]) for z in zones] == ["Europe/Helsinki"]
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    ours = {o["occurrence_id"]: o for o in occurrences}
    for occurrence_id, occ in ours.items():
        ev = events[f"{occurrence_id}@voimala.salo.fi"]
        start = ev.decoded("DTSTART")
        assert start.tzinfo is not None
        assert str(ev["DTSTART"].params["TZID"]) == "Europe/Helsinki"
        if occurrence_id == moved["occurrence_id"]:
            assert start.strftime("%Y-%m-%d %H:%M") == "2027-03-25 13:00"
            assert int(ev["SEQUENCE"]) == 1
        else:
            assert start == datetime.fromisoformat(occ["starts_at"])
            assert ev.decoded("DTEND") == datetime.fromisoformat(occ["ends_at"])
        expected = "CANCELLED" if occurrence_id == cancelled["occurrence_id"] else "CONFIRMED"
        assert str(ev["STATUS"]) == expected
        assert str(ev["SUMMARY"]) == "Työnhakupaja"
    # The same occurrence keeps its UID from one fetch to the next.
    again = Calendar.from_ical((await client.get("/programme.ics", params={"days": 400})).content)
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == set(events)
    r = await client.get("/programme.ics", params={"lang": "en", "days": 400})
    assert "Job-search workshop" in r.text
    # Each event links back to its page on the portal, in the feed's language.
    english = {str(e["UID"]): e for e in Calendar.from_ical(r.content).walk("VEVENT")}
    url = str(english[f"{moved['occurrence_id']}@voimala.salo.fi"]["URL"])
    assert url == f"http://127.0.0.1:8000/events/{moved['occurrence_id']}?lang=en"

    # The JSON month shows the move and the cancellation too.
    doc = (await client.get(f"/programme/{MARCH}")).json()
    mine = {o["occurrence_id"]: o for o in doc["occurrences"]}
    assert mine[moved["occurrence_id"]]["date"] == "2027-03-25"
    assert mine[moved["occurrence_id"]]["local_start"] == "13:00"
    assert mine[cancelled["occurrence_id"]]["status"] == "cancelled"


async def test_the_feed_is_cached_until_the_programme_changes(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    series = await _march_series(client, staff)
    first = await client.get("/programme.ics", params={"days": 400})
    etag = first.headers["etag"]
    r = await client.get("/programme.ics", params={"days": 400}, headers={"If-None-Match": etag})
    assert r.status_code == 304
    occ = (await client.get(f"/series/{series['id']}/occurrences?start=2027-03-01")).json()
    target = occ["items"][0]["occurrence_id"]
    r = await client.post(f"/occurrences/{target}/cancel", json={}, headers=staff)
    assert r.status_code == 200
    r = await client.get("/programme.ics", params={"days": 400}, headers={"If-None-Match": etag})
    assert r.status_code == 200
    assert r.headers["etag"] != etag
    cal = Calendar.from_ical(r.content)
    (ev,) = [e for e in cal.walk("VEVENT") if str(e["UID"]) == f"{target}@voimala.salo.fi"]
    assert str(ev["STATUS"]) == "CANCELLED"


async def test_head_of_the_feed_answers_like_get(client: httpx.AsyncClient) -> None:
    """Calendar apps and link checkers ask HEAD first: 200 with the feed's headers, not 405."""
    r = await client.head("/programme.ics", params={"lang": "sv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/calendar")
    assert (
        r.headers["etag"]
        == (await client.get("/programme.ics", params={"lang": "sv"})).headers["etag"]
    )


async def test_the_poster_shows_seats_left_not_the_capacity(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    series = await new_series(client, staff, capacity=10, title={"fi": "Istumapaikat"})
    occ = await first_occurrence(client, series["id"])
    target = occ["occurrence_id"]
    for n in range(3):
        body = {"guest": {"name": f"Seat {n}", "email": f"seat{n}@example.fi"}}
        r = await client.post(f"/occurrences/{target}/registrations", json=body, headers=staff)
        assert r.status_code == 201, r.text
    month = occ["date"][:7]
    r = await client.get(f"/programme/{month}", params={"format": "html", "lang": "en"})
    assert "Register · 7 seats left" in r.text
    # Each language's poster links the calendar feed in its own language.
    assert 'href="/programme.ics?lang=en"' in r.text


async def test_programme_without_a_month_goes_to_this_month_in_helsinki(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/programme", params={"lang": "sv", "format": "html"})
    assert r.status_code == 307
    month = f"{SystemClock().today():%Y-%m}"
    assert r.headers["location"] == f"/programme/{month}?lang=sv&format=html"


def test_counted_words_take_the_form_a_number_asks_for() -> None:
    fi, sv, en = (poster.WORDS[lang] for lang in ("fi", "sv", "en"))
    assert poster.counted(3, fi["slots"]) == "3 varattavaa aikaa"
    assert poster.counted(1, fi["slots"]) == "1 varattava aika"
    assert poster.counted(0, fi["seats"]) == "0 paikkaa vapaana"
    assert poster.counted(1, fi["seats"]) == "1 paikka vapaana"
    assert poster.counted(1, sv["seats"]) == "1 plats kvar"
    assert poster.counted(2, sv["slots"]) == "2 bokningsbara tider"
    assert poster.counted(1, en["slots"]) == "1 bookable slot"
    assert poster.counted(7, en["seats"]) == "7 seats left"


def test_the_poster_is_one_column_on_a_phone_and_readable_printed() -> None:
    page = poster.render(2027, 3, [], "fi")
    phone = page.split("@media screen and (max-width: 36rem)")[1].split("}")[0]
    assert "columns: 1" in phone  # 390 px is about 24rem
    printed = page.split("@media print")[1].split("</style>")[0]
    sizes = [float(pt) for pt in re.findall(r"font-size: ([0-9.]+)pt", printed)]
    assert sizes
    assert min(sizes) >= 10
    assert "@page { size: A4 portrait; margin:" in page
