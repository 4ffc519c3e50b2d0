"""Exit, follow-up and return: the episodes of a participant's stay in the programme."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from voimala_contracts import ParticipantExited
from voimala_kit.auth import Principal
from voimala_kit.db import Connection
from voimala_kit.refusals import conflict, invalid, not_found

from ..repository import episodes, participants
from ..repository.participants import ParticipantRow
from .deps import Deps
from .participants import start_episode
from .timeline import note


@dataclass(frozen=True)
class ExitParticipant:
    participant_id: uuid.UUID
    exit_date: date
    outcome: str


@dataclass(frozen=True)
class RecordFollowUp:
    participant_id: uuid.UUID
    episode: int
    outcome: str


@dataclass(frozen=True)
class ReturnParticipant:
    participant_id: uuid.UUID
    #: Today when None.
    returned_on: date | None


async def _locked(conn: Connection, participant_id: uuid.UUID) -> ParticipantRow:
    found = await participants.get(conn, participant_id, lock=True)
    if found is None:
        raise not_found("participant")
    return found


async def exit_participant(
    deps: Deps, conn: Connection, cmd: ExitParticipant, who: Principal
) -> ParticipantRow:
    p = participants.as_participant(await _locked(conn, cmd.participant_id))
    if p.status == "exited":
        raise conflict("this participant has already exited", title="Already exited")
    if cmd.exit_date > deps.clock.today():
        raise invalid("exit_date", "is in the future")
    (current, *_) = await episodes.of(conn, p.id)
    if cmd.exit_date < current.started_on:
        raise invalid("exit_date", "is before the episode started")
    await episodes.close(
        conn, episodes.Exit(p.id, current.number, cmd.exit_date, cmd.outcome, who.subject)
    )
    p.status = "exited"
    saved = await participants.save(conn, p)
    exited = ParticipantExited(participant_id=p.id, exit_date=cmd.exit_date, outcome=cmd.outcome)
    subject = str(p.id)
    profile = p.profile_updated(deps.clock.today())
    await deps.outbox.add_many(conn, [(exited, subject), (profile, subject)])
    detail = {"episode": current.number, "outcome": cmd.outcome}
    await note(deps, conn, p.id, "participant.exited", detail)
    return saved


async def record_follow_up(deps: Deps, conn: Connection, cmd: RecordFollowUp) -> None:
    found = await _locked(conn, cmd.participant_id)
    if not await episodes.follow_up(conn, found.id, cmd.episode, cmd.outcome):
        raise conflict(
            "the episode does not exist, has not ended, or has its follow-up already",
            title="No follow-up due",
        )
    detail = {"episode": cmd.episode, "outcome": cmd.outcome}
    await note(deps, conn, found.id, "participant.follow_up", detail)


async def return_participant(
    deps: Deps, conn: Connection, cmd: ReturnParticipant
) -> ParticipantRow:
    """A participant who comes back: a new episode; the first one stays as it was."""
    found = await _locked(conn, cmd.participant_id)
    p = participants.as_participant(found)
    if p.status != "exited":
        raise conflict("only an exited participant can return", title="Not exited")
    number = found.episode + 1
    (last, *_) = await episodes.of(conn, p.id)
    today = deps.clock.today()
    on = cmd.returned_on or today
    if on > today or (last.exit_date is not None and on < last.exit_date):
        raise invalid("returned_on", "must be between the last exit and today")
    p.status = "active"
    await participants.save(conn, p)
    await start_episode(deps, conn, p, number, on)
    await deps.outbox.add(conn, p.profile_updated(today), subject=str(p.id))
    await note(deps, conn, p.id, "participant.returned", {"episode": number})
    updated = await participants.get(conn, p.id)
    assert updated is not None
    return updated
