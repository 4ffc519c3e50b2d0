"""Answers to proposals: through a signed link here, or through matching's own API."""

from __future__ import annotations

from dataclasses import dataclass

from voimala_contracts import CloudEvent
from voimala_contracts.matching import MatchCore
from voimala_contracts.notifications import ActionAnswered
from voimala_kit.auth import Principal
from voimala_kit.db import Connection
from voimala_kit.refusals import Conflict, DomainError, forbidden

from ..domain.links import ActionLink, BadLink, verify
from ..repository import answers, messages, recipients
from .deps import Deps

#: Messages that wait for an answer: pointless once the proposal is settled.
WAITING_FOR_ANSWER = ("match_expiring",)
#: How matching's events settle a proposal (an expiry is no answer).
_ANSWER_OF = {"match.accepted.v1": "accept", "match.declined.v1": "decline"}


class AlreadyAnswered(Conflict):
    """The proposal has its answer: the first one counts."""

    def __init__(self) -> None:
        super().__init__("this proposal was already answered", title="Already answered")


class InvalidLink(DomainError):  # noqa: N818 - named as the refusal it is
    """Not a link this service signed, or altered (answered as 400)."""

    def __init__(self) -> None:
        super().__init__("this link was not made by Voimala or was altered", title="Invalid link")


@dataclass(frozen=True)
class LinkView:
    """What a signed link answers, in whose language, and whether it still can."""

    link: ActionLink
    language: str
    expired: bool
    answered: bool

    @property
    def state(self) -> str:
        return "answered" if self.answered else "expired" if self.expired else "open"


def check_link(deps: Deps, token: str, who: Principal | None = None) -> ActionLink:
    """The link's content if this service signed it; expiry is judged by `view_link`.

    A link is bound to the person it was sent to: from the e-mail, unsigned in, its signature
    is the authority; presented with a token, the token must be that person's (no one else
    answers for them, whatever their role; their inbox shows it to them alone).
    """
    try:
        link = verify(token, deps.settings.link_secret)
    except BadLink:
        raise InvalidLink from None
    if who is not None and who.subject != str(link.user_id):
        raise forbidden("this link was sent to another person: only they may use it")
    return link


async def view_link(deps: Deps, conn: Connection, link: ActionLink) -> LinkView:
    person = await recipients.one(conn, link.user_id)
    language = person.preferred_language if person is not None else "fi"
    answered = await answers.of(conn, link.proposal_id) is not None
    return LinkView(link, language, link.expires_at <= deps.clock.now(), answered)


async def answer_proposal(deps: Deps, conn: Connection, link: ActionLink) -> ActionAnswered:
    """Record the link's answer once per proposal and tell matching (`action.answered.v1`)."""
    now = deps.clock.now()
    first = answers.Answer(link.proposal_id, link.answer, link.link_id, "link", now)
    if not await answers.record(conn, first):
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
    await messages.cancel_pending(conn, link.proposal_id, WAITING_FOR_ANSWER)
    return answered


async def settle_proposal(deps: Deps, conn: Connection, data: MatchCore, event: CloudEvent) -> None:
    """Matching settled a proposal (accepted, declined, expired): links now say so."""
    proposal_id = data.proposal_id
    answer = _ANSWER_OF.get(event.type)
    settled = answers.Answer(proposal_id, answer, None, "matching", deps.clock.now())
    await answers.record(conn, settled)
    await messages.cancel_pending(conn, proposal_id, WAITING_FOR_ANSWER)
