"""The programme as the public sees it: no registrations, no names, no contacts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeAlias

from voimala_kit.clock import HELSINKI

from .occurrences import Occurrence, slots, window
from .texts import LANGUAGES

#: One occurrence as the public programme answers it (JSON).
PublicItem: TypeAlias = dict[str, Any]


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1, tzinfo=HELSINKI)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=HELSINKI)
    return start, end


def public_item(occ: Occurrence, taken_slots: int = 0) -> PublicItem:
    start = occ.starts_at.astimezone(HELSINKI)
    end = occ.ends_at.astimezone(HELSINKI)
    capacity = occ.capacity
    bookable = slots(occ)
    opens, closes = window(occ)
    return {
        "occurrence_id": str(occ.id),
        "series_id": str(occ.series_id),
        "date": start.date().isoformat(),
        "weekday": start.isoweekday(),
        "local_start": start.strftime("%H:%M"),
        "local_end": end.strftime("%H:%M"),
        "starts_at": occ.starts_at.isoformat(),
        "ends_at": occ.ends_at.isoformat(),
        "category": occ.category,
        "profession": occ.profession,
        "audience": occ.audience,
        "title": {k: occ.title.get(k) for k in LANGUAGES},
        "description": {k: occ.description.get(k) for k in LANGUAGES},
        "location": {k: occ.location.get(k) for k in LANGUAGES},
        "host_organisation": occ.host_organisation,
        "status": occ.status,
        "drop_in": occ.drop_in,
        "capacity": capacity,
        "seats_left": None if capacity is None else max(capacity - occ.confirmed, 0),
        "slots": len(bookable) or None,
        "slots_left": (len(bookable) - taken_slots) if bookable else None,
        # When registration opens and closes (UTC), so that a page can say so beforehand.
        "registration_opens_at": None if occ.drop_in else opens.isoformat(),
        "registration_closes_at": None if occ.drop_in else closes.isoformat(),
    }


def month_document(year: int, month: int, items: list[PublicItem]) -> dict[str, Any]:
    return {
        "month": f"{year:04d}-{month:02d}",
        "time_zone": "Europe/Helsinki",
        "occurrences": items,
    }


def days_of(items: list[PublicItem]) -> list[tuple[date, list[PublicItem]]]:
    grouped: dict[str, list[PublicItem]] = {}
    for item in items:
        grouped.setdefault(item["date"], []).append(item)
    return [(date.fromisoformat(d), grouped[d]) for d in sorted(grouped)]
