"""Proposals: made by coordinators or the engine, answered by partners and mentors."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from voimala_kit.auth import Principal
from voimala_kit.db import Connection
from voimala_kit.http import Page, next_time_cursor, time_cursor
from voimala_kit.refusals import forbidden, invalid, not_found

from ..domain.scoring import redact
from ..handlers import openings_optimiser, proposals
from ..repository import mentors, profiles
from ..repository import openings as opening_repo
from ..repository import proposals as repo
from ..repository.profiles import ProfileRow
from ..repository.proposals import Filter, Proposal
from .deps import (
    Anyone,
    Coordinator,
    CoordinatorOrEmployer,
    PlatformDep,
    Staff,
    audited,
    is_staff,
    own_partner,
)
from .schemas import (
    DeclineIn,
    OutcomeIn,
    ProposalIn,
    ProposalOut,
    UnansweredOut,
    WithdrawIn,
    candidate_view,
    fields_of,
)

router = APIRouter(tags=["proposals"])
CONTACT_DELIVERY = (
    "the participant's name and contact were sent to you as a message (see your inbox in the "
    "notifications service); matching itself never holds them"
)


def proposal_out(p: Proposal, who: Principal, profile: ProfileRow | None = None) -> ProposalOut:
    out = ProposalOut.model_validate(fields_of(p) | {"candidate": candidate_view(profile)})
    if not is_staff(who):
        shown = redact(out.explanation)
        if who.has("participant") and who.subject == str(p.participant_id):
            # Their own: what they lack is theirs to see (partners and mentors see none).
            shown = shown.model_copy(update={"missing_skills": out.explanation.missing_skills})
        out = out.model_copy(update={"explanation": shown, "score": shown.score})
    if p.status == "confirmed" and not who.has("participant"):
        out = out.model_copy(update={"contact_delivery": CONTACT_DELIVERY})
    return out


async def _visible(conn: Connection, who: Principal, p: Proposal) -> None:
    """Staff; the partner or mentor it was made to; the participant it is about."""
    if is_staff(who):
        return
    if who.has("employer") and p.partner_id is not None and who.org == str(p.partner_id):
        return
    if who.has("participant") and who.subject == str(p.participant_id):
        return
    if who.has("mentor") and p.mentor_id is not None:
        mentor = await mentors.get(conn, p.mentor_id)
        if mentor and who.subject == str(mentor.user_id):
            return
    raise forbidden("this proposal is not yours")


async def _candidate(conn: Connection, who: Principal, p: Proposal) -> ProfileRow | None:
    """The candidate's pseudonymous profile, for anyone but a participant."""
    if who.has("participant") and not is_staff(who):
        return None
    return await profiles.get(conn, p.participant_id)


@router.post("/proposals", status_code=201, response_model=ProposalOut)
async def propose(body: ProposalIn, who: Coordinator, platform: PlatformDep) -> ProposalOut:
    """A coordinator proposes a participant to an opening or to a mentor; the score and its
    explanation are computed, and the hard filters apply (422 with the filter's name)."""
    if (body.opening_id is None) == (body.mentor_id is None):
        raise invalid("opening_id", "give exactly one of opening_id and mentor_id")
    async with platform.db.transaction() as conn:
        if body.opening_id is not None:
            to_opening = proposals.ProposeOpening(
                body.participant_id, body.opening_id, "coordinator"
            )
            p = await proposals.propose_opening(platform.deps, conn, to_opening)
        else:
            assert body.mentor_id is not None
            to_mentor = proposals.ProposeMentor(body.participant_id, body.mentor_id, "coordinator")
            p = await proposals.propose_mentor(platform.deps, conn, to_mentor)
        await audited(conn, who, [p.participant_id], "proposal.created")
    return proposal_out(p, who)


@router.post("/openings/{opening_id}/proposals", status_code=201, response_model=list[ProposalOut])
async def propose_best(
    opening_id: uuid.UUID, who: CoordinatorOrEmployer, platform: PlatformDep
) -> list[ProposalOut]:
    """The engine proposes the best candidates not proposed before, one per free place.
    A coordinator, or the opening's own partner (who asks for candidates to answer)."""
    async with platform.db.transaction() as conn:
        if not who.has("coordinator"):
            opening = await opening_repo.get(conn, opening_id)
            if opening is None:
                raise not_found("opening")
            own_partner(who, opening.partner_id)
        await openings_optimiser.fill(platform.deps, conn, [opening_id])
        where = Filter(opening_id=opening_id, status="proposed")
        rows = await repo.page(conn, where, after=None, limit=1000)
        await audited(conn, who, [p.participant_id for p in rows], "proposal.read")
    return [proposal_out(p, who) for p in rows]


async def _whose(conn: Connection, who: Principal) -> Filter | None:
    """Which proposals `who` may list: all (staff), those made to them (a partner, a mentor),
    or their own (a participant); None when that is nothing."""
    if is_staff(who):
        return Filter()
    if who.has("employer"):
        try:
            return Filter(partner_id=uuid.UUID(who.org or ""))
        except ValueError:
            return None
    if who.has("mentor"):
        mentor_id = await mentors.by_user(conn, _uuid_or_nil(who.subject))
        return None if mentor_id is None else Filter(mentor_id=mentor_id)
    return Filter(participant_id=_uuid_or_nil(who.subject))


@router.get("/proposals", response_model=Page[ProposalOut])
async def list_proposals(
    who: Anyone,
    platform: PlatformDep,
    status: Literal["proposed", "accepted", "declined", "withdrawn", "expired", "confirmed"]
    | None = None,
    opening_id: uuid.UUID | None = None,
    participant_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[ProposalOut]:
    """Newest first. Partners see those made to them, mentors theirs, participants their own.
    The read is audited for every participant listed."""
    async with platform.db.transaction() as conn:
        whose = await _whose(conn, who)
        if whose is None:
            return Page[ProposalOut](items=[], next_cursor=None)
        where = Filter(
            partner_id=whose.partner_id,
            mentor_id=whose.mentor_id,
            # A participant lists only their own; others may ask for one participant's.
            participant_id=participant_id if whose.participant_id is None else whose.participant_id,
            opening_id=opening_id,
            status=status,
        )
        rows = await repo.page(conn, where, time_cursor(cursor), limit + 1)
        items = [proposal_out(p, who, await _candidate(conn, who, p)) for p in rows[:limit]]
        await audited(conn, who, [p.participant_id for p in rows[:limit]], "proposal.read")
    after = next_time_cursor(rows, limit, lambda p: (p.proposed_at, p.id))
    return Page[ProposalOut](items=items, next_cursor=after)


def _uuid_or_nil(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        return uuid.UUID(int=0)


@router.get("/proposals/{proposal_id}", response_model=ProposalOut)
async def read_proposal(proposal_id: uuid.UUID, who: Anyone, platform: PlatformDep) -> ProposalOut:
    """One proposal with its explanation and, for its partner or mentor, the candidate's
    pseudonymous profile. The read is audited."""
    async with platform.db.transaction() as conn:
        p = await repo.get(conn, proposal_id)
        if p is None:
            raise not_found("proposal")
        await _visible(conn, who, p)
        shown = await _candidate(conn, who, p)
        await audited(conn, who, [p.participant_id], "proposal.read")
    return proposal_out(p, who, shown)


@router.post("/proposals/{proposal_id}/accept", response_model=ProposalOut)
async def accept(proposal_id: uuid.UUID, who: Anyone, platform: PlatformDep) -> ProposalOut:
    """The partner or mentor accepts; within the opening's places or the mentor's capacity."""
    async with platform.db.transaction() as conn:
        p = await proposals.accept(platform.deps, conn, proposal_id, who)
        await audited(conn, who, [p.participant_id], "proposal.accepted")
    return proposal_out(p, who)


@router.post("/proposals/{proposal_id}/decline", response_model=ProposalOut)
async def decline(
    proposal_id: uuid.UUID, body: DeclineIn, who: Anyone, platform: PlatformDep
) -> ProposalOut:
    """The partner or mentor declines with a reason; the next candidate is proposed."""
    cmd = proposals.Decline(proposal_id, body.reason)
    async with platform.db.transaction() as conn:
        p = await proposals.decline(platform.deps, conn, cmd, who)
        await audited(conn, who, [p.participant_id], "proposal.declined")
    return proposal_out(p, who)


@router.post("/proposals/{proposal_id}/withdraw", response_model=ProposalOut)
async def withdraw(
    proposal_id: uuid.UUID, body: WithdrawIn, who: Coordinator, platform: PlatformDep
) -> ProposalOut:
    cmd = proposals.Withdraw(proposal_id, body.reason)
    async with platform.db.transaction() as conn:
        p = await proposals.withdraw(platform.deps, conn, cmd)
        await audited(conn, who, [p.participant_id], "proposal.withdrawn")
    return proposal_out(p, who)


@router.post("/proposals/{proposal_id}/outcome", response_model=ProposalOut)
async def record_outcome(
    proposal_id: uuid.UUID, body: OutcomeIn, who: Anyone, platform: PlatformDep
) -> ProposalOut:
    """What came of a confirmed match: by its partner or mentor, or by staff."""
    if who.has("participant") and not is_staff(who):
        raise forbidden("the partner, the mentor or staff record outcomes")
    cmd = proposals.RecordOutcome(proposal_id, body.outcome)
    async with platform.db.transaction() as conn:
        p = await proposals.record_outcome(platform.deps, conn, cmd, who)
        await audited(conn, who, [p.participant_id], "outcome.recorded")
    return proposal_out(p, who)


@router.get("/reports/unanswered", response_model=list[UnansweredOut])
async def unanswered(who: Staff, platform: PlatformDep) -> list[UnansweredOut]:
    """Partners and mentors who let proposals expire in the last 90 days, most first."""
    async with platform.db.connection() as conn:
        rows = await repo.unanswered_by_partner(conn)
    return [UnansweredOut.model_validate(fields_of(r)) for r in rows]
