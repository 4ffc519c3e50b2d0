"""Registering and correcting participants."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
from voimala_contracts import EventData, LanguageSkill
from voimala_kit import Connection, Outbox, Principal, Problem

from .. import clock
from ..domain import Participant
from ..problems import already_registered, invalid, not_found
from ..repository import episodes, participants
from ..repository.participants import Row
from ..schemas import STAFF_ONLY_FIELDS, ParticipantIn, ParticipantPatch, _ProfileIn
from . import consents as consent_handlers
from .timeline import note


@dataclass(frozen=True)
class RegisterParticipant:
    details: ParticipantIn
    registered_by: str


@dataclass(frozen=True)
class UpdateParticipant:
    participant_id: uuid.UUID
    changes: ParticipantPatch
    by: Principal


def _check(p: Participant, sent: _ProfileIn, fields: set[str]) -> None:
    """Rules that span fields, on the record as it would be saved."""
    birth_year = sent.birth_year if "birth_year" in fields else None
    if birth_year is not None and p.birth_date is not None and birth_year != p.birth_date.year:
        raise invalid("birth_year", "does not agree with the birth date")
    unknown = set(p.skill_uris) - set(p.skills)
    if unknown:
        raise invalid("skill_uris", "every key must be one of the skills")


async def _email_free(conn: Connection, email: str | None, owner: uuid.UUID | None) -> None:
    if email is None:
        return
    existing = await participants.id_by_email(conn, email)
    if existing is not None and existing != owner:
        raise already_registered(existing)


async def _save_new(conn: Connection, p: Participant, by: str) -> None:
    # A savepoint, so that losing a race for the same e-mail can still be answered as a 409.
    try:
        async with conn.transaction():
            await participants.add(conn, p, by)
    except asyncpg.UniqueViolationError:
        existing = await participants.id_by_email(conn, p.email or "")
        if existing is None:
            raise
        raise already_registered(existing) from None


async def start_episode(
    conn: Connection, p: Participant, number: int, on: date | None = None
) -> None:
    today = on or clock.today()
    await episodes.start(
        conn,
        p.id,
        number,
        today,
        gender=p.gender,
        age_group=p.age_group(today),
        youth=p.youth(today),
        education_level=p.education_level,
        target_group=p.target_group,
    )


async def register_participant(cmd: RegisterParticipant, conn: Connection, outbox: Outbox) -> Row:
    d = cmd.details
    consents = dict(d.consents)
    if consents.get("registry") is False:
        raise invalid("consents", "the registry consent is required to register")
    if d.matching_consent is not None:
        if consents.get("matching", d.matching_consent) != d.matching_consent:
            raise invalid("matching_consent", "disagrees with consents.matching")
        consents["matching"] = d.matching_consent
    consents = {"registry": True, **consents}
    participant = Participant(
        id=uuid.uuid4(),
        given_name=d.given_name,
        family_name=d.family_name,
        preferred_language=d.preferred_language,
        email=str(d.email) if d.email else None,
        phone=d.phone,
        preferred_channel=d.preferred_channel,
        birth_year=d.birth_year,
        birth_date=d.birth_date,
        gender=d.gender,
        municipality=d.municipality,
        skills=list(dict.fromkeys(d.skills)),
        skill_uris=d.skill_uris,
        languages=[LanguageSkill(code=x.code, level=x.level) for x in d.languages],
        education_level=d.education_level,
        work_history=d.work_history,
        goals=d.goals,
        availability=list(dict.fromkeys(d.availability)),
        subsidy_days=d.subsidy_days,
        referral_reason=d.referral_reason,
        referral_source=d.referral_source,
        wants_mentor=d.wants_mentor,
        matching_consent=consents.get("matching", False),
    )
    _check(participant, d, d.model_fields_set)
    if d.entered_on is not None and d.entered_on > clock.today():
        raise invalid("entered_on", "is in the future")
    await _email_free(conn, participant.email, None)
    await _save_new(conn, participant, cmd.registered_by)
    await start_episode(conn, participant, 1, d.entered_on)
    subject = str(participant.id)
    await outbox.add_many(conn, [(e, subject) for e in participant.registered(clock.today())])
    await note(conn, participant.id, "participant.registered", {"episode": 1})
    for purpose, granted in consents.items():
        await consent_handlers.record(
            conn, outbox, participant, purpose, granted, d.consent_text_version, cmd.registered_by
        )
    found = await participants.get(conn, participant.id)
    assert found is not None
    return found


def _apply(p: Participant, changes: ParticipantPatch, fields: set[str]) -> set[str]:
    """Set the sent fields on `p`; return the names of those whose value changed."""
    changed = set()
    for name in fields:
        value: Any = getattr(changes, name)
        required = ("given_name", "family_name", "preferred_language", "preferred_channel")
        if name in required and value is None:
            raise invalid(name, "may not be empty")
        if name == "email" and value is not None:
            value = str(value)
        elif name == "languages":
            value = [LanguageSkill(code=x.code, level=x.level) for x in value]
        elif name in ("skills", "availability"):
            value = list(dict.fromkeys(value))
        elif name in ("skill_uris",) and value is None:
            value = {}
        if getattr(p, name) != value:
            setattr(p, name, value)
            changed.add(name)
    if "birth_date" in changed and p.birth_date is not None:
        p.birth_year = p.birth_date.year
    return changed


async def update_participant(cmd: UpdateParticipant, conn: Connection, outbox: Outbox) -> Row:
    found = await participants.get(conn, cmd.participant_id, lock=True)
    if found is None:
        raise not_found()
    fields = set(cmd.changes.model_fields_set)
    staff_only = sorted(fields & STAFF_ONLY_FIELDS)
    if staff_only and not cmd.by.has("coordinator", "counsellor"):
        raise Problem(
            403, "Forbidden", "only staff may change these fields", fields=list(staff_only)
        )
    p = found.participant
    if "status" in fields and p.status == "exited":
        raise Problem(409, "Exited", "an exited participant returns through /return")
    changed = _apply(p, cmd.changes, fields)
    _check(p, cmd.changes, fields)
    if "email" in changed:
        await _email_free(conn, p.email, p.id)
    if not changed:
        return found
    try:
        async with conn.transaction():
            await participants.save(conn, p)
    except asyncpg.UniqueViolationError:
        existing = await participants.id_by_email(conn, p.email or "")
        raise already_registered(existing) if existing else Problem(409, "Conflict") from None
    events: list[EventData] = p.changes(changed, clock.today())
    await outbox.add_many(conn, [(e, str(p.id)) for e in events])
    # Field names only: the timeline holds no values that could be personal data.
    await note(conn, p.id, "participant.updated", {"fields": sorted(changed)})
    updated = await participants.get(conn, p.id)
    assert updated is not None
    return updated
