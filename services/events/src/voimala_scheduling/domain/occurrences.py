"""Rules of one occurrence: its public description, bookable slots, registration window."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from voimala_contracts.scheduling import GuestContact, OccurrenceInfo, Registrant, Texts

from ..clock import HELSINKI, local


def texts(value: dict[str, Any]) -> Texts:
    return Texts(fi=value.get("fi") or "", sv=value.get("sv"), en=value.get("en"))


def info(occ: dict[str, Any]) -> OccurrenceInfo:
    return OccurrenceInfo(
        occurrence_id=occ["id"],
        series_id=occ["series_id"],
        category=occ["category"],
        title=texts(occ["title"]),
        location=texts(occ["location"]),
        starts_at=occ["starts_at"],
        ends_at=occ["ends_at"],
        local_start=local(occ["starts_at"]),
        local_end=local(occ["ends_at"]),
    )


def is_drop_in(occ: dict[str, Any]) -> bool:
    return occ["capacity"] is None and occ["slot_minutes"] is None


def slots(occ: dict[str, Any]) -> list[datetime]:
    """Start times (UTC) of the bookable slots, relative to where the occurrence now starts."""
    minutes = occ["slot_minutes"]
    if minutes is None:
        return []
    start_local = occ["starts_at"].astimezone(HELSINKI)
    day = start_local.date()
    offset = datetime.combine(day, occ["slots_from"]) - datetime.combine(day, occ["start_time"])
    last = datetime.combine(day, occ["slots_until"]) - datetime.combine(day, occ["start_time"])
    found, at = [], offset
    while at + timedelta(minutes=minutes) <= last:
        found.append(occ["starts_at"] + at)
        at += timedelta(minutes=minutes)
    return found


def window(occ: dict[str, Any]) -> tuple[datetime, datetime]:
    """When registration opens and closes."""
    opens = occ["starts_at"] - timedelta(days=occ["opens_days_before"])
    closes = occ["starts_at"] - timedelta(minutes=occ["closes_minutes_before"])
    return opens, closes


def guest_of(reg: dict[str, Any]) -> GuestContact | None:
    if reg.get("guest_name") is None:
        return None
    return GuestContact(
        name=reg["guest_name"],
        email=reg["guest_email"],
        phone=reg["guest_phone"],
        language=reg["guest_language"] or "fi",
    )


def registrant(reg: dict[str, Any]) -> Registrant:
    return Registrant(
        registration_id=reg["id"], participant_id=reg["participant_id"], personal=guest_of(reg)
    )
