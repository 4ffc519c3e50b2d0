"""Attendance: who came (check-ins, walk-ins too) and who did not (no-shows)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from voimala_contracts.scheduling import AttendanceRecorded, AttendanceStatus

from .occurrences import Occurrence, info


@dataclass(frozen=True, slots=True)
class Attendance:
    """A row of `attendance` as answered (the person key and who recorded it stay inside)."""

    id: uuid.UUID
    occurrence_id: uuid.UUID
    registration_id: uuid.UUID | None
    participant_id: uuid.UUID | None
    status: AttendanceStatus
    walk_in: bool
    recorded_at: datetime


def recorded(
    occ: Occurrence, row: Attendance, next_occurrence: Occurrence | None = None
) -> AttendanceRecorded:
    """`attendance.recorded.v1`: pseudonymous, for the participant's timeline; a no-show names
    the series' next occurrence, so that the person can be told when to come instead."""
    return AttendanceRecorded(
        attendance_id=row.id,
        occurrence=info(occ),
        participant_id=row.participant_id,
        registration_id=row.registration_id,
        status=row.status,
        walk_in=row.walk_in,
        recorded_at=row.recorded_at,
        next_occurrence=info(next_occurrence) if next_occurrence is not None else None,
    )
