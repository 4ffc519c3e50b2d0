"""Exit, follow-up and return: the episodes of a participant's stay in the programme."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from voimala_contracts import ParticipantExited
from voimala_kit import Connection, Outbox, Problem

from .. import clock
from ..problems import invalid, not_found
from ..repository import episodes, participants
from ..repository.participants import Row
from .participants import start_episode
from .timeline import note


@dataclass(frozen=True)
class ExitParticipant:
    participant_id: uuid.UUID
    exit_date: date
    outcome: str
    by: str


@dataclass(frozen=True)
class RecordFollowUp:
    participant_id: uuid.UUID
    episode: int
    outcome: str


async def _locked(conn: Connection, participant_id: uuid.UUID) -> Row:
    found = await participants.get(conn, participant_id, lock=True)
    if found is None:
        raise not_found()
    return found


async def exit_participant(cmd: ExitParticipant, conn: Connection, outbox: Outbox) -> Row:
    found = await _locked(conn, cmd.participant_id)
    p = found.participant
    if p.status == "exited":
        raise Problem(409, "Already exited", "this participant has already exited")
    if cmd.exit_date > clock.today():
        raise invalid("exit_date", "is in the future")
    (current, *_) = await episodes.of(conn, p.id)
    if cmd.exit_date < current["started_on"]:
        raise invalid("exit_date", "is before the episode started")
    await episodes.close(conn, p.id, current["number"], cmd.exit_date, cmd.outcome, cmd.by)
    p.status = "exited"
    await participants.save(conn, p)
    exited = ParticipantExited(
        participant_id=p.id,
        exit_date=cmd.exit_date,
        outcome=cmd.outcome,
    )
    subject = str(p.id)
    await outbox.add_many(conn, [(exited, subject), (p.profile_updated(clock.today()), subject)])
    detail = {"episode": current["number"], "outcome": cmd.outcome}
    await note(conn, p.id, "participant.exited", detail)
    updated = await participants.get(conn, p.id)
    assert updated is not None
    return updated


async def record_follow_up(cmd: RecordFollowUp, conn: Connection) -> None:
    found = await _locked(conn, cmd.participant_id)
    if not await episodes.follow_up(conn, found.participant.id, cmd.episode, cmd.outcome):
        raise Problem(
            409,
            "No follow-up due",
            "the episode does not exist, has not ended, or has its follow-up already",
        )
    detail = {"episode": cmd.episode, "outcome": cmd.outcome}
    await note(conn, found.participant.id, "participant.follow_up", detail)


async def return_participant(
    participant_id: uuid.UUID, returned_on: date | None, conn: Connection, outbox: Outbox
) -> Row:
    """A participant who comes back: a new episode; the first one stays as it was."""
    found = await _locked(conn, participant_id)
    p = found.participant
    if p.status != "exited":
        raise Problem(409, "Not exited", "only an exited participant can return")
    number = found.episode + 1
    (last, *_) = await episodes.of(conn, p.id)
    on = returned_on or clock.today()
    if on > clock.today() or on < last["exit_date"]:
        raise invalid("returned_on", "must be between the last exit and today")
    p.status = "active"
    await participants.save(conn, p)
    await start_episode(conn, p, number, on)
    await outbox.add(conn, p.profile_updated(clock.today()), subject=str(p.id))
    await note(conn, p.id, "participant.returned", {"episode": number})
    updated = await participants.get(conn, p.id)
    assert updated is not None
    return updated
