"""A person's rights over what matching holds (GDPR 15 and 17), as they come through Kafka.

Access (`privacy.access_requested.v1`): `privacy.matching_exported.v1` with everything held
about the participant, in `personal` (the kit seals it with the person's key). Erasure
(`privacy.erasure_requested.v1`): the profile deleted, open proposals withdrawn, as a
coordinator's withdrawal does (the partner or mentor is told, nobody is left waiting), every
proposal anonymised (the facts reports count stay), the id remembered in `erased_participants`, then
`privacy.matching_erased.v1` with counts. Each request is answered once per its id; a later
event about an erased participant changes nothing (`unless_erased`).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from pydantic_core import to_jsonable_python
from voimala_contracts import CloudEvent
from voimala_contracts.privacy import (
    AccessRequested,
    ErasureRequested,
    ExportedData,
    MatchingErased,
    MatchingExported,
)
from voimala_kit import audit
from voimala_kit.db import Connection
from voimala_kit.logging import get_logger

from ..domain.export import Export, fit
from ..repository import privacy, profiles
from ..repository import proposals as proposal_repo
from ..repository.profiles import ProfileRow
from ..repository.proposals import Proposal
from . import proposals
from .deps import Deps

log = get_logger(__name__)

#: Why a proposal is withdrawn when its participant is erased: neutral, so that the partner or
#: mentor told of the withdrawal does not learn that the person asked to be erased.
ERASED_REASON = "participant_unavailable"
#: Reasons that are the system's own codes; any other reason (a person's free text, perhaps
#: about the participant) is removed when the proposal is anonymised.
SYSTEM_REASONS = (
    ERASED_REASON,
    "not_candidate",
    "consent_withdrawn",
    "exited",
    "opening_filled",
    "opening_closed",
    "mentor_paused",
    "declined_by_link",
    "withdrawn_by_coordinator",
)


class _About(Protocol):
    @property
    def participant_id(self) -> uuid.UUID: ...


E = TypeVar("E", bound=_About)
Apply = Callable[[Connection, E, CloudEvent], Awaitable[None]]


def unless_erased(apply: Apply[E]) -> Apply[E]:
    """`apply`, except for an erased participant: then the event is acknowledged, no effect
    (a replayed registration or a late consent must not bring them back)."""

    async def guarded(conn: Connection, data: E, event: CloudEvent) -> None:
        if await privacy.is_erased(conn, data.participant_id):
            log.info("matching.erased_participant_event_skipped", event_type=event.type)
            return
        await apply(conn, data, event)

    return guarded


def _record(row: object, *, leave: tuple[str, ...] = ()) -> dict[str, Any]:
    found: dict[str, Any] = to_jsonable_python(row)
    return {k: v for k, v in found.items() if k not in leave}


def _profile_sets(profile: ProfileRow | None) -> Export:
    if profile is None:
        return {"profile": [], "consents": []}
    consents = [
        {"purpose": "matching", "granted": profile.matching_consent},
        {"purpose": "contact_sharing", "granted": profile.contact_sharing},
    ]
    # `skill_keys` is `skills` as compared (derived); everything else as held, target group too.
    return {"profile": [_record(profile, leave=("skill_keys",))], "consents": consents}


def _proposal_sets(every: list[Proposal]) -> Export:
    outcomes = [
        {"proposal_id": str(p.id), "kind": p.kind, "outcome": p.outcome, "outcome_at": p.outcome_at}
        for p in every
        if p.outcome is not None
    ]
    return {
        # The whole explanation (as staff see it): the person's own scores and their reasons.
        "proposals": [_record(p) for p in every if p.kind == "opening"],
        "mentor_matches": [_record(p) for p in every if p.kind == "mentor"],
        "outcomes": to_jsonable_python(outcomes),
    }


async def held(conn: Connection, participant_id: uuid.UUID) -> Export:
    """Everything matching holds about the participant, by data set."""
    exit_ = await profiles.exit_of(conn, participant_id)
    erased = await privacy.erased_at(conn, participant_id)
    return (
        _profile_sets(await profiles.get(conn, participant_id))
        | _proposal_sets(await proposal_repo.every_of(conn, participant_id))
        | {
            "exit": [{"exited_at": exit_.exited_at.isoformat()}] if exit_ else [],
            "erasure": [{"erased_at": erased.isoformat()}] if erased else [],
        }
    )


async def export_participant(
    deps: Deps, conn: Connection, data: AccessRequested, _: CloudEvent
) -> None:
    """Answer an access request once: everything held, within one record's size."""
    if not await privacy.answer_once(conn, data.request_id, "access"):
        return
    await audit.record(
        conn, audit.SYSTEM, [data.participant_id], "access.exported", "access_request"
    )
    answer = MatchingExported(
        request_id=data.request_id,
        participant_id=data.participant_id,
        exported_at=deps.clock.now(),
        personal=ExportedData(data=fit(await held(conn, data.participant_id))),
    )
    await deps.outbox.add(conn, answer, subject=str(data.participant_id))


async def erase_participant(
    deps: Deps, conn: Connection, data: ErasureRequested, _: CloudEvent
) -> None:
    """Erase once per erasure id; a participant erased before gives zero counts."""
    if not await privacy.answer_once(conn, data.erasure_id, "erasure"):
        return
    pid = data.participant_id
    await audit.record(conn, audit.SYSTEM, [pid], "erased", "erasure")
    # The profile first: its delete waits for a proposal being made for them right now (which
    # holds the row), so that the withdrawal and anonymising below see that one too.
    deleted = await profiles.erase(conn, pid)
    withdrawn = await proposals.withdraw_participant(deps, conn, pid, ERASED_REASON)
    # One new id for all of this person's proposals, known to no one.
    anonymous = await proposal_repo.anonymise(conn, pid, uuid.uuid4(), SYSTEM_REASONS)
    at = await privacy.mark_erased(conn, pid, data.erasure_id)
    counts = {
        "profile": deleted,
        "consents": deleted,
        "proposals": anonymous.proposals,
        "mentor_matches": anonymous.mentor_matches,
        "outcomes": anonymous.outcomes,
        "proposals_withdrawn": withdrawn,
    }
    answer = MatchingErased(
        erasure_id=data.erasure_id, participant_id=pid, erased_at=at, counts=counts
    )
    await deps.outbox.add(conn, answer, subject=str(pid))
