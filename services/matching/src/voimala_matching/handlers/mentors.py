"""Volunteer mentors: registered by coordinators; pausing and capacity changed by themselves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from voimala_contracts.matching import MentorAvailabilityChanged, MentorPersonal, MentorRegistered
from voimala_kit.db import Connection
from voimala_kit.refusals import conflict, not_found

from ..domain.scoring import norm
from ..repository import mentors
from ..repository import proposals as proposal_repo
from ..repository.mentors import MentorFields, MentorRow
from . import proposals
from .assignment import reassign
from .deps import Deps


@dataclass(frozen=True)
class RegisterMentor:
    #: Their login subject; new if None.
    user_id: uuid.UUID | None
    name: str
    email: str | None
    phone: str | None
    preferred_language: str
    fields: list[str]
    languages: list[str]
    capacity: int
    available: bool
    prefers_youth: bool
    municipality: str | None
    #: code -> CEFR level, for the languages whose level was given
    levels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangeAvailability:
    mentor_id: uuid.UUID
    available: bool
    #: None keeps the capacity as it is.
    capacity: int | None


async def register_mentor(deps: Deps, conn: Connection, cmd: RegisterMentor) -> MentorRow:
    m = MentorFields(
        id=uuid.uuid4(),
        user_id=cmd.user_id or uuid.uuid4(),
        name=cmd.name,
        email=cmd.email,
        phone=cmd.phone,
        preferred_language=cmd.preferred_language,
        fields=norm(cmd.fields),
        languages=[code.lower() for code in cmd.languages],
        capacity=cmd.capacity,
        available=cmd.available,
        prefers_youth=cmd.prefers_youth,
        municipality=cmd.municipality,
        language_levels={code.lower(): level for code, level in cmd.levels.items()},
    )
    if not await mentors.insert(conn, m):
        raise conflict("a mentor with this login is already registered")
    event = MentorRegistered(
        mentor_id=m.id,
        fields=m.fields,
        languages=m.languages,
        capacity=m.capacity,
        available=m.available,
        prefers_youth=m.prefers_youth,
        municipality=m.municipality,
        personal=MentorPersonal(
            user_id=m.user_id,
            name=m.name,
            email=m.email,
            phone=m.phone,
            preferred_language=m.preferred_language,
        ),
    )
    await deps.outbox.add(conn, event, subject=str(m.id))
    found = await mentors.get(conn, m.id)
    assert found is not None
    return found


async def change_availability(deps: Deps, conn: Connection, cmd: ChangeAvailability) -> MentorRow:
    """Pause or resume, or change capacity (not below the mentees the mentor has). Paused:
    unanswered proposals are withdrawn and their mentees assigned again."""
    mentor = await mentors.get(conn, cmd.mentor_id, lock=True)
    if mentor is None:
        raise not_found("mentor")
    capacity = mentor.capacity if cmd.capacity is None else cmd.capacity
    active = await mentors.active(conn, cmd.mentor_id)
    if capacity < active:
        raise conflict("the capacity is below the mentees this mentor already has")
    await mentors.set_availability(conn, cmd.mentor_id, cmd.available, capacity)
    event = MentorAvailabilityChanged(
        mentor_id=cmd.mentor_id, available=cmd.available, capacity=capacity, active_mentees=active
    )
    await deps.outbox.add(conn, event, subject=str(cmd.mentor_id))
    if not cmd.available:
        affected = []
        for p in await proposal_repo.live_of(conn, mentor_id=cmd.mentor_id):
            await proposals.withdraw_one(deps, conn, p, "mentor_paused")
            affected.append(p.participant_id)
        if affected:
            await reassign(deps, conn, affected)
    found = await mentors.get(conn, cmd.mentor_id)
    assert found is not None
    return found
