"""A participant's data as an access request exports it: records by data set, field names as
the API's, cut to what one Kafka record carries."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic_core import to_jsonable_python

from .attendance import Attendance
from .occurrences import Occurrence, info
from .registrations import Registration

#: One record as exported: a JSON object.
Record = dict[str, Any]
#: The data sets of an export, each a list of records (newest first).
DataSets = dict[str, list[Record]]


@dataclass(frozen=True, slots=True)
class ReminderRecord:
    """A reminder of one of the participant's registrations (a row of `reminder`)."""

    id: uuid.UUID
    registration_id: uuid.UUID
    due_at: datetime
    sent_at: datetime | None
    dropped_at: datetime | None


@dataclass(frozen=True, slots=True)
class IdeaRecord:
    """An idea the participant sent (a row of `idea`, as far as it is theirs)."""

    id: uuid.UUID
    text: str
    theme: str
    language: str
    submitted_at: datetime
    series_id: uuid.UUID | None
    realised_at: datetime | None


@dataclass(frozen=True)
class Held:
    """Everything the service holds about one participant."""

    registrations: list[Registration]
    attendance: list[Attendance]
    reminders: list[ReminderRecord]
    ideas: list[IdeaRecord]
    #: The occurrences the registrations and attendance are for, by id.
    occurrences: Mapping[uuid.UUID, Occurrence]
    #: Place on the waitlist of each waitlisted registration.
    positions: Mapping[uuid.UUID, int]


def _json(value: object) -> str | None:
    """An id or an instant as the API writes it (`Z` for UTC)."""
    return None if value is None else str(to_jsonable_python(value))


def _occurrence(held: Held, occurrence_id: uuid.UUID) -> Record | None:
    occ = held.occurrences.get(occurrence_id)
    return info(occ).model_dump(mode="json") if occ else None


def _registration(held: Held, reg: Registration) -> Record:
    return {
        "id": str(reg.id),
        "occurrence_id": str(reg.occurrence_id),
        "status": reg.status,
        "position": held.positions.get(reg.id),
        "participant_id": _json(reg.participant_id),
        "slot_start": _json(reg.slot_start),
        "created_at": _json(reg.created_at),
        "promoted_at": _json(reg.promoted_at),
        "cancelled_at": _json(reg.cancelled_at),
        "occurrence": _occurrence(held, reg.occurrence_id),
    }


def _attendance(held: Held, row: Attendance) -> Record:
    return {
        "id": str(row.id),
        "occurrence_id": str(row.occurrence_id),
        "registration_id": _json(row.registration_id),
        "participant_id": _json(row.participant_id),
        "status": row.status,
        "walk_in": row.walk_in,
        "recorded_at": _json(row.recorded_at),
        "occurrence": _occurrence(held, row.occurrence_id),
    }


def _fields(row: ReminderRecord | IdeaRecord) -> Record:
    return {name: _json(getattr(row, name)) for name in row.__slots__}


def exported(held: Held) -> DataSets:
    """The export's data sets: registrations (with the occurrence each is for and the place on
    the waitlist), attendance, reminders and ideas."""
    return {
        "registrations": [_registration(held, r) for r in held.registrations],
        "attendance": [_attendance(held, a) for a in held.attendance],
        "reminders": [_fields(r) for r in held.reminders],
        "ideas": [_fields(i) for i in held.ideas],
    }


def erased_export(erased_at: datetime) -> DataSets:
    """The export of a participant erased here: nothing held, and when they were erased."""
    return {
        "registrations": [],
        "attendance": [],
        "reminders": [],
        "ideas": [],
        "erasure": [{"erased_at": _json(erased_at)}],
    }


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


def fit(data: DataSets, limit: int) -> DataSets:
    """At most `limit` bytes of JSON: the longest list is cut (its oldest records go) until the
    export fits, and `_truncated` says what was kept of how many."""
    if _size(data) <= limit:
        return data
    fitted = {name: list(records) for name, records in data.items()}
    truncated: dict[str, Record] = {}
    budget = limit - 200 * (len(data) + 1)  # room for the `_truncated` notes themselves
    size = _size(fitted)
    while size > budget:
        name = max(fitted, key=lambda n: len(fitted[n]))
        records = fitted[name]
        if not records:
            break
        note = truncated.setdefault(name, {"data_set": name, "kept": 0, "total": len(records)})
        size -= _size(records.pop()) + 1
        note["kept"] = len(records)
    fitted["_truncated"] = list(truncated.values())
    return fitted
