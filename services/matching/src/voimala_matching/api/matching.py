"""Profiles, mentors, rankings and the mentor assignment."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from voimala_kit.auth import Principal
from voimala_kit.db import Connection
from voimala_kit.refusals import forbidden, not_found
from voimala_kit.service import Platform

from ..domain.scoring import redact
from ..handlers import assignment, programme, ranking
from ..handlers import mentors as mentor_cases
from ..handlers.deps import Deps
from ..repository import mentors, openings, partner_names, profiles
from ..repository.mentors import MentorRow
from ..repository.openings import OpeningRow
from ..settings import Settings
from .deps import (
    Anyone,
    Coordinator,
    PlatformDep,
    Staff,
    StaffOrMentor,
    audited,
    is_staff,
    own_partner,
)
from .deps import Mentor as MentorRole
from .proposals import proposal_out
from .schemas import (
    AssignmentOut,
    AvailabilityIn,
    CandidateProfile,
    MentorIn,
    MentorOut,
    OpeningOut,
    ProfileOut,
    RankedCandidate,
    RankedMentor,
    RankedOpening,
    explained,
    fields_of,
    mentor_out,
    missing_languages,
)

router = APIRouter(tags=["matching"])
TopK = Annotated[int, Query(ge=1, le=200)]
Near = Annotated[
    int,
    Query(
        ge=0,
        le=50,
        description="also up to this many missed only by a language level (issue 14): "
        "listed after the eligible ones, `eligible` false, with `missing_languages` and the "
        "next steps that teach the language; for the participant and staff only",
    ),
]


@router.get("/profiles/{participant_id}", response_model=ProfileOut)
async def read_profile(participant_id: uuid.UUID, who: Staff, platform: PlatformDep) -> ProfileOut:
    """The pseudonymous profile matching keeps of a participant. The read is audited."""
    async with platform.db.transaction() as conn:
        found = await profiles.get(conn, participant_id)
        if found is None:
            raise not_found("profile for this participant (yet)")
        await audited(conn, who, [participant_id], "profile.read")
    return ProfileOut.model_validate(fields_of(found))


@router.get("/openings/{opening_id}/candidates", response_model=list[RankedCandidate])
async def top_candidates(
    opening_id: uuid.UUID, who: Anyone, platform: PlatformDep, k: TopK = 50, near: Near = 0
) -> list[RankedCandidate]:
    """The best k consenting candidates for an opening, each with its explanation. Staff, or
    the opening's own partner (pseudonymous: skills, languages, availability, goals; no
    missing skills, no next steps, no near ones). The read is audited for every candidate
    shown."""
    async with platform.db.transaction() as conn:
        opening = await openings.get(conn, opening_id)
        if opening is None:
            raise not_found("opening")
        if not is_staff(who):
            if not who.has("employer"):
                raise forbidden("only staff and the opening's partner see its candidates")
            own_partner(who, opening.partner_id)
        ranked = await ranking.top_candidates(platform.deps, conn, opening, k)
        await audited(conn, who, [row.participant_id for row, _ in ranked], "candidates.read")
        # Next steps are the participant's and staff's to see; the partner's view has none.
        staff = is_staff(who)
        steps = await programme.steps_for(platform.deps, conn, [e for _, e in ranked if staff])
        nearby = await _near_candidates(platform, conn, who, opening, near if staff else 0)
    shown = [
        (row, explained(e, steps[i]) if staff else explained(redact(e)))
        for i, (row, e) in enumerate(ranked)
    ]
    return [
        RankedCandidate(
            participant_id=row.participant_id,
            score=explanation.score,
            explanation=explanation,
            profile=CandidateProfile.model_validate(fields_of(row)),
        )
        for row, explanation in shown
    ] + nearby


async def _near_candidates(
    platform: Platform[Settings, Deps],
    conn: Connection,
    who: Principal,
    opening: OpeningRow,
    k: int,
) -> list[RankedCandidate]:
    """Staff's near view: who misses the opening only by a language level (audited too)."""
    if k == 0:
        return []
    found = await ranking.near_candidates(platform.deps, conn, opening, k)
    await audited(conn, who, [row.participant_id for row, _, _ in found], "candidates.read")
    steps = await programme.steps_for(
        platform.deps, conn, [e for _, e, _ in found], [gaps for _, _, gaps in found]
    )
    return [
        RankedCandidate(
            participant_id=row.participant_id,
            score=e.score,
            explanation=explained(e, steps[i]),
            profile=CandidateProfile.model_validate(fields_of(row)),
            eligible=False,
            missing_languages=missing_languages(gaps),
        )
        for i, (row, e, gaps) in enumerate(found)
    ]


@router.get("/participants/{participant_id}/openings", response_model=list[RankedOpening])
async def top_openings(
    participant_id: uuid.UUID, who: Anyone, platform: PlatformDep, k: TopK = 50, near: Near = 0
) -> list[RankedOpening]:
    """The best k open openings for a participant: staff, or the participant themself. The
    read is audited."""
    if not (is_staff(who) or (who.has("participant") and who.subject == str(participant_id))):
        raise forbidden("only staff and the participant themself see these")
    async with platform.db.transaction() as conn:
        profile = await profiles.get(conn, participant_id)
        if profile is None:
            raise not_found("profile for this participant (yet)")
        ranked = await ranking.top_openings(platform.deps, conn, profile, k)
        await audited(conn, who, [participant_id], "openings_ranking.read")
        nearby = await ranking.near_openings(platform.deps, conn, profile, near) if near else []
        gaps: list[ranking.Gaps] = [[] for _ in ranked] + [g for _, _, g in nearby]
        every = [(row, e) for row, e in ranked] + [(row, e) for row, e, _ in nearby]
        steps = await programme.steps_for(platform.deps, conn, [e for _, e in every], gaps)
        names = await partner_names.of(conn, (row.partner_id for row, _ in every))
    return [
        RankedOpening(
            opening=OpeningOut.model_validate(
                fields_of(row) | {"partner_name": names.get(row.partner_id)}
            ),
            score=e.score,
            explanation=explained(e, steps[i]),
            eligible=i < len(ranked),
            missing_languages=missing_languages(gaps[i]),
        )
        for i, (row, e) in enumerate(every)
    ]


@router.get("/participants/{participant_id}/mentors", response_model=list[RankedMentor])
async def top_mentors(
    participant_id: uuid.UUID, who: Staff, platform: PlatformDep, k: TopK = 20
) -> list[RankedMentor]:
    """The best k mentors with free room for a participant (staff). The read is audited."""
    async with platform.db.transaction() as conn:
        profile = await profiles.get(conn, participant_id)
        if profile is None:
            raise not_found("profile for this participant (yet)")
        ranked = await ranking.mentors_for(platform.deps, conn, profile, k)
        await audited(conn, who, [participant_id], "mentors_ranking.read")
    return [
        RankedMentor(mentor_id=row.id, fields=row.fields, score=e.score, explanation=e)
        for row, e in ranked
    ]


@router.post("/mentors", status_code=201, response_model=MentorOut)
async def register_mentor(body: MentorIn, who: Coordinator, platform: PlatformDep) -> MentorOut:
    """A coordinator registers a volunteer mentor (who then logs in as `mentor`)."""
    codes = [language.code for language in body.languages]
    levels = {lang.code: lang.level for lang in body.languages if lang.level is not None}
    cmd = mentor_cases.RegisterMentor(**body.model_dump() | {"languages": codes, "levels": levels})
    async with platform.db.transaction() as conn:
        found = await mentor_cases.register_mentor(platform.deps, conn, cmd)
    return mentor_out(found, 0)


def _own_mentor(who: Principal, mentor: MentorRow) -> None:
    if is_staff(who) or (who.has("mentor") and who.subject == str(mentor.user_id)):
        return
    raise forbidden("mentors see and change only themselves")


@router.get("/mentors", response_model=list[MentorOut])
async def list_mentors(who: Staff, platform: PlatformDep) -> list[MentorOut]:
    """Every mentor with their active mentees (staff; the programme has tens, not thousands)."""
    async with platform.db.connection() as conn:
        rows = await mentors.all_with_active(conn)
    return [mentor_out(r.mentor, r.count) for r in rows]


@router.get("/mentors/me", response_model=MentorOut)
async def read_own_mentor(who: MentorRole, platform: PlatformDep) -> MentorOut:
    """The signed-in mentor's own record (found by the token's subject, the `user_id`), so
    that a mentor's pages need not know their mentor id."""
    try:
        user_id = uuid.UUID(who.subject)
    except ValueError:
        raise not_found("mentor") from None
    async with platform.db.connection() as conn:
        mentor_id = await mentors.by_user(conn, user_id)
        found = await mentors.get(conn, mentor_id) if mentor_id is not None else None
        if found is None:
            raise not_found("mentor")
        active = await mentors.active(conn, found.id)
    return mentor_out(found, active)


@router.get("/mentors/{mentor_id}", response_model=MentorOut)
async def read_mentor(mentor_id: uuid.UUID, who: StaffOrMentor, platform: PlatformDep) -> MentorOut:
    async with platform.db.connection() as conn:
        found = await mentors.get(conn, mentor_id)
        if found is None:
            raise not_found("mentor")
        _own_mentor(who, found)
        active = await mentors.active(conn, mentor_id)
    return mentor_out(found, active)


@router.put("/mentors/{mentor_id}/availability", response_model=MentorOut)
async def change_availability(
    mentor_id: uuid.UUID, body: AvailabilityIn, who: StaffOrMentor, platform: PlatformDep
) -> MentorOut:
    """Pause or resume, or change capacity. Pausing withdraws unanswered proposals and assigns
    their mentees again; a capacity below the active mentees is a 409."""
    cmd = mentor_cases.ChangeAvailability(mentor_id, body.available, body.capacity)
    async with platform.db.transaction() as conn:
        found = await mentors.get(conn, mentor_id)
        if found is None:
            raise not_found("mentor")
        _own_mentor(who, found)
        row = await mentor_cases.change_availability(platform.deps, conn, cmd)
        active = await mentors.active(conn, mentor_id)
    return mentor_out(row, active)


@router.post("/mentor-assignments", status_code=201, response_model=AssignmentOut)
async def assign_mentors(who: Coordinator, platform: PlatformDep) -> AssignmentOut:
    """Propose mentors to everyone who wants one and has none: an optimal assignment (maximal
    total score, no mentor over capacity). Audited for every participant proposed."""
    async with platform.db.transaction() as conn:
        made = await assignment.reassign(platform.deps, conn)
        await audited(conn, who, [p.participant_id for p in made], "proposal.created")
    return AssignmentOut(proposed=[proposal_out(p, who) for p in made])
