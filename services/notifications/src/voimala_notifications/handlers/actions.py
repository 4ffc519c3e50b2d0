"""Answers to proposals: through a signed link here, or through matching's own API."""

from __future__ import annotations

from voimala_contracts import CloudEvent
from voimala_contracts.notifications import ActionAnswered
from voimala_kit import Connection

from .. import repository
from ..domain.links import ActionLink
from .deps import Deps

#: Messages that wait for an answer: pointless once the proposal is settled.
WAITING_FOR_ANSWER = ("match_expiring",)


class AlreadyAnswered(Exception):  # noqa: N818 - a business outcome
    pass


async def answer_proposal(conn: Connection, link: ActionLink, deps: Deps) -> ActionAnswered:
    """Record the link's answer once per proposal and tell matching (`action.answered.v1`)."""
    now = deps.clock.now()
    if not await repository.record_answer(
        conn, link.proposal_id, link.answer, link.link_id, "link", now
    ):
        raise AlreadyAnswered
    answered = ActionAnswered(
        proposal_id=link.proposal_id,
        answer=link.answer,
        responder_kind=link.responder_kind,
        responder_id=link.responder_id,
        user_id=link.user_id,
        link_id=link.link_id,
        answered_at=now,
    )
    await deps.outbox.add(conn, answered, subject=str(link.proposal_id))
    await repository.cancel_pending(conn, link.proposal_id, WAITING_FOR_ANSWER)
    return answered


async def settle_proposal(conn: Connection, data: object, event: CloudEvent, deps: Deps) -> None:
    """Matching settled a proposal (accepted, declined, expired): links now say so."""
    proposal_id = getattr(data, "proposal_id")  # noqa: B009 - every match.* event has it
    answer = {"match.accepted.v1": "accept", "match.declined.v1": "decline"}.get(event.type)
    await repository.record_answer(conn, proposal_id, answer, None, "matching", deps.clock.now())
    await repository.cancel_pending(conn, proposal_id, WAITING_FOR_ANSWER)
