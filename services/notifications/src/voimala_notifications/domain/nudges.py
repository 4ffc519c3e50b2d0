"""Nudges: messages from the programme's state rather than from one request. Pure.

- **no-show** (`nudge_no_show`): a participant who did not come is told, kindly, when the same
  series meets next (`attendance.recorded.v1` of a no-show carries the next occurrence);
- **a mentor's silence** (`nudge_mentor_reminder_days`, 3; `nudge_mentor_coordinator_days`, 5):
  a mentor who has not answered a proposal that many days after it was made is reminded (with
  the answer links), and later the coordinators are told. Both wait as held messages and are
  cancelled when the proposal is settled; none is planned past the proposal's expiry (the
  expiry has its own notice to coordinators).

Each is a rule of `rules.Send`'s shape; preferences, consent, opt-outs and quiet hours apply to
them as to every message (`planning`). A setting of 0 (days) or false switches a rule off.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import ClassVar, Final

from voimala_contracts import EventData
from voimala_contracts.matching import MatchProposed
from voimala_contracts.scheduling import OccurrenceInfo

from .rules import ALL, NO_SMS, Send

NO_SHOW: Final = Send("participant", "nudge_no_show", "programme", channels=ALL)
MENTOR_REMINDER: Final = Send(
    "answerer", "nudge_mentor_reminder", "matching", links=True, ref="proposal_id"
)
MENTOR_SILENT: Final = Send(
    "coordinators", "nudge_mentor_silent", "matching", channels=NO_SMS, ref="proposal_id"
)

#: Every nudge's message (the template tests render each in every language).
SENDS: Final = (NO_SHOW, MENTOR_REMINDER, MENTOR_SILENT)

#: The nudges that wait for an answer: cancelled once the proposal is settled.
WAITING_FOR_ANSWER: Final = (MENTOR_REMINDER.template, MENTOR_SILENT.template)


class MissedOccurrence(EventData):
    """What the no-show nudge is written from: the next occurrence as `occurrence` (so that
    `what`, `where` and `when` name it) and the one missed."""

    TYPE: ClassVar[str] = "nudge.no_show"
    AGGREGATE: ClassVar[str] = "occurrence"
    TOPIC: ClassVar[str] = ""

    participant_id: uuid.UUID
    occurrence: OccurrenceInfo
    missed: OccurrenceInfo


class MentorSilence(MatchProposed):
    """What the coordinators' notice is written from: the proposal, and whether the mentor
    was reminded before it (not when the reminder rule is off, or came due after it)."""

    TYPE: ClassVar[str] = "nudge.mentor_silent"
    TOPIC: ClassVar[str] = ""

    reminded: bool


def was_reminded(reminder: datetime | None, notice: datetime) -> bool:
    """Whether a reminder due at `reminder` (None: none planned) went before the notice."""
    return reminder is not None and reminder < notice


def mentor_due(proposed_at: datetime, days: float, expires_at: datetime) -> datetime | None:
    """When a mentor's silence is told: `days` after the proposal; None when the rule is off
    or the proposal expires first."""
    if days <= 0:
        return None
    due = proposed_at + timedelta(days=days)
    return due if due < expires_at else None
