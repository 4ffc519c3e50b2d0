"""The programme as an iCalendar feed (RFC 5545) that calendar apps can subscribe to.

Each occurrence is its own VEVENT with a stable UID (its id), times in Europe/Helsinki with
the zone's VTIMEZONE included, SEQUENCE growing with every change, and STATUS:CANCELLED for a
cancelled one, so that subscribed calendars strike it out instead of silently dropping it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from icalendar import Calendar, Event
from voimala_kit.clock import HELSINKI

from .occurrences import Occurrence
from .texts import pick

UID_DOMAIN = "voimala.salo.fi"


def uid_of(occurrence_id: uuid.UUID) -> str:
    return f"{occurrence_id}@{UID_DOMAIN}"


def render(
    items: list[Occurrence], lang: str, generated_at: datetime, portal_url: str = ""
) -> bytes:
    """`portal_url`: each event links to its page on the portal, in the feed's language."""
    cal = Calendar()
    cal.add("prodid", "-//City of Salo//Voimala programme//FI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add(
        "x-wr-calname",
        {"fi": "Voimalan ohjelma", "sv": "Voimalas program"}.get(lang, "Voimala programme"),
    )
    cal.add("x-wr-timezone", "Europe/Helsinki")
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    for occ in items:
        cal.add_component(_event(occ, lang, generated_at, portal_url))
    cal.add_missing_timezones()
    ical: bytes = cal.to_ical()
    return ical


def _event(occ: Occurrence, lang: str, generated_at: datetime, portal_url: str) -> Event:
    ev = Event()
    ev.add("uid", uid_of(occ.id))
    ev.add("dtstamp", generated_at)
    ev.add("dtstart", occ.starts_at.astimezone(HELSINKI))
    ev.add("dtend", occ.ends_at.astimezone(HELSINKI))
    ev.add("summary", pick(occ.title, lang))
    description = pick(occ.description, lang)
    if description:
        ev.add("description", description)
    ev.add("location", pick(occ.location, lang))
    ev.add("categories", [occ.category])
    ev.add("last-modified", occ.updated_at)
    ev.add("sequence", occ.sequence)
    ev.add("status", "CANCELLED" if occ.cancelled else "CONFIRMED")
    ev.add("transp", "TRANSPARENT")
    if portal_url:
        ev.add("url", f"{portal_url.rstrip('/')}/events/{occ.id}?lang={lang}")
    return ev
