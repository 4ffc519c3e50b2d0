"""Registering and correcting participants."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import asyncpg
from voimala_contracts import EventData
from voimala_contracts.participants import ConsentPurpose
from voimala_kit.auth import STAFF, Principal
from voimala_kit.db import Connection
from voimala_kit.refusals import Conflict, conflict, forbidden, invalid, not_found

from ..domain import STAFF_ONLY_FIELDS, Participant, new_participant, on_registration
from ..repository import episodes, participants
from ..repository.episodes import EpisodeRow
from ..repository.participants import ParticipantRow
from . import consents as consent_handlers
from .deps import Deps
from .timeline import note


@dataclass(frozen=True)
class RegisterParticipant:
    #: Every field of the record a registration sends, by name (valid one by one).
    details: Mapping[str, object]
    #: Consents given on registration, by purpose; `matching_consent` is shorthand for one.
    consents: Mapping[ConsentPurpose, bool]
    matching_consent: bool | None
    consent_text_version: str
    #: The day of entry, when recorded later; today when None.
    entered_on: date | None


@dataclass(frozen=True)
class UpdateParticipant:
    participant_id: uuid.UUID
    #: Only the fields sent, by name; None clears an optional field.
    changes: Mapping[str, object]


def already_registered(existing: uuid.UUID) -> Conflict:
    return Conflict(
        "a participant with this e-mail address is already registered",
        title="Already registered",
        location=f"/participants/{existing}",
        existing_participant_id=str(existing),
        existing=f"/participants/{existing}",
    )


def address_taken() -> Conflict:
    """A participant's own e-mail change to an address in use: to them, no one is named (no
    id, no Location, not even "registered"): who is in the programme is not theirs to learn."""
    return Conflict(
        "this e-mail address cannot be used for your record; your counsellor can help",
        title="Address not available",
    )


def _taken(existing: uuid.UUID | None, who: Principal | None) -> Conflict:
    if who is not None and not who.has(*STAFF):
        return address_taken()
    # Without the e-mail's owner, an empty detail, as it has always been answered.
    return already_registered(existing) if existing else conflict("")


async def _email_free(
    conn: Connection, email: str | None, owner: uuid.UUID | None, who: Principal | None = None
) -> None:
    if email is None:
        return
    existing = await participants.id_by_email(conn, email)
    if existing is not None and existing != owner:
        raise _taken(existing, who)


async def _save_new(conn: Connection, p: Participant, by: str) -> ParticipantRow:
    # A savepoint, so that losing a race for the same e-mail can still be answered as a 409.
    try:
        async with conn.transaction():
            return await participants.add(conn, p, by)
    except asyncpg.UniqueViolationError:
        existing = await participants.id_by_email(conn, p.email or "")
        if existing is None:
            raise
        raise already_registered(existing) from None


async def start_episode(
    deps: Deps, conn: Connection, p: Participant, number: int, on: date | None = None
) -> None:
    """Start episode `number` on day `on` (today when None), with the entry's facts then."""
    day = on or deps.clock.today()
    episode = EpisodeRow(
        participant_id=p.id,
        number=number,
        started_on=day,
        gender=p.gender,
        age_group=p.age_group(day),
        youth=p.youth(day),
        education_level=p.education_level,
        target_group=p.target_group,
    )
    await episodes.start(conn, episode)


async def _publish_registration(
    deps: Deps,
    conn: Connection,
    p: Participant,
    consents: dict[ConsentPurpose, bool],
    text_version: str,
    by: str,
) -> None:
    """The registration's events (the contact first), its path entry and its consents."""
    subject = str(p.id)
    events = p.registered(deps.clock.today())
    await deps.outbox.add_many(conn, [(e, subject) for e in events])
    await note(deps, conn, p.id, "participant.registered", {"episode": 1})
    for purpose, granted in consents.items():
        consent = consent_handlers.RecordConsent(p.id, purpose, granted, text_version)
        await consent_handlers.record(deps, conn, p, consent, by)


async def register_participant(
    deps: Deps, conn: Connection, cmd: RegisterParticipant, who: Principal
) -> ParticipantRow:
    consents = on_registration(cmd.consents, cmd.matching_consent)
    p = new_participant(uuid.uuid4(), cmd.details, consents.get("matching", False))
    if cmd.entered_on is not None and cmd.entered_on > deps.clock.today():
        raise invalid("entered_on", "is in the future")
    await _email_free(conn, p.email, None)
    row = await _save_new(conn, p, who.subject)  # in episode 1, which starts now
    await start_episode(deps, conn, p, 1, cmd.entered_on)
    await _publish_registration(deps, conn, p, consents, cmd.consent_text_version, who.subject)
    return row


async def _save(conn: Connection, p: Participant, who: Principal) -> ParticipantRow:
    try:
        async with conn.transaction():
            return await participants.save(conn, p)
    except asyncpg.UniqueViolationError:
        existing = await participants.id_by_email(conn, p.email or "")
        raise _taken(existing, who) from None


async def update_participant(
    deps: Deps, conn: Connection, cmd: UpdateParticipant, who: Principal
) -> ParticipantRow:
    found = await participants.get(conn, cmd.participant_id, lock=True)
    if found is None:
        raise not_found("participant")
    staff_only = sorted(cmd.changes.keys() & STAFF_ONLY_FIELDS)
    if staff_only and not who.has("coordinator", "counsellor"):
        raise forbidden("only staff may change these fields", fields=staff_only)
    p = participants.as_participant(found)
    if "status" in cmd.changes and p.status == "exited":
        raise conflict("an exited participant returns through /return", title="Exited")
    changed = p.apply(cmd.changes)
    p.check(cmd.changes)
    if "email" in changed:
        await _email_free(conn, p.email, p.id, who)
    if not changed:
        return found
    saved = await _save(conn, p, who)
    events: list[EventData] = p.changes(changed, deps.clock.today())
    await deps.outbox.add_many(conn, [(e, str(p.id)) for e in events])
    # Field names only: the timeline holds no values that could be personal data.
    await note(deps, conn, p.id, "participant.updated", {"fields": sorted(changed)})
    return saved
