"""The proposal lifecycle: proposed -> accepted | declined | expired | withdrawn -> confirmed
-> outcome. Capacity is checked under a row lock of the opening or mentor."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from voimala_contracts.matching import (
    MatchAccepted,
    MatchConfirmed,
    MatchDeclined,
    MatchExpired,
    MatchOutcomeRecorded,
    OpeningClosed,
)
from voimala_kit.auth import Principal
from voimala_kit.db import Connection
from voimala_kit.refusals import Invalid, conflict, forbidden, invalid, not_found

from ..domain.scoring import Filtered, score_mentor, score_opening
from ..repository import mentors, openings, profiles
from ..repository import proposals as repo
from ..repository.mentors import MentorRow
from ..repository.openings import OpeningRow
from ..repository.proposals import Proposal
from . import openings_optimiser
from .assignment import reassign
from .deps import Deps
from .events import match_event
from .proposing import Draft, create

OPENING_OUTCOMES = frozenset({"hired", "trial_started", "apprenticeship", "not_hired"})
MENTOR_OUTCOMES = frozenset({"mentoring_started", "mentoring_ended"})


@dataclass(frozen=True)
class ProposeOpening:
    participant_id: uuid.UUID
    opening_id: uuid.UUID
    proposed_by: str


@dataclass(frozen=True)
class ProposeMentor:
    participant_id: uuid.UUID
    mentor_id: uuid.UUID
    proposed_by: str


@dataclass(frozen=True)
class Decline:
    proposal_id: uuid.UUID
    reason: str


@dataclass(frozen=True)
class Withdraw:
    proposal_id: uuid.UUID
    reason: str


@dataclass(frozen=True)
class RecordOutcome:
    proposal_id: uuid.UUID
    outcome: str


def not_a_candidate(result: Filtered) -> Invalid:
    """A 422 naming the hard filter the pair fails (its name only, never a personal value)."""
    return Invalid(
        "a hard filter excludes this pair", title="Not a candidate", filter=result.reason
    )


async def propose_opening(deps: Deps, conn: Connection, cmd: ProposeOpening) -> Proposal:
    opening = await openings.get(conn, cmd.opening_id)
    if opening is None:
        raise not_found("opening")
    if opening.status != "open":
        raise conflict("the opening is not open")
    profile = await profiles.get(conn, cmd.participant_id)
    if profile is None:
        raise not_found("candidate")
    p, o = profiles.to_scoring(profile), openings.to_scoring(opening)
    result = score_opening(p, o, deps.settings.weights)
    if isinstance(result, Filtered):
        raise not_a_candidate(result)
    draft = Draft(
        participant_id=cmd.participant_id,
        kind="opening",
        explanation=result,
        proposed_by=cmd.proposed_by,
        opening_id=cmd.opening_id,
        partner_id=opening.partner_id,
    )
    return await create(deps, conn, draft)


async def propose_mentor(deps: Deps, conn: Connection, cmd: ProposeMentor) -> Proposal:
    mentor = await mentors.get(conn, cmd.mentor_id)
    if mentor is None:
        raise not_found("mentor")
    profile = await profiles.get(conn, cmd.participant_id)
    if profile is None:
        raise not_found("candidate")
    p, m = profiles.to_scoring(profile), mentors.to_scoring(mentor)
    result = score_mentor(p, m, deps.settings.weights)
    if isinstance(result, Filtered):
        raise not_a_candidate(result)
    draft = Draft(
        participant_id=cmd.participant_id,
        kind="mentor",
        explanation=result,
        proposed_by=cmd.proposed_by,
        mentor_id=cmd.mentor_id,
    )
    return await create(deps, conn, draft)


async def _answerable(conn: Connection, who: Principal, proposal_id: uuid.UUID) -> Proposal:
    """The proposal, if `who` is the partner or mentor it was made to."""
    p = await repo.get(conn, proposal_id)
    if p is None:
        raise not_found("proposal")
    if p.kind == "opening":
        if not (who.has("employer") and who.org == str(p.partner_id)):
            raise forbidden("only the partner it was made to may answer this proposal")
    else:
        assert p.mentor_id is not None
        mentor = await mentors.get(conn, p.mentor_id)
        if not (mentor and who.has("mentor") and who.subject == str(mentor.user_id)):
            raise forbidden("only the mentor it was made to may answer this proposal")
    return p


def _still_open(p: Proposal, now: datetime) -> None:
    if p.status != "proposed":
        raise conflict(f"the proposal is already {p.status}", proposal_status=p.status)
    if p.expires_at <= now:
        raise conflict("the proposal has expired", proposal_status="expired")


async def accept(deps: Deps, conn: Connection, proposal_id: uuid.UUID, who: Principal) -> Proposal:
    first = await _answerable(conn, who, proposal_id)
    # Lock order: the opening or mentor first, then the proposal; every path that changes
    # what counts against a capacity takes the same order, so concurrent accepts serialise.
    resource: OpeningRow | MentorRow | None
    if first.opening_id is not None:
        resource = await openings.get(conn, first.opening_id, lock=True)
    else:
        assert first.mentor_id is not None
        resource = await mentors.get(conn, first.mentor_id, lock=True)
    assert resource is not None
    p = await repo.get(conn, proposal_id, lock=True)
    assert p is not None
    _still_open(p, deps.clock.now())
    if isinstance(resource, OpeningRow):
        await _take_place(deps, conn, p, resource, who)
    else:
        if await mentors.active(conn, resource.id) >= resource.capacity:
            raise conflict("the mentor has no free capacity")
        at = await repo.set_status(conn, proposal_id, "accepted", answered_by=who.subject)
        await deps.outbox.add(
            conn, match_event(MatchAccepted, p, accepted_at=at), subject=str(p.id)
        )
    found = await repo.get(conn, proposal_id)
    assert found is not None
    return found


async def _take_place(
    deps: Deps, conn: Connection, p: Proposal, opening: OpeningRow, who: Principal
) -> None:
    """Accept `p` for one of the opening's places; the last place taken fills the opening."""
    if opening.status != "open":
        raise conflict("the opening is no longer open")
    taken = await openings.taken(conn, opening.id)
    if taken >= opening.places:
        raise conflict("every place of the opening is taken")
    at = await repo.set_status(conn, p.id, "accepted", answered_by=who.subject)
    await deps.outbox.add(conn, match_event(MatchAccepted, p, accepted_at=at), subject=str(p.id))
    if taken + 1 >= opening.places:
        await openings.set_status(conn, opening.id, "filled")
        closed = OpeningClosed(
            opening_id=opening.id,
            partner_id=opening.partner_id,
            status="filled",
            reason="filled",
        )
        await deps.outbox.add(conn, closed, subject=str(opening.id))
        for other in await repo.live_of(conn, opening_id=opening.id):
            await withdraw_one(deps, conn, other, "opening_filled")


async def decline(deps: Deps, conn: Connection, cmd: Decline, who: Principal) -> Proposal:
    await _answerable(conn, who, cmd.proposal_id)
    p = await repo.get(conn, cmd.proposal_id, lock=True)
    assert p is not None
    _still_open(p, deps.clock.now())
    await repo.set_status(
        conn, cmd.proposal_id, "declined", answered_by=who.subject, reason=cmd.reason
    )
    event = match_event(MatchDeclined, p, reason=cmd.reason)
    await deps.outbox.add(conn, event, subject=str(p.id))
    await _follow_up(deps, conn, p)
    found = await repo.get(conn, cmd.proposal_id)
    assert found is not None
    return found


async def _follow_up(deps: Deps, conn: Connection, p: Proposal) -> None:
    """After a decline or expiry: the next candidate for the opening at once (and the whole
    picture again at the optimiser's next run), or another mentor."""
    if p.opening_id is not None:
        await openings_optimiser.fill(deps, conn, [p.opening_id])
        await openings_optimiser.request(deps, conn, "answer")
    else:
        await reassign(deps, conn, [p.participant_id])


async def withdraw_one(deps: Deps, conn: Connection, p: Proposal, reason: str) -> None:
    await repo.set_status(conn, p.id, "withdrawn", reason=reason)
    event = match_event(MatchDeclined, p, reason=reason, withdrawn=True)
    await deps.outbox.add(conn, event, subject=str(p.id))
    if p.opening_id is not None:  # room freed, for the participant and maybe the opening
        await openings_optimiser.request(deps, conn, "withdrawn")


async def withdraw(deps: Deps, conn: Connection, cmd: Withdraw) -> Proposal:
    """A coordinator withdraws a proposal that is not yet confirmed."""
    p = await repo.get(conn, cmd.proposal_id, lock=True)
    if p is None:
        raise not_found("proposal")
    if p.status not in ("proposed", "accepted"):
        raise conflict(f"the proposal is already {p.status}", proposal_status=p.status)
    await withdraw_one(deps, conn, p, cmd.reason)
    found = await repo.get(conn, cmd.proposal_id)
    assert found is not None
    return found


async def withdraw_participant(
    deps: Deps, conn: Connection, participant_id: uuid.UUID, reason: str
) -> int:
    """No longer a candidate: every proposal not yet confirmed is withdrawn; how many were."""
    live = await repo.of_participant(conn, participant_id, ("proposed", "accepted"))
    for p in live:
        await withdraw_one(deps, conn, p, reason)
    return len(live)


async def confirm_accepted(deps: Deps, conn: Connection, participant_id: uuid.UUID) -> None:
    """The participant consented to share contact: their accepted matches are confirmed."""
    for p in await repo.of_participant(conn, participant_id, ("accepted",)):
        at = await repo.set_status(conn, p.id, "confirmed")
        event = match_event(MatchConfirmed, p, confirmed_at=at)
        await deps.outbox.add(conn, event, subject=str(p.id))


async def record_outcome(
    deps: Deps, conn: Connection, cmd: RecordOutcome, who: Principal
) -> Proposal:
    p = await repo.get(conn, cmd.proposal_id)
    if p is None:
        raise not_found("proposal")
    if not who.has("coordinator", "counsellor"):
        await _answerable(conn, who, cmd.proposal_id)
    allowed = MENTOR_OUTCOMES if p.kind == "mentor" else OPENING_OUTCOMES
    if cmd.outcome not in allowed:
        raise invalid("outcome", "this outcome does not fit this kind of match")
    if p.mentor_id is not None:
        await mentors.get(conn, p.mentor_id, lock=True)  # frees capacity: same lock order
    p = await repo.get(conn, cmd.proposal_id, lock=True)
    assert p is not None
    if p.status != "confirmed":
        raise conflict("an outcome is recorded only for a confirmed match")
    if p.outcome == "mentoring_ended" or (p.outcome and p.kind == "opening"):
        raise conflict("the outcome of this match is already recorded")
    at = await repo.set_outcome(conn, cmd.proposal_id, cmd.outcome)
    event = match_event(MatchOutcomeRecorded, p, outcome=cmd.outcome, recorded_at=at)
    await deps.outbox.add(conn, event, subject=str(p.id))
    found = await repo.get(conn, cmd.proposal_id)
    assert found is not None
    return found


async def expire_due(deps: Deps, conn: Connection, limit: int) -> int:
    """Expire unanswered proposals past their time and propose the next candidates."""
    due = await repo.due(conn, limit)
    for p in due:
        await repo.set_status(conn, p.id, "expired")
        count = await repo.expired_count(conn, partner_id=p.partner_id, mentor_id=p.mentor_id)
        event = match_event(
            MatchExpired, p, proposed_at=p.proposed_at, unanswered_count=max(1, count)
        )
        await deps.outbox.add(conn, event, subject=str(p.id))
    for p in due:
        await _follow_up(deps, conn, p)
    return len(due)
