"""A person's rights over their data: who must answer an access request and an erasure, when a
silent service is named, when an export is purged, and when an exited participant is erased.

Pure: the times come in as arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from voimala_contracts.privacy import ANSWERING

#: The other services that answer every request and confirm every erasure.
ANSWERING_SERVICES: tuple[str, ...] = tuple(sorted(ANSWERING))
#: This service's own name in an export and in an erasure's confirmations.
OWN = "participants"
#: Who asks for an erasure that retention decides (the audit's and the erasure's actor).
RETENTION_ACTOR = "system:retention"

AnswerStatus = Literal["answered", "waiting", "not_answered_in_time"]
RequestStatus = Literal["waiting", "complete", "incomplete", "purged"]


@dataclass(frozen=True, slots=True)
class ServiceAnswer:
    service: str
    status: AnswerStatus
    answered_at: datetime | None
    #: After this, a service that has not answered is named as not answered in time.
    due_by: datetime


def answers_of(
    requested_at: datetime,
    answered: Mapping[str, datetime],
    now: datetime,
    timeout: timedelta,
) -> list[ServiceAnswer]:
    """Each answering service's status: answered (at when), waiting, or not answered in time
    (a late answer still counts once it comes)."""
    due_by = requested_at + timeout
    found = []
    for service in ANSWERING_SERVICES:
        at = answered.get(service)
        if at is not None:
            status: AnswerStatus = "answered"
        else:
            status = "waiting" if now <= due_by else "not_answered_in_time"
        found.append(ServiceAnswer(service, status, at, due_by))
    return found


def request_status(answers: list[ServiceAnswer], purged: bool) -> RequestStatus:
    """complete: every service answered; incomplete: those missing are past their time (the
    export holds what came, the rest named); waiting: someone may still answer."""
    if purged:
        return "purged"
    statuses = {a.status for a in answers}
    if statuses <= {"answered"}:
        return "complete"
    if "waiting" in statuses:
        return "waiting"
    return "incomplete"


def retention_cutoff(today: date, years_after_exit: int) -> date:
    """Exited before this day: due for erasure. The period runs from the end of the year of
    the exit (as the ESF+ audit trail's does, from 31 December): an exit in 2026 with five
    years is erased on 1 January 2032."""
    return date(today.year - years_after_exit, 1, 1)


def erasure_due_on(exit_date: date, years_after_exit: int) -> date:
    """The day an exit of `exit_date` is erased (the inverse of `retention_cutoff`)."""
    return date(exit_date.year + years_after_exit + 1, 1, 1)
