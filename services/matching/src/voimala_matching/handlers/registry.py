"""Partners, openings and mentors: registered, changed, published."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from voimala_contracts.matching import (
    ContactPerson,
    MentorAvailabilityChanged,
    MentorPersonal,
    MentorRegistered,
    OpeningClosed,
    OpeningPosted,
    OpeningUpdated,
    PartnerPersonal,
    PartnerRegistered,
)
from voimala_kit import Connection, Outbox
from voimala_kit.refusals import conflict, invalid, not_found

from ..domain.business_id import is_valid_business_id
from ..domain.scoring import norm
from ..repository import mentors, openings, partners
from ..repository import proposals as proposal_repo
from ..schemas import AvailabilityIn, MentorIn, OpeningIn, OpeningPatch, PartnerIn
from ..settings import Settings
from . import proposals
from .assignment import reassign

HELSINKI = ZoneInfo("Europe/Helsinki")


async def register_partner(conn: Connection, outbox: Outbox, body: PartnerIn) -> dict[str, Any]:
    if body.kind == "employer" and body.business_id is None:
        raise invalid("business_id", "an employer needs a Finnish business ID")
    if body.business_id is not None and not is_valid_business_id(body.business_id):
        raise invalid("business_id", "not a valid Finnish business ID (1234567-8, check digit)")
    partner_id = uuid.uuid4()
    contacts = [c.model_dump() | {"user_id": c.user_id or uuid.uuid4()} for c in body.contacts]
    made = await partners.insert(
        conn, partner_id, body.kind, body.name, body.business_id, body.municipality, contacts
    )
    if not made:
        assert body.business_id is not None
        existing = await partners.by_business_id(conn, body.business_id)
        raise conflict(
            "a partner with this business ID is already registered",
            existing_partner_id=str(existing),
        )
    event = PartnerRegistered(
        partner_id=partner_id,
        kind=body.kind,
        name=body.name,
        business_id=body.business_id,
        municipality=body.municipality,
        personal=PartnerPersonal(contacts=[ContactPerson.model_validate(c) for c in contacts]),
    )
    await outbox.add(conn, event, subject=str(partner_id))
    found = await partners.get(conn, partner_id)
    assert found is not None
    return found


def _published(o: dict[str, Any]) -> dict[str, Any]:
    return {
        "opening_id": o["id"],
        "partner_id": o["partner_id"],
        **{
            k: o[k]
            for k in (
                "type",
                "title",
                "status",
                "municipality",
                "remote",
                "places",
                "start_date",
                "deadline",
                "required_skills",
                "nice_skills",
                "languages",
            )
        },
    }


def _check_deadline(deadline: date | None) -> None:
    if deadline is not None and deadline < datetime.now(HELSINKI).date():
        raise invalid("deadline", "the deadline is in the past")


async def post_opening(
    conn: Connection,
    outbox: Outbox,
    settings: Settings,
    partner_id: uuid.UUID,
    body: OpeningIn,
) -> dict[str, Any]:
    if await partners.get(conn, partner_id) is None:
        raise not_found("partner")
    _check_deadline(body.deadline)
    values = body.model_dump(mode="json") | {
        "required_skills": norm(body.required_skills),
        "nice_skills": norm(body.nice_skills),
        "start_date": body.start_date,
        "deadline": body.deadline,
    }
    row = await openings.insert(conn, uuid.uuid4(), partner_id, values)
    if row["status"] == "open":
        await outbox.add(conn, OpeningPosted(**_published(row)), subject=str(row["id"]))
    return row


async def change_opening(
    conn: Connection,
    outbox: Outbox,
    settings: Settings,
    opening_id: uuid.UUID,
    body: OpeningPatch,
) -> dict[str, Any]:
    current = await openings.get(conn, opening_id, lock=True)
    if current is None:
        raise not_found("opening")
    if current["status"] in ("filled", "closed"):
        raise conflict(f"the opening is {current['status']}")
    patch = body.model_dump(exclude_unset=True)
    if "deadline" in patch:
        _check_deadline(body.deadline)
    places = patch.get("places")
    if places is not None and places < await openings.taken(conn, opening_id):
        raise conflict("fewer places than candidates already accepted")
    for key in ("required_skills", "nice_skills"):
        if patch.get(key) is not None:
            patch[key] = norm(patch[key])
    if patch.get("languages") is not None:
        patch["languages"] = [lang.model_dump() for lang in body.languages or []]
    for key in ("title", "places", "status", "remote", "required_skills", "nice_skills"):
        if key in patch and patch[key] is None:
            del patch[key]
    row = await openings.update(conn, opening_id, current | patch)
    await _publish_change(conn, outbox, current["status"], row)
    return row


async def _publish_change(conn: Connection, outbox: Outbox, was: str, row: dict[str, Any]) -> None:
    if row["status"] == "closed":
        closed = OpeningClosed(
            opening_id=row["id"],
            partner_id=row["partner_id"],
            status="closed",
            reason="closed_by_partner",
        )
        await outbox.add(conn, closed, subject=str(row["id"]))
        for p in await proposal_repo.live_of(conn, opening_id=row["id"]):
            await proposals.withdraw_one(conn, outbox, p, "opening_closed")
    elif was == "draft" and row["status"] == "open":
        await outbox.add(conn, OpeningPosted(**_published(row)), subject=str(row["id"]))
    elif row["status"] == "open":
        await outbox.add(conn, OpeningUpdated(**_published(row)), subject=str(row["id"]))


async def close_past_deadline(conn: Connection, outbox: Outbox, limit: int) -> int:
    rows = await openings.past_deadline(conn, limit)
    for row in rows:
        await openings.set_status(conn, row["id"], "closed")
        closed = OpeningClosed(
            opening_id=row["id"],
            partner_id=row["partner_id"],
            status="closed",
            reason="deadline_passed",
        )
        await outbox.add(conn, closed, subject=str(row["id"]))
        for p in await proposal_repo.live_of(conn, opening_id=row["id"]):
            await proposals.withdraw_one(conn, outbox, p, "opening_closed")
    return len(rows)


async def register_mentor(conn: Connection, outbox: Outbox, body: MentorIn) -> dict[str, Any]:
    values = body.model_dump() | {
        "id": uuid.uuid4(),
        "user_id": body.user_id or uuid.uuid4(),
        "fields": norm(body.fields),
        "languages": [code.lower() for code in body.languages],
    }
    if not await mentors.insert(conn, values):
        raise conflict("a mentor with this login is already registered")
    event = MentorRegistered(
        mentor_id=values["id"],
        fields=values["fields"],
        languages=values["languages"],
        capacity=body.capacity,
        available=body.available,
        prefers_youth=body.prefers_youth,
        municipality=body.municipality,
        personal=MentorPersonal(
            user_id=values["user_id"],
            name=body.name,
            email=body.email,
            phone=body.phone,
            preferred_language=body.preferred_language,
        ),
    )
    await outbox.add(conn, event, subject=str(values["id"]))
    found = await mentors.get(conn, values["id"])
    assert found is not None
    return found


async def change_availability(
    conn: Connection,
    outbox: Outbox,
    settings: Settings,
    mentor_id: uuid.UUID,
    body: AvailabilityIn,
) -> dict[str, Any]:
    mentor = await mentors.get(conn, mentor_id, lock=True)
    if mentor is None:
        raise not_found("mentor")
    capacity = mentor["capacity"] if body.capacity is None else body.capacity
    active = await mentors.active(conn, mentor_id)
    if capacity < active:
        raise conflict("the capacity is below the mentees this mentor already has")
    await mentors.set_availability(conn, mentor_id, body.available, capacity)
    event = MentorAvailabilityChanged(
        mentor_id=mentor_id, available=body.available, capacity=capacity, active_mentees=active
    )
    await outbox.add(conn, event, subject=str(mentor_id))
    if not body.available:
        # Paused: unanswered proposals are withdrawn and their mentees assigned again.
        affected = []
        for p in await proposal_repo.live_of(conn, mentor_id=mentor_id):
            await proposals.withdraw_one(conn, outbox, p, "mentor_paused")
            affected.append(p["participant_id"])
        if affected:
            await reassign(conn, outbox, settings, affected)
    found = await mentors.get(conn, mentor_id)
    assert found is not None
    return found
