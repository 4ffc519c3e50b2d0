"""The proposal lifecycle: proposed -> accepted | declined | expired | withdrawn -> confirmed
-> outcome. Capacity is checked under a row lock of the opening or mentor."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from voimala_contracts.matching import (
    MatchAccepted,
    MatchConfirmed,
    MatchDeclined,
    MatchExpired,
    MatchOutcomeRecorded,
    OpeningClosed,
)
from voimala_kit import Connection, Outbox, Principal
from voimala_kit.refusals import Invalid, conflict, forbidden, invalid, not_found

from ..domain.scoring import Filtered, score_mentor, score_opening
from ..repository import mentors, openings, profiles
from ..repository import proposals as repo
from ..settings import Settings
from .assignment import reassign
from .events import match_event
from .proposing import create, propose_next

OPENING_OUTCOMES = frozenset({"hired", "trial_started", "apprenticeship", "not_hired"})
MENTOR_OUTCOMES = frozenset({"mentoring_started", "mentoring_ended"})


async def propose_opening(
    conn: Connection,
    outbox: Outbox,
    settings: Settings,
    participant_id: uuid.UUID,
    opening_id: uuid.UUID,
    by: str,
) -> dict[str, Any]:
    opening = await openings.get(conn, opening_id)
    if opening is None:
        raise not_found("opening")
    if opening["status"] != "open":
        raise conflict("the opening is not open")
    profile = await profiles.get(conn, participant_id)
    if profile is None:
        raise not_found("candidate")
    result = score_opening(
        profiles.to_scoring(profile), openings.to_scoring(opening), settings.weights
    )
    if isinstance(result, Filtered):
        raise Invalid(
            "a hard filter excludes this pair", title="Not a candidate", filter=result.reason
        )
    return await create(
        conn,
        outbox,
        settings,
        {
            "participant_id": participant_id,
            "kind": "opening",
            "opening_id": opening_id,
            "partner_id": opening["partner_id"],
            "score": result.score,
            "explanation": result.model_dump(mode="json"),
            "proposed_by": by,
        },
    )


async def propose_mentor(
    conn: Connection,
    outbox: Outbox,
    settings: Settings,
    participant_id: uuid.UUID,
    mentor_id: uuid.UUID,
    by: str,
) -> dict[str, Any]:
    mentor = await mentors.get(conn, mentor_id)
    if mentor is None:
        raise not_found("mentor")
    profile = await profiles.get(conn, participant_id)
    if profile is None:
        raise not_found("candidate")
    result = score_mentor(
        profiles.to_scoring(profile), mentors.to_scoring(mentor), settings.weights
    )
    if isinstance(result, Filtered):
        raise Invalid(
            "a hard filter excludes this pair", title="Not a candidate", filter=result.reason
        )
    return await create(
        conn,
        outbox,
        settings,
        {
            "participant_id": participant_id,
            "kind": "mentor",
            "mentor_id": mentor_id,
            "score": result.score,
            "explanation": result.model_dump(mode="json"),
            "proposed_by": by,
        },
    )


async def _answerable(conn: Connection, who: Principal, proposal_id: uuid.UUID) -> dict[str, Any]:
    """The proposal, if `who` is the partner or mentor it was made to."""
    p = await repo.get(conn, proposal_id)
    if p is None:
        raise not_found("proposal")
    if p["kind"] == "opening":
        if not (who.has("employer") and who.org == str(p["partner_id"])):
            raise forbidden("only the partner it was made to may answer this proposal")
    else:
        mentor = await mentors.get(conn, p["mentor_id"])
        if not (mentor and who.has("mentor") and who.subject == str(mentor["user_id"])):
            raise forbidden("only the mentor it was made to may answer this proposal")
    return p


def _still_open(p: dict[str, Any]) -> None:
    if p["status"] != "proposed":
        raise conflict(f"the proposal is already {p['status']}", proposal_status=p["status"])
    if p["expires_at"] <= datetime.now(UTC):
        raise conflict("the proposal has expired", proposal_status="expired")


async def accept(
    conn: Connection, outbox: Outbox, settings: Settings, who: Principal, proposal_id: uuid.UUID
) -> dict[str, Any]:
    first = await _answerable(conn, who, proposal_id)
    # Lock order: the opening or mentor first, then the proposal; every path that changes
    # what counts against a capacity takes the same order, so concurrent accepts serialise.
    if first["kind"] == "opening":
        resource = await openings.get(conn, first["opening_id"], lock=True)
    else:
        resource = await mentors.get(conn, first["mentor_id"], lock=True)
    assert resource is not None
    p = await repo.get(conn, proposal_id, lock=True)
    assert p is not None
    _still_open(p)
    taken = 0
    if p["kind"] == "opening":
        if resource["status"] != "open":
            raise conflict("the opening is no longer open")
        taken = await openings.taken(conn, resource["id"])
        if taken >= resource["places"]:
            raise conflict("every place of the opening is taken")
    elif await mentors.active(conn, resource["id"]) >= resource["capacity"]:
        raise conflict("the mentor has no free capacity")
    at = await repo.set_status(conn, proposal_id, "accepted", answered_by=who.subject)
    await outbox.add(conn, match_event(MatchAccepted, p, accepted_at=at), subject=str(p["id"]))
    if p["kind"] == "opening" and taken + 1 >= resource["places"]:
        await openings.set_status(conn, resource["id"], "filled")
        closed = OpeningClosed(
            opening_id=resource["id"],
            partner_id=resource["partner_id"],
            status="filled",
            reason="filled",
        )
        await outbox.add(conn, closed, subject=str(resource["id"]))
        for other in await repo.live_of(conn, opening_id=resource["id"]):
            await withdraw_one(conn, outbox, other, "opening_filled")
    found = await repo.get(conn, proposal_id)
    assert found is not None
    return found


async def decline(
    conn: Connection,
    outbox: Outbox,
    settings: Settings,
    who: Principal,
    proposal_id: uuid.UUID,
    reason: str,
) -> dict[str, Any]:
    await _answerable(conn, who, proposal_id)
    p = await repo.get(conn, proposal_id, lock=True)
    assert p is not None
    _still_open(p)
    await repo.set_status(conn, proposal_id, "declined", answered_by=who.subject, reason=reason)
    await outbox.add(conn, match_event(MatchDeclined, p, reason=reason), subject=str(p["id"]))
    await _follow_up(conn, outbox, settings, p)
    found = await repo.get(conn, proposal_id)
    assert found is not None
    return found


async def _follow_up(
    conn: Connection, outbox: Outbox, settings: Settings, p: dict[str, Any]
) -> None:
    """After a decline or expiry: the next candidate for the opening, or another mentor."""
    if p["kind"] == "opening":
        await propose_next(conn, outbox, settings, p["opening_id"])
    else:
        await reassign(conn, outbox, settings, [p["participant_id"]])


async def withdraw_one(conn: Connection, outbox: Outbox, p: dict[str, Any], reason: str) -> None:
    await repo.set_status(conn, p["id"], "withdrawn", reason=reason)
    event = match_event(MatchDeclined, p, reason=reason, withdrawn=True)
    await outbox.add(conn, event, subject=str(p["id"]))


async def withdraw(
    conn: Connection, outbox: Outbox, proposal_id: uuid.UUID, reason: str
) -> dict[str, Any]:
    """A coordinator withdraws a proposal that is not yet confirmed."""
    p = await repo.get(conn, proposal_id, lock=True)
    if p is None:
        raise not_found("proposal")
    if p["status"] not in ("proposed", "accepted"):
        raise conflict(f"the proposal is already {p['status']}", proposal_status=p["status"])
    await withdraw_one(conn, outbox, p, reason)
    found = await repo.get(conn, proposal_id)
    assert found is not None
    return found


async def withdraw_participant(
    conn: Connection, outbox: Outbox, settings: Settings, participant_id: uuid.UUID, reason: str
) -> None:
    """No longer a candidate: every proposal not yet confirmed is withdrawn."""
    for p in await repo.of_participant(conn, participant_id, ("proposed", "accepted")):
        await withdraw_one(conn, outbox, p, reason)


async def confirm_accepted(
    conn: Connection, outbox: Outbox, participant_id: uuid.UUID, consent_at: datetime
) -> None:
    """The participant consented to share contact: their accepted matches are confirmed."""
    for p in await repo.of_participant(conn, participant_id, ("accepted",)):
        at = await repo.set_status(conn, p["id"], "confirmed")
        event = match_event(MatchConfirmed, p, confirmed_at=at)
        await outbox.add(conn, event, subject=str(p["id"]))


async def record_outcome(
    conn: Connection, outbox: Outbox, who: Principal, proposal_id: uuid.UUID, outcome: str
) -> dict[str, Any]:
    p = await repo.get(conn, proposal_id)
    if p is None:
        raise not_found("proposal")
    if not who.has("coordinator", "counsellor"):
        await _answerable(conn, who, proposal_id)
    allowed = MENTOR_OUTCOMES if p["kind"] == "mentor" else OPENING_OUTCOMES
    if outcome not in allowed:
        raise invalid("outcome", "this outcome does not fit this kind of match")
    if p["kind"] == "mentor":
        await mentors.get(conn, p["mentor_id"], lock=True)  # frees capacity: same lock order
    p = await repo.get(conn, proposal_id, lock=True)
    assert p is not None
    if p["status"] != "confirmed":
        raise conflict("an outcome is recorded only for a confirmed match")
    if p["outcome"] == "mentoring_ended" or (p["outcome"] and p["kind"] == "opening"):
        raise conflict("the outcome of this match is already recorded")
    at = await repo.set_outcome(conn, proposal_id, outcome)
    event = match_event(MatchOutcomeRecorded, p, outcome=outcome, recorded_at=at)
    await outbox.add(conn, event, subject=str(p["id"]))
    found = await repo.get(conn, proposal_id)
    assert found is not None
    return found


async def expire_due(conn: Connection, outbox: Outbox, settings: Settings, limit: int) -> int:
    """Expire unanswered proposals past their time and propose the next candidates."""
    due = await repo.due(conn, limit)
    for p in due:
        await repo.set_status(conn, p["id"], "expired")
        count = await repo.expired_count(conn, partner_id=p["partner_id"], mentor_id=p["mentor_id"])
        event = match_event(
            MatchExpired, p, proposed_at=p["proposed_at"], unanswered_count=max(1, count)
        )
        await outbox.add(conn, event, subject=str(p["id"]))
    for p in due:
        await _follow_up(conn, outbox, settings, p)
    return len(due)
